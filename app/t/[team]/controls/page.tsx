import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, Card, EmptyState, PageHeader, inputClass, buttonClass } from "@/app/_components/ui";
import { StatusBadge } from "@/app/_components/compliance-ui";
import { icons } from "@/app/_components/icons";
import type { FrameworkId } from "@/lib/compliance/catalog";
import { assessTeam, controlRows } from "@/lib/compliance/posture";
import { STATUSES, STATUS_LABELS, type Status } from "@/lib/compliance/engine-types";
import { EVIDENCE_KIND_INFO } from "@/lib/compliance/crosswalk";
import { ControlDrawer } from "./drawer";
import { BulkAttestForm, SelectControl, TemplateForms } from "./bulk";
import { can } from "@/lib/auth/permissions";
import { listAttestationTemplates } from "@/lib/compliance/attestation-templates";

export const metadata: Metadata = { title: "Controls" };

type Search = Promise<Record<string, string | string[] | undefined>>;

// Up to this many models, a row names each model's status; beyond, it counts them (the drawer and the
// model filter show each one) — fifty names on every row is unreadable and megabytes of page.
const NAMED_MODELS = 4;
const modelCounts = (perModel: { status: Status }[]) =>
  STATUSES.map((s) => [s, perModel.filter((p) => p.status === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${STATUS_LABELS[s].toLowerCase()}`).join(", ");
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export default async function ControlsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Search }) {
  const ctx = await teamPage(params);
  const sp = await searchParams;
  const a = await assessTeam(ctx);
  // The team's catalog: the bundled frameworks and its own.
  const catalog = a.catalog;
  const fwParam = one(sp.fw);
  const selectedControl = one(sp.control);
  const fromControl = catalog.byKey.get(selectedControl)?.framework;
  const fw: FrameworkId = catalog.frameworks.find((f) => f.id === fwParam)?.id ?? fromControl ?? "nist-ai-rmf";
  const status = (STATUSES as readonly string[]).includes(one(sp.status)) ? (one(sp.status) as Status) : null;
  const q = one(sp.q).trim().toLowerCase();
  const modelFilter = one(sp.model);

  const canAttest = can(ctx.role, "attestation.write");
  const templates = canAttest ? (await listAttestationTemplates(ctx)).map((t) => ({ id: t.id, name: t.name, statement: t.statement, validDays: t.validDays, evidenceUrl: t.evidenceUrl })) : [];
  const framework = catalog.frameworks.find((f) => f.id === fw)!;
  const models = a.evidence.models.map((m) => ({ id: m.modelId, label: `${m.name} v${m.version}` }));
  const rows = controlRows(a, fw).map((r) => {
    const shown = modelFilter ? r.perModel.filter((p) => p.modelId === modelFilter) : r.perModel;
    const st = modelFilter ? (shown[0]?.status ?? "not_assessed") : r.status;
    return { ...r, shown, st };
  }).filter((r) => (!status || r.st === status) && (!q || `${r.control.id} ${r.control.title} ${r.control.text}`.toLowerCase().includes(q)));

  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of controlRows(a, fw)) counts[modelFilter ? (r.perModel.find((p) => p.modelId === modelFilter)?.status ?? "not_assessed") : r.status]++;

  const groups = framework.groups.filter((g) => rows.some((r) => r.control.group === g.id || r.control.topGroup === g.id));
  const topGroups = groups.filter((g) => !g.parent);
  const base = `/t/${ctx.team.slug}/controls`;
  const qs = (over: Record<string, string | null>) => {
    const p = new URLSearchParams();
    const cur: Record<string, string> = { fw, status: status ?? "", q: one(sp.q), model: modelFilter, control: selectedControl };
    for (const [k, v] of Object.entries({ ...cur, ...over })) if (v) p.set(k, v);
    const s = p.toString();
    return s ? `${base}?${s}` : base;
  };

  return (
    <>
      <PageHeader
        title="Controls"
        description={<>Status of every control for every model, from measured evidence and reviewer attestations. Catalog <code className="text-xs">{catalog.version}</code>, {a.policyVersion ? `policy v${a.policyVersion}` : "default policy"}.</>}
        actions={
          <>
            <a href={`${base}/export?fw=${fw}`} className={buttonClass.secondary} download>Export CSV</a>
            <a href={`${base}/oscal${modelFilter ? `?model=${encodeURIComponent(modelFilter)}` : ""}`} className={buttonClass.secondary} download title="NIST OSCAL 1.0.6 assessment results of every framework, from the statuses now">OSCAL results</a>
            <a href={`${base}/oscal/catalogs/${encodeURIComponent(fw)}`} className={buttonClass.secondary} download title={`${framework.shortName} as an OSCAL catalog`}>OSCAL catalog</a>
          </>
        }
      />
      <nav aria-label="Frameworks" className="mb-4 flex flex-wrap gap-1 border-b border-slate-200">
        {catalog.frameworks.map((f) => (
          <Link key={f.id} href={qs({ fw: f.id, control: null, status: null })} aria-current={f.id === fw ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${f.id === fw ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}>
            {f.shortName}
          </Link>
        ))}
      </nav>
      <div className="mb-3 text-xs text-slate-500">
        {framework.name} — {framework.version}. {framework.note}
      </div>
      <form method="get" action={base} className="mb-4 flex flex-wrap items-end gap-3" aria-label="Filter controls">
        <input type="hidden" name="fw" value={fw} />
        <div>
          <label htmlFor="f-q" className="mb-1 block text-xs font-medium text-slate-600">Search</label>
          <input id="f-q" name="q" defaultValue={one(sp.q)} placeholder="id, title or text" className={`${inputClass} w-56 py-1.5`} />
        </div>
        <div>
          <label htmlFor="f-status" className="mb-1 block text-xs font-medium text-slate-600">Status</label>
          <select id="f-status" name="status" defaultValue={status ?? ""} className={`${inputClass} w-40 py-1.5`}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{STATUS_LABELS[s]} ({counts[s]})</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="f-model" className="mb-1 block text-xs font-medium text-slate-600">Model</label>
          <select id="f-model" name="model" defaultValue={modelFilter} className={`${inputClass} w-48 py-1.5`}>
            <option value="">All models (team roll-up)</option>
            {models.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
          </select>
        </div>
        <button type="submit" className={buttonClass.secondary + " py-1.5"}>Apply</button>
        <div className="ml-auto flex flex-wrap gap-1.5" aria-label="Counts">
          {STATUSES.map((s) => (
            <Link key={s} href={qs({ status: status === s ? null : s, control: null })} className={`rounded-full ${status === s ? "ring-2 ring-brand-500" : ""}`}>
              <Badge tone={{ satisfied: "green", partial: "amber", failing: "red", stale: "indigo", not_assessed: "gray" }[s] as "green"}>{STATUS_LABELS[s]} {counts[s]}</Badge>
            </Link>
          ))}
        </div>
      </form>

      {canAttest && rows.length ? (
        <details className="mb-5 rounded-xl border border-slate-200 bg-white shadow-sm" data-testid="bulk-attest">
          <summary className="cursor-pointer px-5 py-3 text-sm font-semibold text-slate-800">Attest several controls at once <span className="font-normal text-slate-600">— tick the controls below, then one statement for all</span></summary>
          <div className="grid gap-6 border-t border-slate-100 p-5 lg:grid-cols-[3fr_2fr]">
            <BulkAttestForm team={ctx.team.slug} models={models} maxDays={a.policy.maxAttestationDays} templates={templates} segregation={a.policy.segregationOfDuties} />
            <section aria-labelledby="tpl-title">
              <h3 id="tpl-title" className="mb-2 text-sm font-semibold text-slate-800">Team templates</h3>
              <TemplateForms team={ctx.team.slug} templates={templates} maxDays={a.policy.maxAttestationDays} />
            </section>
          </div>
        </details>
      ) : null}

      {rows.length === 0 ? (
        <EmptyState icon={icons.controls("h-10 w-10")} title="No control matches">Change the filters or the search.</EmptyState>
      ) : (
        <div className="space-y-5">
          {topGroups.map((tg) => {
            const inTop = rows.filter((r) => r.control.topGroup === tg.id);
            if (!inTop.length) return null;
            const subs = framework.groups.filter((g) => g.parent === tg.id && inTop.some((r) => r.control.group === g.id));
            const sections: { g: (typeof subs)[number] | null; items: typeof inTop }[] = subs.length ? subs.map((g) => ({ g, items: inTop.filter((r) => r.control.group === g.id) })) : [{ g: null, items: inTop }];
            const direct = subs.length ? inTop.filter((r) => r.control.group === tg.id) : [];
            if (direct.length) sections.unshift({ g: null, items: direct });
            return (
              <Card key={tg.id} title={<>{tg.id.toLowerCase() === tg.title.toLowerCase() ? tg.title : `${tg.id} — ${tg.title}`}{tg.description ? <span className="ml-2 font-normal text-slate-500">{tg.description}</span> : null}</>}>
                <div className="space-y-4">
                  {sections.map(({ g, items }) => (
                    <div key={g?.id ?? "top"}>
                      {g ? <h3 className="mb-1 text-xs font-semibold text-slate-600">{g.id === g.title ? g.id : `${g.id} ${g.title}`}{g.description ? <span className="font-normal text-slate-500"> — {g.description}</span> : null}</h3> : null}
                      <ul className="divide-y divide-slate-100">
                        {items.map((r) => (
                          <li key={r.control.key} className={`flex flex-wrap items-center gap-x-3 gap-y-1 py-2 ${selectedControl === r.control.key ? "bg-brand-50" : ""}`} data-control={r.control.key}>
                            {canAttest ? <SelectControl controlKey={r.control.key} controlId={r.control.id} /> : null}
                            <Link href={qs({ control: r.control.key })} className="w-28 shrink-0 font-mono text-xs font-semibold text-brand-700 hover:underline">{r.control.id}</Link>
                            <Link href={qs({ control: r.control.key })} className="min-w-0 flex-1 text-sm text-slate-800 hover:underline">{r.control.title}</Link>
                            <div className="flex flex-wrap items-center gap-1.5">
                              {!modelFilter && r.perModel.length > 1 && r.perModel.length <= NAMED_MODELS ? r.perModel.map((p) => (
                                <span key={p.modelId ?? "team"} title={`${p.modelLabel}: ${STATUS_LABELS[p.status]}`} className="text-[11px] text-slate-600">{p.modelLabel}: <span className="font-medium">{STATUS_LABELS[p.status]}</span></span>
                              )) : null}
                              {!modelFilter && r.perModel.length > NAMED_MODELS ? (
                                <span className="text-[11px] text-slate-600">{r.perModel.length} models: {modelCounts(r.perModel)}</span>
                              ) : null}
                              <StatusBadge status={r.st} />
                            </div>
                          </li>
                        ))}
                      </ul>
                    </div>
                  ))}
                </div>
              </Card>
            );
          })}
        </div>
      )}
      {fw === "mitre-atlas" ? (
        <Card title="Threat tags (ATLAS techniques)" className="mt-5">
          <p className="mb-3 text-sm text-slate-600">Context for reports: which techniques Bulwark&apos;s evidence emulates (E1: gradient-based evasion; E15: poisoned training data and patch-trigger backdoors) or bears on (provenance and digests lower, but do not test, supply-chain risk). A threat tag is never &quot;satisfied&quot;; the mitigations above carry the status.</p>
          <ul className="divide-y divide-slate-100 text-sm">
            {framework.controls.filter((c) => c.kind === "threat").map((t) => {
              const kinds = [...new Set(a.crosswalk.filter((e) => e.control === t.key && e.mark === "threat").map((e) => e.evidence))];
              const mitigations = framework.controls.filter((m) => m.mitigates?.includes(t.id)).map((m) => m.id);
              return (
                <li key={t.key} className="flex flex-wrap items-baseline gap-3 py-2" data-threat={t.id}>
                  <span className="w-28 shrink-0 font-mono text-xs font-semibold text-slate-700">{t.id}</span>
                  <span className="min-w-0 flex-1"><span className="font-medium text-slate-800">{t.title}</span> <span className="text-slate-500">— {t.text}</span></span>
                  <span className="text-xs text-slate-500">{kinds.length ? `bears on it: ${kinds.map((k) => `${k} ${EVIDENCE_KIND_INFO[k].short.toLowerCase()}${EVIDENCE_KIND_INFO[k].available ? "" : " (not recorded yet)"}`).join("; ")}` : "no Bulwark evidence bears on it"}{mitigations.length ? ` · mitigations ${mitigations.join(", ")}` : ""}</span>
                </li>
              );
            })}
          </ul>
        </Card>
      ) : null}
      {selectedControl && catalog.byKey.get(selectedControl) ? (
        <ControlDrawer ctx={ctx} assessment={a} controlKey={selectedControl} closeHref={qs({ control: null })} focusModel={modelFilter || one(sp.model)} />
      ) : null}
    </>
  );
}
