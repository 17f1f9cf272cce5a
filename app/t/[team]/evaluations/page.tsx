import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { FilterSelect } from "@/app/_components/filter-select";
import { teamPage } from "@/app/_lib/team";
import { firstValues, type SearchParams } from "@/app/_lib/search-params";
import { buttonClass, ButtonLink, EmptyState, inputClass, PageHeader, statusLabel, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { EVALUATION_STATUS_TONE, EvaluationStatusBadge, ProgressBar, SectionTabs, VerdictBadge, pct } from "@/app/_components/evaluation-ui";

import { can } from "@/lib/auth/permissions";
import { teamModelNames } from "@/lib/evaluations/page-data";
import { listEvaluations } from "@/lib/evaluations/manage";
import { EvaluationListFilterSchema } from "@/lib/evaluations/schemas";
import { EVALUATION_KINDS, KINDS, kindLabel } from "@/lib/evaluations/kinds";

export const metadata: Metadata = { title: "Evaluations" };

export default async function EvaluationsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: SearchParams }) {
  const ctx = await teamPage(params);
  const raw = await firstValues(searchParams);
  const filter = EvaluationListFilterSchema.parse(raw);
  const [result, models] = await Promise.all([
    listEvaluations(ctx, filter),
    teamModelNames(ctx, { includeArchived: true }),
  ]);
  const base = `/t/${ctx.team.slug}/evaluations`;
  const active = result.rows.some((r) => ["QUEUED", "RUNNING", "AGGREGATING"].includes(r.status));
  const filtered = Boolean(filter.model || filter.status || filter.from || filter.to || filter.kind);
  const qs = (page: number) => `?${new URLSearchParams(Object.entries({ ...filter, page: String(page) }).filter(([, v]) => v) as [string, string][]).toString()}`;
  return (
    <>
      <AutoRefresh active={active} ms={2000} />
      <PageHeader
        title="Evaluations"
        description="Robustness (attack suites), privacy (membership inference) and training-data integrity evaluations of model versions, run in shards on background workers."
        actions={can(ctx.role, "evaluation.run") ? <ButtonLink href={`${base}/new`}>New evaluation</ButtonLink> : null}
      />
      <SectionTabs label="Evaluations" current="runs" items={[{ key: "runs", label: "Runs", href: base }, { key: "schedules", label: "Schedules", href: `${base}/schedules` }]} />
      <form method="get" className="mb-5 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-6" aria-label="Filter evaluations">
        <FilterSelect id="f-kind" name="kind" label="Kind" value={filter.kind} all="All kinds" options={EVALUATION_KINDS.map((k) => [k, KINDS[k].label])} />
        <FilterSelect id="f-model" name="model" label="Model" value={filter.model} all="All models" options={models.map((m) => [m.id, m.name])} />
        <FilterSelect id="f-status" name="status" label="Status" value={filter.status} all="Any status" options={Object.keys(EVALUATION_STATUS_TONE).map((s) => [s, statusLabel(s)])} />
        <div>
          <label htmlFor="f-from" className="mb-1 block text-xs font-medium text-slate-600">From</label>
          <input id="f-from" name="from" type="date" defaultValue={filter.from ?? ""} className={inputClass} />
        </div>
        <div>
          <label htmlFor="f-to" className="mb-1 block text-xs font-medium text-slate-600">To</label>
          <input id="f-to" name="to" type="date" defaultValue={filter.to ?? ""} className={inputClass} />
        </div>
        <div className="flex items-end gap-2">
          <button type="submit" className={buttonClass.primary}>Filter</button>
          <Link href={base} className={buttonClass.ghost}>Clear</Link>
        </div>
      </form>
      {result.rows.length === 0 ? (
        <EmptyState icon={icons.evaluations("h-10 w-10")} title={filtered ? "No evaluations match" : "No evaluations yet"} action={!filtered && can(ctx.role, "evaluation.run") ? <ButtonLink href={`${base}/new`}>New evaluation</ButtonLink> : undefined}>
          {filtered ? "Change or clear the filters." : "Launch an evaluation of a registered model on a registered dataset: FGSM and PGD for a quick look, or the AutoAttack-style standard suite."}
        </EmptyState>
      ) : (
        <>
          <Table head={["#", "Model", "Kind / suite", "Status", "Clean", "Headline", "Evaluation checks", "Started by"]} caption="Evaluations">
            {result.rows.map((r) => (
              <tr key={r.id} className="hover:bg-slate-50">
                <Td><Link href={`${base}/${r.number}`} className="font-medium text-brand-700 hover:underline">#{r.number}</Link></Td>
                <Td className="font-medium text-slate-900">{r.modelName}{r.modelVersion ? ` v${r.modelVersion}` : ""}</Td>
                <Td>
                  {r.kind === "robustness" ? <span className="capitalize">{r.preset}</span> : <span>{kindLabel(r.kind)}</span>}
                  <span className="block text-xs text-slate-500">{r.kind === "robustness" ? "robustness · " : ""}{r.sampleCount.toLocaleString("en")} samples</span>
                </Td>
                <Td>
                  <EvaluationStatusBadge status={r.status} />
                  {["QUEUED", "RUNNING", "AGGREGATING"].includes(r.status) ? (
                    <div className="mt-1.5 w-32"><ProgressBar fraction={r.shardsDone / Math.max(1, r.shardCount)} label={`Evaluation #${r.number} progress`} /><span className="text-xs text-slate-500">{r.shardsDone}/{r.shardCount} shards</span></div>
                  ) : r.status === "FAILED" ? <span className="mt-1 block max-w-56 truncate text-xs text-rose-700" title={r.failureReason ?? ""}>{r.failureReason}</span> : null}
                </Td>
                <Td className="tabular-nums">{pct(r.cleanAccuracy)}</Td>
                <Td className="tabular-nums">
                  {r.kind === "robustness" ? <>{pct(r.headlineRobust)}<span className="block text-xs text-slate-500">robust, smallest ε</span></> : <KindHeadline kind={r.kind} headline={r.headline} />}
                </Td>
                <Td><VerdictBadge verdict={r.verdict} /></Td>
                <Td className="text-xs text-slate-500">{r.createdByLabel}<span className="block">{formatDateTime(r.createdAt)}</span></Td>
              </tr>
            ))}
          </Table>
          <div className="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>{result.total} evaluations · page {result.page} of {result.pages}</span>
            <span className="flex gap-2">
              {result.page > 1 ? <Link className={buttonClass.secondary} href={qs(result.page - 1)}>Newer</Link> : null}
              {result.page < result.pages ? <Link className={buttonClass.secondary} href={qs(result.page + 1)}>Older</Link> : null}
            </span>
          </div>
        </>
      )}
    </>
  );
}

/** The headline of a non-robustness row: privacy shows the strongest attack's AUC. */
function KindHeadline({ kind, headline }: { kind: string; headline: Record<string, unknown> | null }) {
  if (!headline) return <span className="text-slate-500">—</span>;
  if (kind === "integrity" && Array.isArray(headline.liveBackdoors)) {
    const live = headline.liveBackdoors as string[];
    const share = typeof headline.suspectedMislabelShare === "number" ? `${(headline.suspectedMislabelShare * 100).toFixed(1)}% likely mislabelled` : "mislabels not scanned";
    return <>{live.length ? <span className="text-rose-700">backdoor → {live.map((l) => `“${l}”`).join(", ")}</span> : "no live backdoor"}<span className="block text-xs text-slate-500">{share}</span></>;
  }
  if (kind === "privacy" && typeof headline.auc === "number") {
    return <>AUC {headline.auc.toFixed(3)}<span className="block text-xs text-slate-500">membership inference</span></>;
  }
  return <span className="text-slate-500">—</span>;
}
