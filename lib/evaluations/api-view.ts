import type { EngineMetrics } from "../engine/aggregate";
import type { ReliabilityReport } from "../engine/reliability";
import { cleanAccuracyWarning } from "../engine/clean-accuracy";
import { verdictLabel } from "../engine/verdict-words";
import type { TeamContext } from "../teams/access";
import { evaluationProgress, getEvaluation } from "./manage";
import { threatModelOf } from "./threat-model";
import type { IntegrityMetrics } from "./integrity";
import { allSuspects, liveRuleOf, readingOf, SUSPECT_PAGE_SIZE, triggerCandidates } from "./integrity-reading";
import type { PrivacyMetrics } from "./privacy";
import { interpretPrivacy } from "./privacy-reading";
import { advantageInterval, chanceAdvantage } from "../engine/privacy/metrics";

function privacyForApi(m: PrivacyMetrics, reliability: { verdict: string; reasons: string[] } | null) {
  const r = interpretPrivacy(m);
  return {
    members: m.members,
    nonMembers: m.nonMembers,
    accuracy: m.accuracy,
    // The best of `interpretation.attacksTried` attacks: read its Bonferroni intervals in `interpretation`.
    headline: m.headline,
    // Chance: AUC 0.5; TPR at an FPR equals that FPR; advantage up to `chanceAdvantage` (95%, one attack).
    attacks: m.attacks.map((a) => ({
      attack: a.attack, auc: a.auc, aucCi: a.aucCi, advantage: a.advantage, advantageCi: advantageInterval(a.advantage, a.members, a.nonMembers), chanceAdvantage: chanceAdvantage(a.members, a.nonMembers),
      tprAt: a.tprAt.map((t) => ({ fpr: t.fpr, chance: t.fpr, resolvable: t.resolvable, tpr: t.tpr, truePositives: t.truePositives, ci: t.ci, nonMembersNeeded: t.nonMembersNeeded })),
    })),
    interpretation: {
      detected: r.detected, attacksTried: r.attacksTried, adjustedLevel: r.adjustedLevel, auc: r.auc, advantage: r.advantage,
      rates: r.rates, perClass: r.perClass,
    },
    lira: m.lira,
    reading: r.sentences.join(" "),
    reliability: reliability ? { verdict: reliability.verdict, label: verdictLabel(reliability.verdict), reasons: reliability.reasons } : null,
  };
}

function integrityForApi(m: IntegrityMetrics, reliability: { verdict: string; reasons: string[] } | null) {
  const L = (i: number) => m.classLabels[i] ?? String(i);
  const suspects = allSuspects(m);
  return {
    evidence: m.evidence,
    reading: readingOf(m),
    reliability: reliability ? { verdict: reliability.verdict, label: verdictLabel(reliability.verdict), reasons: reliability.reasons } : null,
    config: { folds: m.config.folds, epochs: m.config.epochs, samples: m.config.samples, heldOutDatasetVersionId: m.config.heldOutDatasetVersionId, cost: m.config.cost.summary },
    datasetScan: {
      exactDuplicateGroups: m.datasetScan.exactDuplicates.groups, nearDuplicateGroups: m.datasetScan.nearDuplicates.groups,
      leakageGroups: m.datasetScan.leakage.groups, labelConflictGroups: m.datasetScan.labelConflicts.groups, range: m.datasetScan.range.counts,
    },
    labelIssues: m.labelIssues ? { flagged: m.labelIssues.flaggedCount, share: m.labelIssues.flaggedShare, outOfSampleAccuracy: m.labelIssues.outOfSampleAccuracy, top: m.labelIssues.top.slice(0, 20).map((i) => ({ datasetIndex: i.datasetIndex, label: L(i.label), suggested: L(i.suggested), selfConfidence: i.selfConfidence })) } : null,
    backdoor: m.backdoor ? {
      flaggedClasses: m.backdoor.clustering.flaggedClasses.map(L),
      perClass: m.backdoor.clustering.perClass.map((c) => ({ label: L(c.label), samples: c.samples, smallClusterShare: c.relativeSize, silhouette: c.silhouette, flagged: c.flagged })),
      // The first page, most outlying first; every one: GET /evaluations/{number}/suspects (cursor pages, or format=csv).
      suspicious: suspects.slice(0, SUSPECT_PAGE_SIZE),
      suspiciousTotal: m.backdoor.suspiciousTotal,
      suspiciousMore: suspects.length > SUSPECT_PAGE_SIZE ? `${suspects.length - SUSPECT_PAGE_SIZE} more: GET /api/v1/evaluations/{number}/suspects` : null,
      liveBackdoors: m.backdoor.liveBackdoors.map(L),
      liveRule: liveRuleOf(m),
      // Every patch tested (target × patch), strongest first: generic corner patches and the data-derived ones.
      triggerTests: triggerCandidates(m).map((c) => ({ target: c.targetLabel, patch: c.patch, kind: c.kind, description: c.description, size: c.size, row: c.row, col: c.col, tested: c.tested, flipped: c.flipped, flipRate: c.flipRate, interval: c.interval, controlRate: c.controlRate, controlInterval: c.controlInterval, aboveControl: c.aboveControl, live: c.live })),
    } : null,
  };
}

/** The JSON an API client sees for one evaluation (status, progress, headline results). */
export async function evaluationForApi(ctx: TeamContext, number: number) {
  const [{ ev, mv, dv, model, alerts }, progress] = await Promise.all([getEvaluation(ctx, number), evaluationProgress(ctx, number)]);
  const metrics = ev.metrics as unknown as EngineMetrics | null;
  const reliability = ev.reliability as unknown as ReliabilityReport | null;
  return {
    id: ev.id,
    number: ev.number,
    kind: ev.kind,
    status: ev.status.toLowerCase() as Lowercase<typeof ev.status>,
    model: { id: model?.id, name: model?.name, version: mv?.version, digest: mv?.manifestDigest },
    dataset: { id: dv?.datasetId, name: dv?.dataset.name, version: dv?.version, digest: dv?.tensorDigest },
    preset: ev.preset,
    samples: ev.sampleCount,
    seed: ev.seed,
    progress: { fraction: progress.fraction, shardsDone: progress.shardsDone, shardCount: progress.shardCount, etaSeconds: progress.etaSeconds },
    failureReason: ev.failureReason,
    cancelledBy: ev.cancelledByLabel,
    results: metrics && ev.kind === "robustness"
      ? {
        // Present when the model does not classify its clean inputs (likely preprocessing mismatch): the figures
        // below are then not a robustness result.
        cleanAccuracyWarning: cleanAccuracyWarning(reliability),
        cleanAccuracy: metrics.cleanAccuracy, worstCase: metrics.worstCase, attacks: metrics.attacks.map((a) => ({ attack: a.attack, norm: a.norm, eps: a.eps, robustAccuracy: a.robustAccuracy })),
        reliability: reliability ? { verdict: reliability.verdict, label: verdictLabel(reliability.verdict), reasons: reliability.reasons } : null,
        // Every counted break replayed on the reference (null: metrics stored before the replay existed).
        replay: metrics.replay ?? null,
      }
      : null,
    // Integrity scans: the E15 figures, the plain-language reading and the trigger test (lib/evaluations/integrity.ts).
    integrity: ev.kind === "integrity" && ev.metrics ? integrityForApi(ev.metrics as unknown as IntegrityMetrics, reliability) : null,
    // Privacy (membership inference): headline with intervals, per attack, the reading (lib/evaluations/privacy.ts).
    privacy: ev.kind === "privacy" && ev.metrics ? privacyForApi(ev.metrics as unknown as PrivacyMetrics, reliability) : null,
    // White-box, or black-box with the endpoint host, query budgets and the queries sent (once completed).
    threatModel: metrics && ev.kind === "robustness" ? threatModelOf(ev.provenance) : null,
    regressionAlerts: alerts.map((a) => ({ id: a.id, summary: a.summary, acknowledged: a.acknowledgedAt !== null })),
    createdAt: ev.createdAt,
    finishedAt: ev.finishedAt,
  };
}
