import type { Metadata } from "next";
import { describeThreatModel, threatModelOf } from "@/lib/evaluations/threat-model";
import Link from "@/app/_components/link";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { Badge, Card, Table, Td, formatDateTime, buttonClass } from "@/app/_components/ui";
import { Delta, LineChartSvg, StatCard, VerdictBadge, fmtEps, pct } from "@/app/_components/evaluation-ui";
import { Digest } from "@/app/_components/registry-ui";
import { can } from "@/lib/auth/permissions";
import { evaluationProgress, getEvaluation } from "@/lib/evaluations/manage";
import type { EngineMetrics } from "@/lib/engine/aggregate";
import type { ReliabilityReport } from "@/lib/engine/reliability";
import { cleanAccuracyWarning } from "@/lib/engine/clean-accuracy";
import { VERDICT_MEANING } from "@/lib/engine/verdict-words";
import type { AttackSuite } from "@/lib/engine/suite";
import type { Comparison } from "@/lib/evaluations/regression";
import type { StoredGalleryItem } from "@/lib/evaluations/shard-io";
import { lineChart } from "@/lib/charts/line";
import { samplePng } from "@/lib/registry/preview";
import { AcknowledgeForm } from "./controls";
import { EvaluatedModelLink, EvaluationHeader, isActive } from "./header";
import { BeyondSection } from "./beyond-section";
import { duration, ProgressCard } from "./progress-card";
import { KindEvaluationView } from "./kind-view";
import type { BeyondMetrics } from "@/lib/engine/beyond";
import type { CorruptionGallery } from "@/lib/engine/shard";

export async function generateMetadata({ params }: { params: Promise<{ number: string }> }): Promise<Metadata> {
  return { title: `Evaluation #${(await params).number}` };
}

function png(values: number[], shape: number[], range: { min: number; max: number }) {
  return `data:image/png;base64,${samplePng(Float32Array.from(values), 0, shape, range, 112).toString("base64")}`;
}

/** "tensorflow: 1.9 ms per input, 7,200 inputs/s at batch 64" per backend that ran shards (older evaluations: not measured). */
function inferenceText(provenance: Record<string, unknown> | null): string {
  const costs = (provenance?.inference as { backend: string; latencyMs: number; throughputPerSecond: number; batchSize: number }[] | undefined) ?? [];
  if (costs.length === 0) return "not measured";
  return costs.map((c) => `${c.backend}: ${c.latencyMs.toFixed(1)} ms per input, ${Math.round(c.throughputPerSecond).toLocaleString("en")} inputs/s at batch ${c.batchSize}`).join("; ");
}


export default async function EvaluationPage({ params, searchParams }: { params: Promise<{ team: string; number: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await teamPage(params);
  const number = Number((await params).number);
  const [data, progress] = await orNotFound(Promise.all([getEvaluation(ctx, number), evaluationProgress(ctx, number)]));
  const { ev, mv, dv, model, alerts, previous } = data;
  const base = `/t/${ctx.team.slug}`;
  // Each evaluation kind has its own results (lib/evaluations/kinds.ts); robustness is the page below.
  if (ev.kind !== "robustness") {
    const sp = (await searchParams).suspects;
    return <KindEvaluationView ctx={ctx} data={data} progress={progress} suspectsPage={Number(typeof sp === "string" ? sp : 1) || 1} />;
  }
  const active = isActive(ev);
  const suite = ev.suite as unknown as AttackSuite;
  const metrics = ev.metrics as unknown as EngineMetrics | null;
  const reliability = ev.reliability as unknown as ReliabilityReport | null;
  const comparison = ev.comparison as unknown as Comparison | null;
  const gallery = (ev.gallery as unknown as StoredGalleryItem[] | null) ?? [];
  const card = mv?.card as { classLabels: string[]; inputRange: { min: number; max: number } } | undefined;
  const labels = card?.classLabels ?? [];
  const range = card?.inputRange ?? { min: 0, max: 1 };
  const provenance = ev.provenance as Record<string, unknown> | null;
  // A model that does not classify its clean inputs: the attack figures below are not a robustness result.
  const mismatch = cleanAccuracyWarning(reliability);

  return (
    <>
      <EvaluationHeader
        ctx={ctx}
        ev={ev}
        subject={
          <>
            <EvaluatedModelLink base={base} model={model} version={mv?.version} missing="deleted model" /> on{" "}
            {dv ? <Link className="font-medium text-brand-700 hover:underline" href={`${base}/datasets/${dv.datasetId}`}>{dv.dataset.name} v{dv.version}</Link> : "deleted dataset"} · <span className="capitalize">{ev.preset}</span> suite · {ev.sampleCount.toLocaleString("en")} samples
          </>
        }
      />

      {active || ev.status !== "COMPLETED" ? <ProgressCard number={ev.number} status={ev.status} progress={progress} /> : null}

      {metrics && reliability ? (
        <>
          {alerts.map((a) => (
            <div key={a.id} className="mb-4 rounded-xl border border-rose-200 bg-rose-50 p-4 text-sm text-rose-900" role="alert">
              <p className="font-semibold">Silent regression detected</p>
              <p className="mt-1">{a.summary}</p>
              {a.acknowledgedAt ? (
                <p className="mt-2 text-xs text-rose-800">Acknowledged by {a.acknowledgedByLabel} on {formatDateTime(a.acknowledgedAt)}: “{a.acknowledgementNote}”</p>
              ) : can(ctx.role, "alert.acknowledge") ? (
                <AcknowledgeForm team={ctx.team.slug} alertId={a.id} />
              ) : (
                <p className="mt-2 text-xs">Waiting for a compliance reviewer to acknowledge it.</p>
              )}
            </div>
          ))}
          {mismatch ? (
            <div className={`mb-4 rounded-xl border p-4 text-sm ${mismatch.status === "fail" ? "border-rose-200 bg-rose-50 text-rose-900" : "border-amber-200 bg-amber-50 text-amber-900"}`} role="alert" data-testid="clean-accuracy-warning">
              <p className="font-semibold">{mismatch.headline}</p>
              <p className="mt-1">{mismatch.explanation}</p>
            </div>
          ) : null}
          <div className="mb-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <StatCard label="Clean accuracy" value={pct(metrics.cleanAccuracy)} sub={`${metrics.cleanCorrect} of ${metrics.samples} samples`} testId="clean-accuracy" />
            {metrics.worstCase.map((w) => (
              <StatCard key={`${w.norm}${w.eps}`} label={`Worst-case robust, ${w.norm === "linf" ? "L∞" : "L2"} ε=${fmtEps(w.eps)}`} value={pct(w.robustAccuracy)} sub={mismatch?.status === "fail" ? "not a robustness result: see the warning above" : "robust only if no attack broke it"} />
            ))}
          </div>
          <div className="mb-6 grid gap-6 lg:grid-cols-5">
            <Card title="Accuracy under attack" className="lg:col-span-3">
              {(["linf", "l2"] as const).filter((n) => metrics.curves.some((c) => c.norm === n)).map((norm) => (
                <LineChartSvg
                  key={norm}
                  title={`Accuracy versus ${norm === "linf" ? "L∞" : "L2"} budget`}
                  model={lineChart({
                    series: metrics.curves.filter((c) => c.norm === norm).map((c) => ({ name: c.attack === "worst-case" ? "worst case" : c.attack, points: c.points.map((p) => ({ x: p.eps, y: p.robustAccuracy })), dashed: c.attack.startsWith("noise") })),
                    xLabel: `${norm === "linf" ? "L∞" : "L2"} budget ε`,
                    yLabel: "accuracy",
                    formatX: fmtEps,
                  })}
                />
              ))}
            </Card>
            <Card title="Checks of this evaluation" className="lg:col-span-2" actions={<VerdictBadge verdict={reliability.verdict} />}>
              <p className="mb-3 text-xs text-slate-500">{VERDICT_MEANING}</p>
              <ul className="space-y-3 text-sm">
                {reliability.checks.map((c) => (
                  <li key={c.id} className="flex items-start gap-2">
                    <span className="mt-0.5 shrink-0"><Badge tone={c.status === "pass" ? "green" : c.status === "warn" ? "amber" : "red"}>{c.status}</Badge></span>
                    <span><span className="font-medium text-slate-900">{c.title}.</span> <span className="text-slate-600">{c.explanation}</span></span>
                  </li>
                ))}
              </ul>
              {metrics.replay ? (
                <div className="mt-4 border-t border-slate-100 pt-3 text-sm text-slate-600" data-testid="replay-summary">
                  <p>
                    <span className="font-medium text-slate-900">Breaks re-verified:</span> {metrics.replay.replayed} replayed on the reference
                    (white-box: the tfjs cpu backend; black-box: the endpoint), <span className={metrics.replay.notReproduced.length ? "font-medium text-red-700" : ""}>{metrics.replay.notReproduced.length} did not reproduce</span> (expected 0
                    {metrics.replay.notReproduced.length ? `; not counted: ${metrics.replay.notReproduced.map((b) => `example ${b.index} (${b.attack}, ε ${b.eps})`).join(", ")}` : ""}).
                  </p>
                  <details className="mt-1">
                    <summary className="cursor-pointer">{metrics.replay.survivors.length} examples survived every attack</summary>
                    <p className="mt-1 break-words font-mono text-xs">{metrics.replay.survivors.join(", ") || "none"}</p>
                  </details>
                </div>
              ) : null}
            </Card>
          </div>
          <Card title="Attacks × budgets" className="mb-6">
            <Table head={["Attack", "Norm", "ε", "Robust accuracy", "Success rate", "Median perturbation", "Mean queries", ...(comparison ? ["vs previous"] : [])]} caption="Robust accuracy per attack and budget">
              {metrics.attacks.map((a) => {
                const d = comparison?.attacks.find((x) => x.key === `attack:${a.attack}:${a.eps}`);
                return (
                  <tr key={`${a.attack}${a.eps}`}>
                    <Td className="font-medium text-slate-900">{a.attack}<span className="block text-xs font-normal text-slate-500">{a.family}</span></Td>
                    <Td>{a.norm === "linf" ? "L∞" : "L2"}</Td>
                    <Td className="tabular-nums">{fmtEps(a.eps)}</Td>
                    <Td className="tabular-nums font-medium">{pct(a.robustAccuracy)}</Td>
                    <Td className="tabular-nums">{pct(a.successRate)}</Td>
                    <Td className="tabular-nums">{a.medianPerturbation === null ? "—" : a.medianPerturbation.toFixed(4)}</Td>
                    <Td className="tabular-nums">{a.meanQueries ? Math.round(a.meanQueries) : "—"}</Td>
                    {comparison ? <Td>{d ? <Delta value={d.delta} /> : "—"}</Td> : null}
                  </tr>
                );
              })}
            </Table>
          </Card>
          {comparison ? (
            <Card title={<>Compared with <Link className="text-brand-700 hover:underline" href={`${base}/evaluations/${previous?.number}`}>evaluation #{previous?.number}</Link>{comparison.lineageParentVersion !== undefined ? <> of v{comparison.lineageParentVersion}, the version this one was hardened from</> : null}</>} className="mb-6">
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4 text-sm">
                {[comparison.clean, ...comparison.worstCase].map((d) => (
                  <div key={d.key} className="rounded-lg border border-slate-200 p-3">
                    <p className="text-xs text-slate-500">{d.label}</p>
                    <p className="mt-1 tabular-nums">{pct(d.before)} → <strong>{pct(d.after)}</strong> <Delta value={d.delta} /></p>
                  </div>
                ))}
              </div>
              <p className="mt-3 text-xs text-slate-500">A robust-accuracy drop of more than {comparison.tolerancePp} points raises a regression alert.</p>
            </Card>
          ) : null}
          <div className="mb-6 grid gap-6 lg:grid-cols-2">
            <Card title="Per class">
              <Table head={["Class", "Samples", "Clean", ...metrics.worstCase.map((w) => `Robust ε=${fmtEps(w.eps)}`)]} caption="Per-class accuracy">
                {metrics.perClass.map((c) => (
                  <tr key={c.classIndex}>
                    <Td className="font-medium">{c.label}</Td>
                    <Td className="tabular-nums">{c.count}</Td>
                    <Td className="tabular-nums">{pct(c.cleanAccuracy)}</Td>
                    {metrics.worstCase.map((w) => <Td key={w.eps} className="tabular-nums">{pct(c.robustAccuracy[`${w.norm}:${w.eps}`])}</Td>)}
                  </tr>
                ))}
              </Table>
            </Card>
            <Card title="Where it breaks: adversarial examples">
              {gallery.length === 0 ? (
                <p className="text-sm text-slate-600">No attack changed a correct prediction: there is nothing to show.</p>
              ) : (
                <ul className="grid grid-cols-2 gap-4 sm:grid-cols-3" data-testid="gallery">
                  {gallery.slice(0, 6).map((g) => {
                    const magnified = g.adversarial.map((v, i) => range.min + (range.max - range.min) * (0.5 + (v - g.original[i]!) / (2 * g.eps)));
                    return (
                      <li key={`${g.index}`} className="rounded-lg border border-slate-200 p-2 text-xs">
                        <div className="grid grid-cols-3 gap-1">
                          <img src={png(g.original, g.shape, range)} alt={`Original sample ${g.index}`} className="w-full [image-rendering:pixelated]" />
                          <img src={png(magnified, g.shape, range)} alt="Perturbation, magnified" className="w-full [image-rendering:pixelated]" />
                          <img src={png(g.adversarial, g.shape, range)} alt={`Adversarial sample ${g.index}`} className="w-full [image-rendering:pixelated]" />
                        </div>
                        <p className="mt-1.5 text-slate-700">
                          <strong>{labels[g.label] ?? g.label}</strong> ({pct(g.cleanConf, 0)}) → <strong className="text-rose-700">{labels[g.advPred] ?? g.advPred}</strong> ({pct(g.advConf, 0)})
                        </p>
                        <p className="text-slate-500">{g.attack}, ε={fmtEps(g.eps)}</p>
                      </li>
                    );
                  })}
                </ul>
              )}
              <p className="mt-3 text-xs text-slate-500">Each example: original, perturbation (magnified to the full range), adversarial input.</p>
            </Card>
          </div>
          <BeyondSection metrics={metrics as Partial<BeyondMetrics>} gallery={ev.corruptionGallery as unknown as CorruptionGallery | null} range={range} labels={labels} />
        </>
      ) : null}

      <Card title="Provenance" actions={ev.status === "COMPLETED" ? <span className="flex gap-2"><a className={buttonClass.secondary} href={`${base}/evaluations/${ev.number}/results.json`}>Download JSON</a><a className={buttonClass.secondary} href={`${base}/evaluations/${ev.number}/results.csv`}>Download CSV</a></span> : null}>
        <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
          <div><dt className="text-xs text-slate-500">Model version digest</dt><dd>{mv ? <Digest value={mv.manifestDigest} /> : "—"}</dd></div>
          <div><dt className="text-xs text-slate-500">Dataset tensor digest</dt><dd>{dv ? <Digest value={dv.tensorDigest} /> : "—"}</dd></div>
          <div><dt className="text-xs text-slate-500">Engine</dt><dd>{provenance ? ((provenance.backends as string[]) ?? []).join(", ") || "—" : "—"}</dd></div>
          <div><dt className="text-xs text-slate-500">Workers</dt><dd className="break-all">{provenance ? ((provenance.workers as string[]) ?? []).join(", ") : "—"}</dd></div>
          <div><dt className="text-xs text-slate-500">Duration</dt><dd>{ev.startedAt && ev.finishedAt ? duration(ev.finishedAt.getTime() - ev.startedAt.getTime()) : "—"}</dd></div>
          <div><dt className="text-xs text-slate-500">Seed · samples · shards</dt><dd>{ev.seed} · {ev.sampleCount} · {ev.shardCount} of up to {ev.shardSize}</dd></div>
          <div><dt className="text-xs text-slate-500">Inference cost (measured by the engine)</dt><dd data-testid="inference-cost">{inferenceText(provenance)}</dd></div>
          <div className="sm:col-span-2"><dt className="text-xs text-slate-500">Threat model</dt><dd data-testid="threat-model">{describeThreatModel(threatModelOf(provenance))}</dd></div>
        </dl>
        <details className="mt-4">
          <summary className="cursor-pointer text-sm font-medium text-brand-700">Attack suite (JSON)</summary>
          <pre className="mt-2 max-h-80 overflow-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100">{JSON.stringify(suite, null, 2)}</pre>
        </details>
      </Card>
    </>
  );
}
