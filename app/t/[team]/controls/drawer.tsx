import type { TeamContext } from "@/lib/teams/access";
import { can } from "@/lib/auth/permissions";
import { listAttestations } from "@/lib/compliance/attestations";
import { frameworkOf } from "@/lib/compliance/catalog";
import { EVIDENCE_KIND_INFO } from "@/lib/compliance/crosswalk";
import type { Outcome } from "@/lib/compliance/engine-types";
import { bySeverity, rollup } from "@/lib/compliance/rollups";
import type { TeamAssessment } from "@/lib/compliance/posture";
import { Badge, type Tone } from "@/app/_components/ui";
import { EvidenceLinkView, StatusBadge } from "@/app/_components/compliance-ui";
import { DrawerShell } from "@/app/_components/drawer-shell";
import Link from "@/app/_components/link";
import { AttestForm, RevokeForm } from "./forms";

const OUTCOME: Record<Outcome, { label: string; tone: Tone }> = {
  pass: { label: "passes", tone: "green" }, partial: { label: "partial", tone: "amber" }, fail: { label: "fails", tone: "red" },
  stale: { label: "stale", tone: "indigo" }, missing: { label: "no evidence", tone: "gray" },
};

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The side panel of one control: statement, status per model with reasons and evidence, mappings, attestations. */
export async function ControlDrawer({ ctx, assessment: a, controlKey, closeHref, focusModel }: { ctx: TeamContext; assessment: TeamAssessment; controlKey: string; closeHref: string; focusModel?: string }) {
  const catalog = a.catalog;
  const control = catalog.byKey.get(controlKey)!;
  const fw = frameworkOf(catalog, control.framework);
  // The model asked about first, then the most severe: failing before stale, partial, not assessed, satisfied.
  const perModel = a.statuses.filter((s) => s.control === controlKey).sort((x, y) => (x.modelId === focusModel ? -1 : y.modelId === focusModel ? 1 : bySeverity(x, y)));
  const mappings = a.crosswalk.filter((e) => e.control === controlKey);
  const attestations = await listAttestations(ctx, { control: controlKey });
  const models = a.evidence.models.map((m) => ({ id: m.modelId, label: `${m.name} v${m.version}` }));
  const modelName = new Map(models.map((m) => [m.id, m.label]));
  const canAttest = can(ctx.role, "attestation.write") && control.kind === "control";
  const team = ctx.team.slug;
  const threats = control.mitigates?.map((id) => catalog.byKey.get(`mitre-atlas:${id}`)).filter(Boolean) ?? [];
  const now = a.computedAt;

  return (
    <DrawerShell closeHref={closeHref} labelledBy="drawer-title" returnFocus={`[data-control="${control.key}"] a`} testId="control-drawer">
        <header className="sticky top-0 z-10 flex items-start justify-between gap-3 border-b border-slate-200 bg-white px-4 py-4 sm:px-6">
          <div className="min-w-0">
            <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{fw.shortName} · {control.group}</p>
            <h2 id="drawer-title" className="mt-0.5 text-lg font-semibold text-slate-900">{control.id} — {control.title}</h2>
          </div>
          <div className="flex items-center gap-3">
            <StatusBadge status={rollup(perModel.map((p) => p.status))} />
            <Link href={closeHref} scroll={false} className="rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100" aria-label="Close">✕</Link>
          </div>
        </header>
        <div className="space-y-6 px-4 py-5 sm:px-6">
          <section>
            <blockquote className="border-l-4 border-slate-200 pl-3 text-sm text-slate-700">{control.text || "See the standard for this control's wording."}</blockquote>
            <p className="mt-1 text-xs text-slate-500">{control.textIsVerbatim ? `Statement from ${fw.name} ${fw.version} (public domain).` : "Summary in Bulwark's words; the standard's text is authoritative."} Catalog {catalog.version}.</p>
            {threats.length ? <p className="mt-2 text-xs text-slate-600">Addresses threats: {threats.map((t) => `${t!.id} ${t!.title}`).join(", ")}.</p> : null}
          </section>

          {canAttest ? (
            <section aria-labelledby="attest-title" className="rounded-lg border border-slate-200 bg-slate-50 p-4">
              <h3 id="attest-title" className="mb-2 text-sm font-semibold text-slate-800">Attest this control</h3>
              {a.policy.segregationOfDuties ? <p className="mb-2 text-xs text-slate-600">Segregation of duties is on: you cannot attest for a model you own, and a team-wide attestation by a model&apos;s owner does not count for that model.</p> : null}
              <AttestForm team={team} control={control.key} controlId={control.id} models={models} defaultModel={focusModel || undefined} maxDays={a.policy.maxAttestationDays} />
            </section>
          ) : control.kind === "control" ? (
            <p className="text-xs text-slate-600">Only compliance reviewers and admins can attest controls.</p>
          ) : null}

          <section aria-labelledby="per-model">
            <h3 id="per-model" className="mb-2 text-sm font-semibold text-slate-800">Status and evidence</h3>
            <div className="space-y-4">
              {perModel.map((s, i) => (
                // Collapsed but for the first (the model asked about, or the most severe): the reason stays visible.
                <details key={s.modelId ?? "team"} open={i === 0} className="group rounded-lg border border-slate-200" data-model={s.modelLabel}>
                  <summary className="cursor-pointer list-none rounded-lg p-4 hover:bg-slate-50">
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <h4 className="text-sm font-semibold text-slate-900"><span aria-hidden className="mr-1.5 inline-block text-slate-500 transition-transform group-open:rotate-90">▸</span>{s.modelLabel}</h4>
                      <StatusBadge status={s.status} />
                    </div>
                    <p className="mt-2 text-sm text-slate-800 group-[:not([open])]:line-clamp-2" data-testid="status-reason">{s.reason}</p>
                  </summary>
                  <div className="px-4 pb-4">
                  {s.next && s.status !== "satisfied" ? <p className="text-xs text-slate-600"><span className="font-semibold">Next:</span> {s.next}</p> : null}
                  {s.findings.length ? (
                    <ul className="mt-3 space-y-2 border-t border-slate-100 pt-3">
                      {s.findings.map((f, i) => (
                        <li key={i} className="text-xs text-slate-700">
                          <div className="flex flex-wrap items-center gap-1.5">
                            <Badge tone={OUTCOME[f.outcome].tone}>{OUTCOME[f.outcome].label}</Badge>
                            <span className="font-semibold">{f.evidence} {EVIDENCE_KIND_INFO[f.evidence].short}</span>
                            <span className="text-slate-500">({f.mark}{f.scope ? `: ${f.scope}` : ""})</span>
                          </div>
                          <p className="mt-0.5">{f.reason}</p>
                          {f.links.length ? (
                            <ul className="mt-1 space-y-0.5">
                              {f.links.map((l, j) => <li key={j}><EvidenceLinkView team={team} link={l} /></li>)}
                            </ul>
                          ) : null}
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  <p className="mt-2 text-[11px] text-slate-600">Computed {s.computedAt.toISOString().slice(0, 16).replace("T", " ")} UTC · catalog {s.catalogVersion} · {s.policyVersion ? `policy v${s.policyVersion}` : "default policy"}{s.attestation.needed ? " · needs a reviewer's attestation" : ""}</p>
                  </div>
                </details>
              ))}
            </div>
          </section>

          <section aria-labelledby="attestations">
            <h3 id="attestations" className="mb-2 text-sm font-semibold text-slate-800">Attestations</h3>
            {attestations.length === 0 ? <p className="text-sm text-slate-500">None yet.</p> : (
              <ul className="space-y-3">
                {attestations.map((at) => {
                  const state = at.revokedAt ? "revoked" : at.expiresAt <= now ? "expired" : "valid";
                  return (
                    <li key={at.id} className="rounded-lg border border-slate-200 p-3 text-sm" data-attestation={state}>
                      <div className="flex flex-wrap items-center gap-2">
                        <Badge tone={state === "valid" ? "green" : state === "expired" ? "indigo" : "gray"}>{state === "valid" ? `Valid until ${day(at.expiresAt)}` : state === "expired" ? `Expired ${day(at.expiresAt)}` : `Revoked ${day(at.revokedAt!)}`}</Badge>
                        <span className="text-xs text-slate-500">{at.modelId ? modelName.get(at.modelId) ?? "a model" : "Team-wide"} · by {at.attestedByLabel} on {day(at.attestedAt)}</span>
                      </div>
                      <p className="mt-1.5 whitespace-pre-line text-slate-800">{at.statement}</p>
                      {at.evidenceUrl ? <p className="mt-1 text-xs"><a className="break-all text-brand-700 hover:underline" href={at.evidenceUrl} rel="noreferrer noopener" target="_blank">{at.evidenceUrl}</a>{at.batchId ? <span className="text-slate-600"> · attested with other controls in one batch</span> : null}</p> : at.batchId ? <p className="mt-1 text-xs text-slate-600">Attested with other controls in one batch.</p> : null}
                      {at.files.length ? (
                        <ul className="mt-1.5 space-y-0.5 text-xs">
                          {at.files.map((f) => (
                            <li key={f.id}><a className="text-brand-700 hover:underline" href={`/t/${team}/controls/files/${f.id}`}>{f.name}</a> <span className="text-slate-500">({f.size.toLocaleString("en")} bytes, sha256 <code className="break-all">{f.sha256}</code>)</span></li>
                          ))}
                        </ul>
                      ) : null}
                      {at.revokedAt ? <p className="mt-1 text-xs text-slate-600">Revoked by {at.revokedByLabel}: {at.revokeReason}</p> : null}
                      {canAttest && state === "valid" ? <RevokeForm team={team} attestationId={at.id} /> : null}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>

          <section aria-labelledby="mappings">
            <h3 id="mappings" className="mb-2 text-sm font-semibold text-slate-800">Evidence mapped to this control</h3>
            {mappings.length === 0 ? <p className="text-sm text-slate-500">No Bulwark evidence maps to this control; only an attestation can show it.</p> : (
              <ul className="space-y-1.5 text-xs text-slate-700">
                {mappings.map((m) => (
                  <li key={`${m.evidence}-${m.mark}`}>
                    <span className="font-semibold">{m.evidence} {EVIDENCE_KIND_INFO[m.evidence].short}</span> — {m.mark}{m.scope ? ` (${m.scope})` : ""}{m.origin === "team" ? " · changed by the team" : ""}{!EVIDENCE_KIND_INFO[m.evidence].available ? " · not recorded by Bulwark yet" : ""}
                    {m.basis ? <span className="block text-slate-500">{m.basis}</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
    </DrawerShell>
  );
}
