import type { EngineMetrics } from "../engine/aggregate";
import type { ReliabilityReport } from "../engine/reliability";
import type { TeamContext } from "../teams/access";
import { evaluationProgress, getEvaluation } from "./manage";
import { threatModelOf } from "./threat-model";

/** The JSON an API client sees for one evaluation (status, progress, headline results). */
export async function evaluationForApi(ctx: TeamContext, number: number) {
  const [{ ev, mv, dv, model, alerts }, progress] = await Promise.all([getEvaluation(ctx, number), evaluationProgress(ctx, number)]);
  const metrics = ev.metrics as unknown as EngineMetrics | null;
  const reliability = ev.reliability as unknown as ReliabilityReport | null;
  return {
    id: ev.id,
    number: ev.number,
    kind: ev.kind,
    status: ev.status.toLowerCase(),
    model: { id: model?.id, name: model?.name, version: mv?.version, digest: mv?.manifestDigest },
    dataset: { id: dv?.datasetId, name: dv?.dataset.name, version: dv?.version, digest: dv?.tensorDigest },
    preset: ev.preset,
    samples: ev.sampleCount,
    seed: ev.seed,
    progress: { fraction: progress.fraction, shardsDone: progress.shardsDone, shardCount: progress.shardCount, etaSeconds: progress.etaSeconds },
    failureReason: ev.failureReason,
    cancelledBy: ev.cancelledByLabel,
    results: metrics && ev.kind === "robustness"
      ? { cleanAccuracy: metrics.cleanAccuracy, worstCase: metrics.worstCase, attacks: metrics.attacks.map((a) => ({ attack: a.attack, norm: a.norm, eps: a.eps, robustAccuracy: a.robustAccuracy })), reliability: reliability ? { verdict: reliability.verdict, reasons: reliability.reasons } : null }
      : null,
    // White-box, or black-box with the endpoint host, query budgets and the queries sent (once completed).
    threatModel: metrics && ev.kind === "robustness" ? threatModelOf(ev.provenance) : null,
    regressionAlerts: alerts.map((a) => ({ id: a.id, summary: a.summary, acknowledged: a.acknowledgedAt !== null })),
    createdAt: ev.createdAt,
    finishedAt: ev.finishedAt,
  };
}
