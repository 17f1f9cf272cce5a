import { db } from "../db/client";
import { env } from "../env";
import { formatDuration } from "../duration";
import { NotFoundError, ValidationError } from "../errors";
import { ModelCardSchema, type ModelCard } from "../registry/model-card";
import { checkCompatibility } from "../registry/compat";
import { loadDatasetForEngine } from "../registry/datasets";
import { attackResult, attackScores, liraOfflineScores, PRIVACY_ATTACKS, referencePoolSize, type AttackResult, type ExampleOutput, type PrivacyAttack } from "../engine/privacy/scores";
import type { Interval } from "../engine/privacy/metrics";
import type { CreatePrivacyEvaluation } from "./schemas";
import { interpretPrivacy } from "./privacy-reading";
import type { KindShardOutput, KindShardTask } from "./shard-io";
import { stratifiedSample } from "./sampling";
import { endpointLaunchInfo } from "./blackbox";
import type { CreatedEvaluation } from "./created";
import { assertScopeCan } from "../teams/access";
import type { TeamScope } from "../teams/context";
import { insertEvaluation, launchableModelVersion, type LaunchOptions } from "./launch";
import { landAggregate, landedOutputs, shardProvenance, type LandedShard } from "./land";

// The privacy (membership-inference) evaluation kind (lib/evaluations/kinds.ts): plan, shard tasks and
// aggregation. The attacks and metrics are in lib/engine/privacy; the engine process runs the shards
// (workers/shard-process.ts): shard 0 scores the target model on the member and non-member samples, shard k
// (k ≥ 1) trains reference model k on data disjoint from every target example and scores the same samples.

/** What `Evaluation.suite` holds for a privacy evaluation. */
export interface PrivacyConfig {
  kind: "privacy";
  memberDatasetVersionId: string;
  /** "input": chosen by the user; "lineage": the card's training dataset. */
  memberSource: "input" | "lineage";
  nonMemberDatasetVersionId: string;
  samplesPerSet: number;
  /** Dataset indices of the target examples (stratified, seeded), in each dataset. */
  memberTargets: number[];
  nonMemberTargets: number[];
  referenceModels: number;
  referenceEpochs: number;
  referenceTrainSize: number;
  batchSize: number;
  learningRate: number;
  attacks: PrivacyAttack[];
}

export interface PrivacyShardTask extends KindShardTask {
  kind: "privacy";
  role: "target" | "reference";
  /** 0-based reference model index (role "reference"). */
  reference?: number;
  config: PrivacyConfig;
  /** Dataset class index → model output index, per dataset. */
  labelMaps: { member: number[]; nonMember: number[] };
}

export interface PrivacyTargetOutput extends KindShardOutput {
  kind: "privacy";
  role: "target";
  members: ExampleOutput[];
  nonMembers: ExampleOutput[];
}
export interface PrivacyReferenceOutput extends KindShardOutput {
  kind: "privacy";
  role: "reference";
  reference: number;
  phiMembers: number[];
  phiNonMembers: number[];
  /** Accuracy of the reference model on the target examples (all OUT for it), training figures. */
  accuracyOnTargets: number;
  trainSize: number;
  epochs: number;
  finalLoss: number;
  examplesPerSecond: number;
}
export type PrivacyShardOutput = PrivacyTargetOutput | PrivacyReferenceOutput;

/** Example-epochs of reference training per second assumed before this team has measured any (the demo CNN, native backend, this machine). */
export const DEFAULT_TRAIN_RATE = 1000;

export interface PrivacyCost { referenceModels: number; epochs: number; trainSize: number; exampleEpochs: number; estimatedSeconds: number | null; rateSource: "measured" | "default" | "none"; summary: string }

/** The reference-model training a privacy evaluation launches, and its time at the measured (or default) rate. */
export function privacyCost(referenceModels: number, epochs: number, trainSize: number, rate: number | null, samplesPerSet: number): PrivacyCost {
  const exampleEpochs = referenceModels * epochs * trainSize;
  const r = rate ?? DEFAULT_TRAIN_RATE;
  const estimatedSeconds = referenceModels ? exampleEpochs / r : 0;
  const summary = referenceModels
    ? `${referenceModels} reference models × ${epochs} epochs × ${trainSize.toLocaleString("en")} examples = ${exampleEpochs.toLocaleString("en")} example-epochs of training, about ${formatDuration(estimatedSeconds)} on one worker at ${Math.round(r).toLocaleString("en")} example-epochs/s (${rate ? "measured on this team's earlier privacy evaluations" : "the demo CNN's rate on the native backend; an estimate"}); plus scoring ${(2 * samplesPerSet).toLocaleString("en")} examples.`
    : `No reference models (LiRA off): scoring ${(2 * samplesPerSet).toLocaleString("en")} examples with the target model only, seconds.`;
  return { referenceModels, epochs, trainSize, exampleEpochs, estimatedSeconds: referenceModels ? estimatedSeconds : 0, rateSource: referenceModels ? (rate ? "measured" : "default") : "none", summary };
}

/** Median example-epochs/s of the team's finished reference shards (null: none yet). */
export async function measuredTrainRate(scope: TeamScope): Promise<number | null> {
  const teamId = scope.team.id;
  const rows = await db.evaluation.findMany({ where: { teamId, kind: "privacy", status: "COMPLETED" }, orderBy: { finishedAt: "desc" }, take: 10, select: { provenance: true } });
  const rates = rows.flatMap((r) => ((r.provenance as { references?: { examplesPerSecond: number }[] } | null)?.references ?? []).map((x) => x.examplesPerSecond)).filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  return rates.length ? rates[rates.length >> 1]! : null;
}

type CardForCompat = Pick<ModelCard, "task" | "inputShape" | "inputRange" | "classLabels">;
function labelMapFor(card: CardForCompat, dv: { format: string; sampleShape: number[]; valueMin: number; valueMax: number; classLabels: string[] }, field: string, what: string): number[] {
  const compat = checkCompatibility(card, dv as Parameters<typeof checkCompatibility>[1]);
  if (!compat.compatible || !compat.labelMap) throw new ValidationError(`The ${what} cannot be used with this model: ${compat.differences.map((d) => d.message).join(" ")}`, { [field]: compat.differences.map((d) => d.message).join(" ") });
  return compat.labelMap;
}

/** Validates a privacy evaluation against the team's records and plans it; stores nothing. */
async function planPrivacy(scope: TeamScope, input: CreatePrivacyEvaluation) {
  const teamId = scope.team.id;
  const mv = await launchableModelVersion(scope, input.modelVersionId);
  if (await endpointLaunchInfo(scope, mv.id)) {
    throw new ValidationError("Privacy evaluations need the model's weights: this version is served over HTTP, and membership inference through an endpoint is not supported yet.", { modelVersionId: "Served over HTTP: not supported for privacy evaluations" });
  }
  const card = ModelCardSchema.parse(mv.card);
  if (mv.format === "ensemble" && input.referenceModels > 0) {
    throw new ValidationError("LiRA re-trains the model's own architecture, which an ensemble version does not have: use 0 reference models (the other attacks still run).", { referenceModels: "0 for an ensemble version" });
  }
  if (mv.format === "onnx" && input.referenceModels > 0) {
    throw new ValidationError("LiRA re-trains the model's own architecture from its TensorFlow.js topology, which an ONNX model does not provide: use 0 reference models (the other attacks still run).", { referenceModels: "0 for an ONNX model" });
  }
  const memberSource: PrivacyConfig["memberSource"] = input.memberDatasetVersionId ? "input" : "lineage";
  const memberId = input.memberDatasetVersionId ?? card.trainingDatasetVersionId;
  if (!memberId) {
    throw new ValidationError(`Choose the member set: ${mv.model.name} v${mv.version}'s card names no training dataset, so Bulwark cannot know which records it was trained on.`, { memberDatasetVersionId: "Choose the dataset version the model was trained on (its card links none)" });
  }
  if (memberId === input.nonMemberDatasetVersionId) {
    throw new ValidationError("The member and non-member sets are the same dataset version: the non-members must be records the model never saw.", { nonMemberDatasetVersionId: "Choose a held-out dataset version, not the training data" });
  }
  const [dvM, dvN] = await Promise.all([
    db.datasetVersion.findFirst({ where: { id: memberId, teamId, storedAt: { not: null } }, include: { dataset: { select: { name: true } } } }),
    db.datasetVersion.findFirst({ where: { id: input.nonMemberDatasetVersionId, teamId, storedAt: { not: null } }, include: { dataset: { select: { name: true } } } }),
  ]);
  if (!dvM) throw new NotFoundError(memberSource === "lineage" ? "The training dataset linked on the model card" : "This member dataset version");
  if (!dvN) throw new NotFoundError("This non-member dataset version");
  const labelMaps = {
    member: labelMapFor(card, dvM, "memberDatasetVersionId", "member dataset"),
    nonMember: labelMapFor(card, dvN, "nonMemberDatasetVersionId", "non-member dataset"),
  };
  const n = Math.min(input.samplesPerSet, dvM.sampleCount, dvN.sampleCount);
  if (n < 20) throw new ValidationError(`The sets are too small: ${Math.min(dvM.sampleCount, dvN.sampleCount)} examples in the smaller one; at least 20 of each are needed.`, { samplesPerSet: "At least 20 members and 20 non-members" });
  const R = input.referenceModels;
  if (R === 1) throw new ValidationError("LiRA needs at least 2 reference models (or 0 to turn it off).", { referenceModels: "0 (off) or 2 to 16" });
  const [dsM, dsN] = await Promise.all([loadDatasetForEngine(scope, dvM.id), loadDatasetForEngine(scope, dvN.id)]);
  const memberTargets = stratifiedSample(dsM.labels, n, input.seed);
  const nonMemberTargets = stratifiedSample(dsN.labels, n, input.seed + 1);
  const pool = referencePoolSize(dvM.sampleCount, dvN.sampleCount, n);
  const epochs = Math.min(50, input.referenceEpochs ?? card.trainingCost?.epochs ?? 5);
  const trainSize = Math.min(input.referenceTrainSize ?? dvM.sampleCount, pool);
  if (R > 0 && trainSize < 50) throw new ValidationError(`Only ${pool} examples are left for training reference models once the ${2 * n} target examples are set aside; at least 50 are needed. Use fewer samples per set, or 0 reference models.`, { referenceModels: "Too little disjoint data: use 0 (LiRA off)" });
  const config: PrivacyConfig = {
    kind: "privacy", memberDatasetVersionId: dvM.id, memberSource, nonMemberDatasetVersionId: dvN.id, samplesPerSet: n, memberTargets, nonMemberTargets,
    referenceModels: R, referenceEpochs: epochs, referenceTrainSize: trainSize, batchSize: 64, learningRate: 1e-3,
    attacks: R >= 2 ? [...PRIVACY_ATTACKS] : PRIVACY_ATTACKS.filter((a) => a !== "lira-offline"),
  };
  const warnings: string[] = [];
  if (n < 1000) warnings.push(`With ${n} non-members the true-positive rate at 0.1% false positives cannot be resolved (it needs at least 1,000); it is reported as not resolvable.`);
  if (n < 100) warnings.push(`With ${n} non-members the 1% false-positive point cannot be resolved either (it needs at least 100).`);
  if (memberSource === "input" && card.trainingDatasetVersionId && card.trainingDatasetVersionId !== dvM.id) warnings.push("The member set is not the training dataset linked on the model card: the results are only meaningful if the model was trained on it.");
  if (R > 0 && trainSize < dvM.sampleCount) warnings.push(`Reference models train on ${trainSize.toLocaleString("en")} examples, fewer than the ${dvM.sampleCount.toLocaleString("en")} of the member set (the data disjoint from the targets is limited).`);
  return { mv, card, dvM, dvN, config, labelMaps, warnings, n };
}

/** Creates a privacy evaluation and its shards (one scoring shard + one per reference model), audited, queued. */
export async function createPrivacyEvaluation(ctx: TeamScope, input: CreatePrivacyEvaluation, opts: LaunchOptions = {}): Promise<CreatedEvaluation> {
  assertScopeCan(ctx, "evaluation.run");
  const { mv, dvM, dvN, config, warnings, n } = await planPrivacy(ctx, input);
  const cost = privacyCost(config.referenceModels, config.referenceEpochs, config.referenceTrainSize, await measuredTrainRate(ctx), n);
  const shards = Array.from({ length: 1 + config.referenceModels }, (_, i) => ({ index: i, start: i, end: i + 1 }));
  const evaluation = await insertEvaluation(ctx, opts, {
    columns: {
      kind: "privacy", modelId: mv.modelId, modelVersionId: mv.id, datasetVersionId: dvM.id, preset: "privacy",
      suite: config, seed: input.seed, sampleCount: 2 * n, sampleIndices: [], shardSize: n, estimatedSteps: cost.exampleEpochs + 2 * n,
    },
    shards,
    alsoReads: [dvN.id],
    details: {
      kind: "privacy", model: `${mv.model.name} v${mv.version}`, modelDigest: mv.manifestDigest,
      members: `${dvM.dataset.name} v${dvM.version}`, memberDigest: dvM.tensorDigest, memberSource: config.memberSource,
      nonMembers: `${dvN.dataset.name} v${dvN.version}`, nonMemberDigest: dvN.tensorDigest, samplesPerSet: n, seed: input.seed,
      referenceModels: config.referenceModels, referenceEpochs: config.referenceEpochs, referenceTrainSize: config.referenceTrainSize, exampleEpochs: cost.exampleEpochs,
    },
  });
  return { id: evaluation.id, number: evaluation.number, warnings, privacyCost: cost };
}

/** What the form shows before launch: the plan's cost (no write). */
export async function previewPrivacyCost(scope: TeamScope, input: CreatePrivacyEvaluation): Promise<{ cost: PrivacyCost; warnings: string[] }> {
  const { config, warnings, n } = await planPrivacy(scope, input);
  return { cost: privacyCost(config.referenceModels, config.referenceEpochs, config.referenceTrainSize, await measuredTrainRate(scope), n), warnings };
}

/** The engine task of one shard of a privacy evaluation (the model and datasets are checked again). */
export async function privacyShardTask(ev: { id: string; teamId: string; modelVersionId: string; seed: number; suite: unknown }, shard: { index: number }): Promise<PrivacyShardTask> {
  const config = ev.suite as PrivacyConfig;
  const [mv, dvM, dvN] = await Promise.all([
    db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ev.teamId } }),
    db.datasetVersion.findFirstOrThrow({ where: { id: config.memberDatasetVersionId, teamId: ev.teamId } }),
    db.datasetVersion.findFirstOrThrow({ where: { id: config.nonMemberDatasetVersionId, teamId: ev.teamId } }),
  ]);
  const card = ModelCardSchema.parse(mv.card);
  return {
    kind: "privacy", teamId: ev.teamId, evaluationId: ev.id, modelVersionId: ev.modelVersionId, seed: ev.seed, backend: env().BULWARK_TF_BACKEND,
    role: shard.index === 0 ? "target" : "reference", ...(shard.index > 0 ? { reference: shard.index - 1 } : {}), config,
    labelMaps: { member: labelMapFor(card, dvM, "memberDatasetVersionId", "member dataset"), nonMember: labelMapFor(card, dvN, "nonMemberDatasetVersionId", "non-member dataset") },
  };
}

// ---- Aggregation ---------------------------------------------------------------------------------------

export interface PrivacyHeadline {
  /** The strongest attack by AUC, and its figures. */
  attack: PrivacyAttack;
  auc: number;
  aucCi: Interval;
  advantage: number;
  /** Highest TPR over the attacks at each low FPR (null: not resolvable with this many non-members). */
  tprAt1: { tpr: number; ci: Interval; attack: PrivacyAttack } | null;
  tprAt01: { tpr: number; ci: Interval; attack: PrivacyAttack } | null;
}

export interface PrivacyMetrics {
  kind: "privacy";
  members: number;
  nonMembers: number;
  /** Target model accuracy on the member and non-member samples (the generalisation gap drives leakage). */
  accuracy: { members: number; nonMembers: number; gap: number };
  attacks: AttackResult[];
  headline: PrivacyHeadline;
  lira: { referenceModels: number; epochs: number; trainSize: number; sigma: number; referenceAccuracy: number } | null;
  /** The plain-language reading when it was measured (interpretPrivacy derives the current one from `attacks`). */
  reading: string;
  /** The compact figures the compliance evidence column keeps (function bulwark_evaluation_evidence_of). */
  evidence: PrivacyEvidenceFigures;
}

/** What E7 reads (lib/compliance): small, numbers only. */
export interface PrivacyEvidenceFigures {
  attack: PrivacyAttack;
  auc: number;
  aucLow: number;
  aucHigh: number;
  advantage: number;
  tprAt1Fpr: number | null;
  tprAt1FprHigh: number | null;
  tprAt01Fpr: number | null;
  tprAt01FprHigh: number | null;
  members: number;
  nonMembers: number;
  lira: boolean;
}

const pctText = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;

export function privacyMetrics(config: PrivacyConfig, target: PrivacyTargetOutput, refs: PrivacyReferenceOutput[], classLabels: string[]): PrivacyMetrics {
  const mo = target.members, no = target.nonMembers;
  const ml = mo.map((o) => o.y), nl = no.map((o) => o.y);
  const results: AttackResult[] = [];
  for (const attack of config.attacks) {
    if (attack === "lira-offline") continue;
    results.push(attackResult(attack, attackScores(mo, attack), attackScores(no, attack), ml, nl, classLabels));
  }
  let lira: PrivacyMetrics["lira"] = null;
  if (config.attacks.includes("lira-offline") && refs.length >= 2) {
    const sorted = [...refs].sort((a, b) => a.reference - b.reference);
    const l = liraOfflineScores([...mo, ...no].map((o) => o.phi), sorted.map((r) => [...r.phiMembers, ...r.phiNonMembers]));
    results.push(attackResult("lira-offline", l.scores.slice(0, mo.length), l.scores.slice(mo.length), ml, nl, classLabels));
    lira = { referenceModels: refs.length, epochs: config.referenceEpochs, trainSize: config.referenceTrainSize, sigma: l.sigma, referenceAccuracy: sorted.reduce((a, r) => a + r.accuracyOnTargets, 0) / sorted.length };
  }
  const strongest = [...results].sort((a, b) => b.auc - a.auc)[0]!;
  const bestAt = (i: number) => {
    const cands = results.map((r) => ({ r, t: r.tprAt[i]! })).filter((c) => c.t.resolvable && c.t.tpr !== null);
    if (!cands.length) return null;
    const best = cands.sort((a, b) => b.t.tpr! - a.t.tpr!)[0]!;
    return { tpr: best.t.tpr!, ci: best.t.ci!, attack: best.r.attack };
  };
  const headline: PrivacyHeadline = { attack: strongest.attack, auc: strongest.auc, aucCi: strongest.aucCi, advantage: Math.max(...results.map((r) => r.advantage)), tprAt1: bestAt(0), tprAt01: bestAt(1) };
  const accM = mo.filter((o) => o.pred === o.y).length / Math.max(1, mo.length);
  const accN = no.filter((o) => o.pred === o.y).length / Math.max(1, no.length);
  const accuracy = { members: accM, nonMembers: accN, gap: accM - accN };
  return {
    kind: "privacy", members: mo.length, nonMembers: no.length, accuracy, attacks: results, headline, lira,
    reading: interpretPrivacy({ members: mo.length, nonMembers: no.length, attacks: results, accuracy }).sentences.join(" "),
    evidence: {
      attack: headline.attack, auc: headline.auc, aucLow: headline.aucCi.low, aucHigh: headline.aucCi.high, advantage: headline.advantage,
      tprAt1Fpr: headline.tprAt1?.tpr ?? null, tprAt1FprHigh: headline.tprAt1?.ci.high ?? null, tprAt01Fpr: headline.tprAt01?.tpr ?? null, tprAt01FprHigh: headline.tprAt01?.ci.high ?? null,
      members: mo.length, nonMembers: no.length, lira: lira !== null,
    },
  };
}

/** Reliability of a privacy measurement: sample sizes and reference-model quality, with reasons. */
export function privacyReliability(m: PrivacyMetrics, config: PrivacyConfig, targetAccuracyOnNonMembers: number) {
  const reasons: string[] = [];
  const checks: { id: string; status: "pass" | "warn"; detail: string }[] = [];
  const small = m.nonMembers < 200;
  checks.push({ id: "sample-size", status: small ? "warn" : "pass", detail: `${m.members} members and ${m.nonMembers} non-members${small ? ": the AUC interval is wide; use at least 200 of each" : ""}.` });
  if (small) reasons.push(`Only ${m.nonMembers} non-members: the AUC interval is wide.`);
  if (m.nonMembers < 1000) reasons.push(`TPR at 0.1% FPR is not resolvable with ${m.nonMembers} non-members (needs 1,000).`);
  if (config.referenceModels === 0) {
    checks.push({ id: "lira", status: "warn", detail: "LiRA was not run (0 reference models): the global-threshold attacks understate leakage at low false-positive rates." });
    reasons.push("LiRA not run: low-FPR figures come from global-threshold attacks only.");
  } else if (m.lira) {
    const gap = targetAccuracyOnNonMembers - m.lira.referenceAccuracy;
    const weak = gap > 0.1;
    checks.push({ id: "reference-models", status: weak ? "warn" : "pass", detail: `Reference models reach ${pctText(m.lira.referenceAccuracy)} on the (held-out for them) target examples vs the target's ${pctText(targetAccuracyOnNonMembers)} on non-members${weak ? ": they are weaker than the target, so LiRA's calibration is rougher" : ""}.` });
    if (weak) reasons.push(`Reference models are ${pctText(gap)} less accurate than the target on held-out data: LiRA's calibration is rough.`);
  }
  const verdict = checks.some((c) => c.status === "warn") ? "questionable" : "reliable";
  return { verdict, reasons, checks };
}

/** The aggregate step of a privacy evaluation: metrics, reliability, provenance, audit, webhook, posture point. */
export async function aggregatePrivacy(ev: { id: string; teamId: string; number: number; modelId: string; modelVersionId: string; seed: number; suite: unknown; startedAt: Date | null; status: string; shards: LandedShard[] }): Promise<"completed" | "skipped"> {
  if (ev.status !== "AGGREGATING") return "skipped";
  const outputs = landedOutputs<PrivacyShardOutput>(ev.shards);
  const config = ev.suite as PrivacyConfig;
  const target = outputs.find((o): o is PrivacyTargetOutput => o.role === "target");
  if (!target) throw new Error("the target-scoring shard has no output");
  const refs = outputs.filter((o): o is PrivacyReferenceOutput => o.role === "reference");
  const [mv, model, dvM, dvN] = await Promise.all([
    db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ev.teamId } }),
    db.model.findFirstOrThrow({ where: { id: ev.modelId, teamId: ev.teamId } }),
    db.datasetVersion.findFirstOrThrow({ where: { id: config.memberDatasetVersionId, teamId: ev.teamId }, include: { dataset: { select: { name: true } } } }),
    db.datasetVersion.findFirstOrThrow({ where: { id: config.nonMemberDatasetVersionId, teamId: ev.teamId }, include: { dataset: { select: { name: true } } } }),
  ]);
  const card = ModelCardSchema.parse(mv.card);
  const metrics = privacyMetrics(config, target, refs, card.classLabels);
  const reliability = privacyReliability(metrics, config, metrics.accuracy.nonMembers);
  const ran = shardProvenance(ev);
  const provenance = {
    model: { id: mv.id, name: model.name, version: mv.version, manifestDigest: mv.manifestDigest },
    members: { id: dvM.id, label: `${dvM.dataset.name} v${dvM.version}`, tensorDigest: dvM.tensorDigest, source: config.memberSource },
    nonMembers: { id: dvN.id, label: `${dvN.dataset.name} v${dvN.version}`, tensorDigest: dvN.tensorDigest },
    seed: ev.seed,
    engine: target.backend,
    backends: ran.backends,
    workers: ran.workers,
    shards: ev.shards.map((s) => ({ index: s.index, role: s.index === 0 ? "target" : `reference ${s.index}`, worker: s.workerId, backend: s.backend, durationMs: s.durationMs, attempts: s.attempts })),
    references: refs.sort((a, b) => a.reference - b.reference).map((r) => ({ reference: r.reference, trainSize: r.trainSize, epochs: r.epochs, finalLoss: r.finalLoss, accuracyOnTargets: r.accuracyOnTargets, examplesPerSecond: r.examplesPerSecond })),
    // The privacy claims of the card at the time of measurement, shown next to the figures.
    trainingPrivacy: card.trainingPrivacy ?? null,
    wallClockMs: ran.wallClockMs,
  };
  return landAggregate(ev, {
    metrics,
    reliability,
    provenance,
    columns: { cleanAccuracy: metrics.accuracy.nonMembers, headlineRobust: null },
    details: { kind: "privacy", auc: metrics.headline.auc, attack: metrics.headline.attack, tprAt1Fpr: metrics.evidence.tprAt1Fpr, tprAt01Fpr: metrics.evidence.tprAt01Fpr, verdict: reliability.verdict, members: metrics.members, nonMembers: metrics.nonMembers },
    more: async () => [{ teamId: ev.teamId, event: "evaluation.completed", payload: { evaluationId: ev.id, number: ev.number, kind: "privacy", model: model.name, modelVersion: mv.version, auc: metrics.headline.auc, verdict: reliability.verdict, summary: metrics.reading } }],
  });
}
