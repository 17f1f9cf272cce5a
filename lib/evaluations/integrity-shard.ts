import { initEngineBackend } from "../engine/backend";
import type { LoadedModel } from "../engine/model";
import { asLayersFiles, loadWhiteBoxModel } from "../engine/formats";
import { preprocessingOf } from "../engine/card";
import { loadModelVersionForEngine } from "../registry/models";
import { loadDatasetForEngine, type DatasetForEngine } from "../registry/datasets";
import { scanDataset } from "../integrity/dataset-scan";
import { scanBackdoor } from "../integrity/model-scan";
import { trainFoldAndPredict } from "../integrity/model-probe";
import { kFoldAssignment } from "../integrity/confident-learning";
import { thumbnailOf, type IntegrityFoldOutput, type IntegrityScanOutput, type IntegrityShardTask, type Thumbnail } from "./integrity";
import { systemContext } from "../teams/context";

/*
 * One shard of an integrity evaluation, in the engine process (workers/shard-process.ts): loads the model
 * version and the datasets, then runs the scan shard or one cross-validation fold (lib/integrity).
 */

/** Held-out examples the trigger test stamps, at most. */
const TRIGGER_INPUTS = 500;
/**
 * Suspected examples stored with a thumbnail (most outlying first). Every suspect is stored with its scores;
 * past this many the results page says the image was not stored, so a scan flagging thousands stays small.
 */
export const SUSPECT_THUMBNAILS = 240;
/** Held-out examples the dataset scan compares with the training data for leakage, at most. */
const HELD_OUT_SCAN = 20_000;

function gather(ds: DatasetForEngine, indices: number[], labelMap: number[], pre: { scale: number; offset: number }) {
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const raw = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((di, i) => {
    raw.set(ds.x.subarray(di * size, (di + 1) * size), i * size);
    labels[i] = labelMap[ds.labels[di]!]!;
  });
  const identity = pre.scale === 1 && pre.offset === 0;
  const model = identity ? raw : raw.map((v) => v * pre.scale + pre.offset);
  return { raw, model, labels, size };
}

export async function runIntegrityShard(
  task: IntegrityShardTask,
  hooks: { onProgress: (done: number, total: number) => void; isCancelled: () => boolean },
): Promise<IntegrityScanOutput | IntegrityFoldOutput> {
  const backend = await initEngineBackend(task.backend);
  const version = await loadModelVersionForEngine(systemContext(task.teamId, "job"), task.modelVersionId);
  const card = version.engineCard;
  const pre = preprocessingOf(card);
  const modelRange = { min: card.inputRange.min * pre.scale + pre.offset, max: card.inputRange.max * pre.scale + pre.offset };
  const ds = await loadDatasetForEngine(systemContext(task.teamId, "job"), task.datasetVersionId);
  const train = gather(ds, task.indices, task.labelMap, pre);
  const n = task.indices.length;
  const classes = card.classLabels.length;
  const be = { backend: backend.backend, tfjsVersion: backend.tfjsVersion };

  if (task.part.type === "fold") {
    const folds = kFoldAssignment(train.labels, task.config.folds, task.seed);
    const r = await trainFoldAndPredict({
      modelJson: asLayersFiles(version.files).modelJson, x: train.model, labels: train.labels, shape: card.inputShape, classes, folds, fold: task.part.fold,
      epochs: task.config.epochs, seed: task.seed + 1,
      onEpoch: (epoch, epochs) => {
        if (hooks.isCancelled()) throw new Error("cancelled");
        hooks.onProgress(Math.round((epoch / epochs) * 1000), 1000);
      },
    });
    return {
      kind: "integrity", part: "fold", fold: task.part.fold, backend: be,
      positions: r.indices, probs: Array.from(r.probs, (p) => Math.round(p * 1e4) / 1e4), trainedOn: r.trainedOn, finalLoss: r.finalLoss,
    };
  }

  // The scan shard: the dataset scan first (no model), then the model's activations and the trigger test.
  hooks.onProgress(0, 4);
  let held: ReturnType<typeof gather> | null = null;
  if (task.heldOutDatasetVersionId && task.heldOutLabelMap) {
    const hd = await loadDatasetForEngine(systemContext(task.teamId, "job"), task.heldOutDatasetVersionId);
    held = gather(hd, Array.from({ length: Math.min(hd.count, HELD_OUT_SCAN) }, (_, i) => i), task.heldOutLabelMap, pre);
  }
  const datasetScan = scanDataset(
    [{ name: "training", x: train.raw, labels: train.labels }, ...(held ? [{ name: "held-out", x: held.raw, labels: held.labels }] : [])],
    { sampleShape: ds.sampleShape, range: card.inputRange, classes, maxExamples: 20 },
  );
  // Duplicate examples are reported by position in the scanned list; map the training part to dataset indices.
  for (const g of [...datasetScan.exactDuplicates.examples, ...datasetScan.nearDuplicates.examples]) {
    for (const m of g.members) if (m.part === "training") m.index = task.indices[m.index]!;
  }
  for (const k of ["nonFinite", "constant", "labelOutOfRange"] as const) for (const r of datasetScan.range.examples[k]) if (r.part === "training") r.index = task.indices[r.index]!;
  for (const r of datasetScan.range.examples.outOfRange) if (r.ref.part === "training") r.ref.index = task.indices[r.ref.index]!;
  hooks.onProgress(1, 4);
  if (hooks.isCancelled()) throw new Error("cancelled");

  const image = card.inputShape.length === 2 || card.inputShape.length === 3;
  let backdoorSkipped: string | null = null;
  let backdoor: IntegrityScanOutput["backdoor"] = null;
  const thumbnails: Record<string, Thumbnail> = {};
  const triggerThumbnails: Record<string, Thumbnail> = {};
  let model: LoadedModel | null = null;
  try {
    if (!image) backdoorSkipped = `the model's input [${card.inputShape.join(", ")}] is not an image: the trigger test stamps image patches.`;
    else {
      model = await loadWhiteBoxModel(version.files, card);
      const clean = held ?? train;
      const cleanCount = held ? Math.min(held.labels.length, TRIGGER_INPUTS * 2) : n;
      backdoor = await scanBackdoor({
        model, x: train.model, labels: train.labels, sampleShape: card.inputShape, classes, range: modelRange,
        cleanX: clean.model.subarray(0, cleanCount * clean.size), cleanLabels: clean.labels.subarray(0, cleanCount),
        expectedPoisonFraction: task.config.expectedPoisonFraction, triggerInputs: TRIGGER_INPUTS, seed: task.seed,
        onProgress: (step) => hooks.onProgress(step === "activations" ? 1 : step === "clustering" ? 2 : 3, 4),
      });
      // Suspicious examples by dataset index, with their thumbnails.
      backdoor.suspicious.forEach((s, rank) => {
        const di = task.indices[s.index]!;
        if (rank < SUSPECT_THUMBNAILS) thumbnails[String(di)] = thumbnailOf(train.raw, s.index * train.size, ds.sampleShape, card.inputRange);
        s.index = di;
      });
      backdoor.suspiciousIndices = backdoor.suspiciousIndices.map((p) => task.indices[p]!);
      backdoor.spectralIndices = backdoor.spectralIndices.map((p) => task.indices[p]!);
      for (const t of backdoor.trigger) {
        for (const ex of t.examples) {
          if (t.rows.find((r) => r.patch === ex.patch)?.live || ex.patch === "derived") {
            const values = Float32Array.from(ex.values, (v) => (v - pre.offset) / pre.scale);
            triggerThumbnails[`${t.target}:${ex.patch}`] = thumbnailOf(values, 0, ds.sampleShape, card.inputRange);
          }
          ex.values = [];
        }
      }
    }
  } finally {
    model?.dispose();
  }
  hooks.onProgress(4, 4);
  return { kind: "integrity", part: "scan", backend: be, datasetScan, backdoor, backdoorSkipped, thumbnails, triggerThumbnails, heldOutSamples: held?.labels.length ?? 0 };
}
