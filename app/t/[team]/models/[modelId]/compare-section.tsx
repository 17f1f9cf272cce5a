import Link from "@/app/_components/link";
import type { TeamContext } from "@/lib/teams/access";
import { Badge, Card, Table, Td } from "@/app/_components/ui";
import { LineChartSvg, fmtEps, pct } from "@/app/_components/evaluation-ui";
import { compareVersions, comparisonChart } from "@/lib/evaluations/compare-versions";

const normLabel = (n: string) => (n === "linf" ? "L∞" : n.toUpperCase());
const num = (v: number, digits = 2) => v.toLocaleString("en", { maximumFractionDigits: digits });

/** On a model's page: "Compare versions" — accuracy, robustness and cost of each version on one shared basis. */
export async function CompareVersionsSection({ ctx, modelId, basis }: { ctx: TeamContext; modelId: string; basis?: string }) {
  const c = await compareVersions(ctx, modelId, basis);
  const evBase = `/t/${ctx.team.slug}/evaluations`;
  const chart = comparisonChart(c);
  const backends = [...new Set(c.rows.flatMap((r) => r.inference.map((i) => i.backend)))].sort();
  return (
    <section id="compare" aria-labelledby="compare-title" className="mt-6">
      <Card title={<span id="compare-title">Compare versions: accuracy, robustness and cost</span>}>
        {c.rows.length === 0 ? (
          <p className="text-sm text-slate-600">This model has no stored version.</p>
        ) : !c.basis ? (
          <p className="text-sm text-slate-600" data-testid="compare-empty">No version of this model has a completed evaluation yet: evaluate two or more versions (or an ensemble) on the same dataset and suite to compare them here.</p>
        ) : (
          <>
            <p className="mb-3 text-sm text-slate-600" data-testid="compare-basis">
              Compared on <span className="font-medium text-slate-800">{c.basis.label}</span>: only evaluations on these examples with the same attacks are set side by side ({c.basis.versions} of {c.rows.length} versions have one). Robust accuracy is the worst case over the suite&apos;s attacks at each budget; each figure names its evaluation.
            </p>
            {c.otherBases.length ? (
              <p className="mb-3 text-xs text-slate-500">
                Other bases:{" "}
                {c.otherBases.map((b, i) => (
                  <span key={b.key}>{i ? " · " : ""}<Link href={`?compare=${b.key}#compare`} className="text-brand-700 hover:underline">{b.label}</Link> ({b.versions} version{b.versions === 1 ? "" : "s"})</span>
                ))}
              </p>
            ) : null}
            <Table head={["Version", "Evaluation", "Clean", ...c.budgets.map((b) => `${normLabel(b.norm)} ε=${fmtEps(b.eps)}`), "ECE (clean)", "Corruptions", "Training", "Cost to train", ...backends.map((b) => `Inference (${b})`)]} caption="Versions compared">
              {c.rows.map((r) => (
                <tr key={r.versionId} data-testid={`compare-row-v${r.version}`}>
                  <Td>
                    <Link href={`?v=${r.version}`} className="font-medium text-brand-700 hover:underline">v{r.version}</Link>
                    {r.ensemble ? <> <Badge tone="blue">ensemble</Badge><div className="text-xs text-slate-500">{r.ensemble.members.join(" + ")}, {r.ensemble.combine}</div></> : null}
                    {r.archived ? <> <Badge>archived</Badge></> : null}
                  </Td>
                  <Td className="whitespace-nowrap text-xs">{r.evaluation ? <Link href={`${evBase}/${r.evaluation.number}`} className="text-brand-700 hover:underline">#{r.evaluation.number}</Link> : <span className="text-slate-500">{r.note}</span>}</Td>
                  <Td className="tabular-nums">{pct(r.cleanAccuracy)}</Td>
                  {r.robust.map((v, i) => <Td key={i} className="tabular-nums">{pct(v)}</Td>)}
                  <Td className="tabular-nums"><span data-testid="compare-ece">{r.ece === null ? <span className="text-xs text-slate-500">{r.evaluation ? "not measured" : "—"}</span> : r.ece.toFixed(3)}</span></Td>
                  <Td className="tabular-nums"><span data-testid="compare-corruptions">{r.corruptionAccuracy === null || !r.corruptionEvaluation ? <span className="text-xs text-slate-500">not measured</span> : <>{pct(r.corruptionAccuracy)} <Link href={`${evBase}/${r.corruptionEvaluation.number}`} className="text-xs text-brand-700 hover:underline">#{r.corruptionEvaluation.number}</Link></>}</span></Td>
                  <Td className="text-xs">{r.trainingMethod}</Td>
                  <Td className="text-xs">{r.trainingCostText ?? <span className="text-slate-500">Not recorded</span>}</Td>
                  {backends.map((b) => {
                    const i = r.inference.find((x) => x.backend === b);
                    return <Td key={b} className="whitespace-nowrap text-xs tabular-nums">{i ? `${num(i.latencyMs)} ms · ${Math.round(i.throughputPerSecond).toLocaleString("en")}/s` : "—"}</Td>;
                  })}
                </tr>
              ))}
            </Table>
            <p className="mt-2 text-xs text-slate-500" data-testid="compare-beyond-note">ECE: expected calibration error of the clean predictions in the basis evaluation (15 equal-width bins; lower is better). Corruptions: mean accuracy over the common corruptions and severities, {c.corruptionBasis ? <>measured on {c.corruptionBasis.label} with the same corruption settings ({c.corruptionBasis.versions} of {c.rows.length} versions have one; the figure links its evaluation)</> : <>not measured for any version yet (tick &quot;common corruptions&quot; on a new evaluation)</>}. A version hardened by Bulwark is evaluated with its parent&apos;s latest suite and, if that did not run them, its latest corruption suite.</p>
            <p className="mt-2 text-xs text-slate-500">Inference: latency of one input and throughput at the engine&apos;s batch size, measured by the worker that ran the evaluation, per backend (machine load affects it; compare versions measured on the same backend). The cost to train is what each model card records; an ensemble&apos;s is the sum of its members&apos;.</p>
            {chart ? <div className="mt-4 max-w-3xl"><LineChartSvg model={chart.model} title={`Accuracy against the ${normLabel(chart.norm)} budget per version (ε = 0: clean; dashed: ensembles)`} /></div> : null}
          </>
        )}
      </Card>
    </section>
  );
}
