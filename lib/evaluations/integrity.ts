import { db } from "../db/client";
import { NotFoundError, ValidationError } from "../errors";
import { ModelCardSchema } from "../registry/model-card";
import { checkCompatibility } from "../registry/compat";
import { loadDatasetForEngine } from "../registry/datasets";
import { env } from "../env";
import { crossValidationCost, findLabelIssues } from "../integrity/confident-learning";
import type { DatasetScanReport } from "../integrity/dataset-scan";
import type { BackdoorScanResult } from "../integrity/model-scan";
import type { CreateIntegrityEvaluation } from "./schemas";
import { endpointLaunchInfo } from "./blackbox";
import { stratifiedSample } from "./sampling";
import type { KindShardTask, KindShardOutput } from "./shard-io";
import { readingOf } from "./integrity-reading";
import type { IntegrityConfig, IntegrityMetrics, Thumbnail } from "./integrity-types";
import { assertScopeCan } from "../teams/access";
import { systemContext, type TeamScope } from "../teams/context";
import { insertEvaluation, launchableModelVersion, type LaunchOptions } from "./launch";
import { landAggregate, landedOutputs, shardProvenance, type LandedShard } from "./land";

export { readingOf };
export type { IntegrityConfig, IntegrityMetrics, Thumbnail };

/*
 * Evaluation kind "integrity" (lib/evaluations/kinds.ts): a training-data integrity scan of a model version and
 * the dataset version it was trained on. Shards:
 *   0      "scan": the dataset scan (duplicates, leakage against the held-out version, label conflicts, balance,
 *          range) and the backdoor scan (penultimate activations -> activation clustering and spectral
 *          signatures per class -> trigger test on clean held-out inputs). Work units: one per training example.
 *   1..K   "fold f": the model's architecture, freshly initialised, trained on the other K-1 folds for `epochs`
 *          epochs, predicting fold f (out-of-sample probabilities). Work units: its training passes.
 * The aggregate step puts the folds' probabilities together, runs confident learning, and writes the results
 * and the small `metrics.evidence` object E15 reads.
 */


export interface IntegrityShardTask extends KindShardTask {
  kind: "integrity";
  datasetVersionId: string;
  heldOutDatasetVersionId: string | null;
  /** Dataset indices scanned, in order (positions 0..n-1). */
  indices: number[];
  labelMap: number[];
  heldOutLabelMap: number[] | null;
  part: { type: "scan" } | { type: "fold"; fold: number };
  config: Pick<IntegrityConfig, "folds" | "epochs" | "expectedPoisonFraction">;
}


export interface IntegrityScanOutput extends KindShardOutput {
  kind: "integrity";
  part: "scan";
  datasetScan: DatasetScanReport;
  backdoor: BackdoorScanResult | null;
  /** Why the backdoor scan did not run (e.g. not an image model), else null. */
  backdoorSkipped: string | null;
  /** Thumbnails by dataset index of the training examples the results list (suspicious examples). */
  thumbnails: Record<string, Thumbnail>;
  /** Thumbnails of one stamped example per trigger patch, keyed "target:patch". */
  triggerThumbnails: Record<string, Thumbnail>;
  heldOutSamples: number;
}

export interface IntegrityFoldOutput extends KindShardOutput {
  kind: "integrity";
  part: "fold";
  fold: number;
  /** Positions (into the scanned indices) of the held-out fold, and their probabilities (rounded to 1e-4). */
  positions: number[];
  probs: number[];
  trainedOn: number;
  finalLoss: number;
}

export type IntegrityShardOutput = IntegrityScanOutput | IntegrityFoldOutput;

export interface CreatedIntegrity { id: string; number: number; warnings: string[]; integrityCost: IntegrityConfig["cost"] }

/** Training examples the engine retrains on per second, by backend, for the stated estimate (measured on the demo CNN). */
const TRAINING_PASSES_PER_SECOND: Record<string, number> = { tensorflow: 700, wasm: 150, cpu: 15 };

export function describeIntegrityCost(samples: number, folds: number, epochs: number, backend: string): IntegrityConfig["cost"] {
  const cv = folds > 0 ? crossValidationCost(samples, folds, epochs) : { trainingPasses: 0, perFold: 0 };
  const rate = TRAINING_PASSES_PER_SECOND[backend] ?? TRAINING_PASSES_PER_SECOND.wasm!;
  const minutes = cv.trainingPasses / rate / 60;
  const summary = folds > 0
    ? `Cross-validation retrains the model's architecture ${folds} times, ${epochs} epoch${epochs > 1 ? "s" : ""} each on ${cv.perFold / epochs} examples: ${cv.trainingPasses.toLocaleString("en")} training passes (about ${minutes < 1 ? "under a minute" : `${Math.ceil(minutes)} minutes`} on a small CNN with the ${backend} backend), plus ${(samples * 2).toLocaleString("en")} forward passes for the activation scan and the trigger test.`
    : `No cross-validation (folds = 0): no likely-mislabelled scan. ${(samples * 2).toLocaleString("en")} forward passes for the activation scan and the trigger test.`;
  return { trainingPasses: cv.trainingPasses, perFold: cv.perFold, forwardPasses: samples * 2, summary };
}

export async function createIntegrityEvaluation(ctx: TeamScope, input: CreateIntegrityEvaluation, opts: LaunchOptions = {}): Promise<CreatedIntegrity> {
  assertScopeCan(ctx, "evaluation.run");
  const teamId = ctx.team.id;
  const mv = await launchableModelVersion(ctx, input.modelVersionId);
  if (await endpointLaunchInfo(ctx, mv.id)) {
    throw new ValidationError("A model served over HTTP cannot be scanned: the integrity scan reads its activations and retrains its architecture.", { modelVersionId: "Needs the model's files" });
  }
  if (mv.format === "ensemble") {
    throw new ValidationError("An ensemble version cannot be scanned as one model: the integrity scan reads one network's activations and retrains its architecture. Scan each member version instead.", { modelVersionId: "Choose a member version" });
  }
  if (mv.format === "onnx") {
    throw new ValidationError("An ONNX model cannot be scanned yet: the integrity scan reads the network's penultimate activations and retrains its architecture on folds of the training data, which Bulwark does only for TensorFlow.js models. Robustness, calibration, corruption, OOD and privacy evaluations (without LiRA reference models) do run on ONNX models.", { modelVersionId: "Needs a TensorFlow.js model" });
  }
  const trainingId = input.trainingDatasetVersionId ?? mv.trainingDatasetVersionId;
  if (!trainingId) {
    throw new ValidationError("The model's card names no training data: choose the dataset version it was trained on.", { trainingDatasetVersionId: "Choose the training dataset version" });
  }
  const card = ModelCardSchema.parse(mv.card);
  const compatOf = async (id: string, field: string) => {
    const dv = await db.datasetVersion.findFirst({ where: { id, teamId, storedAt: { not: null } }, include: { dataset: { select: { name: true } } } });
    if (!dv) throw new NotFoundError("This dataset version");
    const compat = checkCompatibility(card, dv);
    if (!compat.compatible) {
      const why = compat.differences.map((d) => d.message).join(" ");
      throw new ValidationError(`${mv.model.name} v${mv.version} cannot be scanned with ${dv.dataset.name} v${dv.version}: ${why}`, { [field]: why });
    }
    return dv;
  };
  const dv = await compatOf(trainingId, "trainingDatasetVersionId");
  const held = input.heldOutDatasetVersionId ? await compatOf(input.heldOutDatasetVersionId, "heldOutDatasetVersionId") : null;
  if (held && held.id === dv.id) throw new ValidationError("The held-out data must be another dataset version than the training data.", { heldOutDatasetVersionId: "Choose held-out data" });

  const data = await loadDatasetForEngine(ctx, dv.id);
  const sampleIndices = stratifiedSample(data.labels, Math.min(input.sampleCount ?? data.count, data.count), input.seed);
  const n = sampleIndices.length;
  if (input.folds > 0 && n < input.folds * 10) {
    throw new ValidationError(`${n} examples are too few for ${input.folds}-fold cross-validation (at least 10 per fold).`, { folds: "Fewer folds, or 0" });
  }
  const cost = describeIntegrityCost(n, input.folds, input.epochs, env().BULWARK_TF_BACKEND === "auto" ? "tensorflow" : env().BULWARK_TF_BACKEND);
  const config: IntegrityConfig = {
    trainingDatasetVersionId: dv.id,
    heldOutDatasetVersionId: held?.id ?? null,
    folds: input.folds,
    epochs: input.epochs,
    expectedPoisonFraction: input.expectedPoisonFraction,
    samples: n,
    datasetSamples: data.count,
    trainingFrom: input.trainingDatasetVersionId ? "chosen" : "lineage",
    cost,
  };
  const shards = [{ index: 0, start: 0, end: n }];
  for (let f = 0; f < input.folds; f++) shards.push({ index: f + 1, start: n + f * cost.perFold, end: n + (f + 1) * cost.perFold });
  const warnings: string[] = [];
  if (!held) warnings.push("No held-out data chosen: train/test leakage is not checked, and the trigger test stamps training examples of the other classes.");
  if (input.folds === 0) warnings.push("Cross-validation is off: likely mislabelled examples are not looked for.");

  const evaluation = await insertEvaluation(ctx, opts, {
    columns: {
      kind: "integrity", modelId: mv.modelId, modelVersionId: mv.id, datasetVersionId: dv.id, preset: "integrity", suite: config, seed: input.seed,
      sampleCount: n, sampleIndices, shardSize: n, estimatedSteps: n + cost.trainingPasses,
    },
    shards: shards.map((s) => ({ ...s, progressTotal: s.end - s.start })),
    alsoReads: held ? [held.id] : [],
    details: {
      kind: "integrity", model: `${mv.model.name} v${mv.version}`, modelDigest: mv.manifestDigest, trainingData: `${dv.dataset.name} v${dv.version}`, datasetDigest: dv.tensorDigest,
      heldOutData: held ? `${held.dataset.name} v${held.version}` : null, samples: n, folds: input.folds, epochs: input.epochs, trainingPasses: cost.trainingPasses, seed: input.seed,
    },
  });
  return { id: evaluation.id, number: evaluation.number, warnings, integrityCost: cost };
}

type EvaluationRow = { id: string; teamId: string; modelVersionId: string; datasetVersionId: string; seed: number; suite: unknown; sampleIndices: number[]; shardCount: number };

/** The engine task of one shard (the model and data are checked against each other again). */
export async function integrityShardTask(ev: EvaluationRow, shard: { index: number }): Promise<IntegrityShardTask> {
  const config = ev.suite as IntegrityConfig;
  const mv = await db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ev.teamId } });
  const card = ModelCardSchema.parse(mv.card);
  const mapOf = async (id: string) => {
    const dv = await db.datasetVersion.findFirstOrThrow({ where: { id, teamId: ev.teamId } });
    const compat = checkCompatibility(card, dv);
    if (!compat.labelMap) throw new Error("the model and dataset are no longer compatible");
    return compat.labelMap;
  };
  return {
    kind: "integrity",
    teamId: ev.teamId,
    evaluationId: ev.id,
    modelVersionId: ev.modelVersionId,
    seed: ev.seed,
    backend: env().BULWARK_TF_BACKEND,
    datasetVersionId: ev.datasetVersionId,
    heldOutDatasetVersionId: config.heldOutDatasetVersionId,
    indices: ev.sampleIndices,
    labelMap: await mapOf(ev.datasetVersionId),
    heldOutLabelMap: config.heldOutDatasetVersionId ? await mapOf(config.heldOutDatasetVersionId) : null,
    part: shard.index === 0 ? { type: "scan" } : { type: "fold", fold: shard.index - 1 },
    config: { folds: config.folds, epochs: config.epochs, expectedPoisonFraction: config.expectedPoisonFraction },
  };
}

const MAX_LISTED = 48;

/** Quantise an image to an 8-bit greyscale thumbnail (channels averaged). */
export function thumbnailOf(x: Float32Array, offset: number, shape: number[], range: { min: number; max: number }): Thumbnail {
  const [h = 1, w = 1, c = 1] = shape.length === 2 ? [...shape, 1] : shape;
  const out = new Uint8Array(h * w);
  const span = range.max - range.min || 1;
  for (let i = 0; i < h * w; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += x[offset + i * c + k]!;
    out[i] = Math.max(0, Math.min(255, Math.round(((s / c - range.min) / span) * 255)));
  }
  return { h, w, data: Buffer.from(out).toString("base64") };
}

/** The aggregate step of an integrity evaluation. */
export async function aggregateIntegrity(ev: EvaluationRow & { number: number; status: string; startedAt: Date | null; modelId: string; shards: LandedShard[] }): Promise<"completed" | "skipped"> {
  const outputs = landedOutputs<IntegrityShardOutput>(ev.shards);
  const config = ev.suite as IntegrityConfig;
  const scan = outputs.find((o): o is IntegrityScanOutput => o.part === "scan");
  if (!scan) throw new Error("the scan shard's output is missing");
  const folds = outputs.filter((o): o is IntegrityFoldOutput => o.part === "fold");
  const [mv, dv] = await Promise.all([
    db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ev.teamId }, include: { model: { select: { name: true } } } }),
    db.datasetVersion.findFirstOrThrow({ where: { id: ev.datasetVersionId, teamId: ev.teamId }, include: { dataset: { select: { name: true } } } }),
  ]);
  const card = ModelCardSchema.parse(mv.card);
  const classes = card.classLabels.length;
  const n = ev.sampleIndices.length;
  const thumbnails = { ...scan.thumbnails };
  let labelIssues: IntegrityMetrics["labelIssues"] = null;
  if (folds.length) {
    const data = await loadDatasetForEngine(systemContext(ev.teamId, "job"), dv.id);
    const labelMap = checkCompatibility(card, data).labelMap;
    if (!labelMap) throw new Error("the model and dataset are no longer compatible");
    const labels = Int32Array.from(ev.sampleIndices, (di) => labelMap[data.labels[di]!]!);
    const probs = new Float32Array(n * classes);
    const seen = new Uint8Array(n);
    for (const f of folds) {
      f.positions.forEach((pos, i) => {
        probs.set(f.probs.slice(i * classes, (i + 1) * classes), pos * classes);
        seen[pos] = 1;
      });
    }
    if (seen.some((v) => !v)) throw new Error("some examples got no out-of-sample prediction");
    const r = findLabelIssues(probs, labels, classes);
    const size = data.sampleShape.reduce((a, b) => a * b, 1);
    const top = r.issues.slice(0, MAX_LISTED).map((i) => ({ ...i, datasetIndex: ev.sampleIndices[i.index]! }));
    for (const t of top) thumbnails[String(t.datasetIndex)] ??= thumbnailOf(data.x, t.datasetIndex * size, data.sampleShape, { min: data.valueMin, max: data.valueMax });
    labelIssues = {
      method: r.method, folds: config.folds, epochs: config.epochs, flaggedCount: r.flaggedCount, flaggedShare: r.flaggedShare, outOfSampleAccuracy: r.outOfSampleAccuracy,
      thresholds: r.thresholds, confidentJoint: r.confidentJoint, perClass: r.perClass, top,
    };
  }
  const label = (i: number) => card.classLabels[i] ?? String(i);
  const base = {
    kind: "integrity" as const,
    samples: n,
    classLabels: card.classLabels,
    config,
    datasetScan: scan.datasetScan,
    backdoor: scan.backdoor,
    backdoorSkipped: scan.backdoorSkipped,
    labelIssues,
    thumbnails,
    triggerThumbnails: scan.triggerThumbnails,
    evidence: {
      samples: n,
      datasetVersionId: dv.id,
      suspectedMislabelShare: labelIssues ? labelIssues.flaggedShare : null,
      flaggedClasses: (scan.backdoor?.clustering.flaggedClasses ?? []).map(label),
      liveBackdoors: (scan.backdoor?.liveBackdoors ?? []).map(label),
      leakageGroups: config.heldOutDatasetVersionId ? scan.datasetScan.leakage.groups : null,
    },
  };
  const metrics: IntegrityMetrics = { ...base, reading: readingOf(base, `${dv.dataset.name} v${dv.version}`) };
  const reasons: string[] = [];
  if (labelIssues && labelIssues.outOfSampleAccuracy < 0.8) reasons.push(`the cross-validation models reach only ${(labelIssues.outOfSampleAccuracy * 100).toFixed(1)}% out-of-sample accuracy: many flags may be their own errors (more epochs or examples help)`);
  if (!config.heldOutDatasetVersionId && scan.backdoor) reasons.push("the trigger test stamped training examples, not held-out data");
  const reliability = { verdict: reasons.length ? "questionable" : "reliable", reasons, checks: [] as unknown[] };
  const provenance = {
    kind: "integrity",
    model: { name: mv.model.name, version: mv.version, digest: mv.manifestDigest },
    trainingData: { name: dv.dataset.name, version: dv.version, digest: dv.tensorDigest },
    heldOutDatasetVersionId: config.heldOutDatasetVersionId,
    backends: shardProvenance(ev).backends,
    engine: { backend: scan.backend.backend },
    shards: ev.shards.map((s) => ({ index: s.index, worker: s.workerId, backend: s.backend, durationMs: s.durationMs, attempts: s.attempts })),
    wallClockMs: shardProvenance(ev).wallClockMs,
  };
  return landAggregate(ev, { metrics, reliability, provenance, details: { kind: "integrity", verdict: reliability.verdict, ...metrics.evidence } });
}
