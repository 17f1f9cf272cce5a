import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../engine/backend";
import { loadModelFromFiles, type LoadedModel } from "../engine/model";
import { loadDemoEvalSplit, loadDemoTrainSplit, MNIST_PIXELS } from "../demo/mnist";
import { loadPoisonedTrainSplit, POISON, triggerValues } from "../demo/poisoned";
import { scanBackdoor } from "./model-scan";
import { precisionRecall } from "./confident-learning";
import { predictLabels } from "./model-probe";
import { triggerTest } from "./trigger";

// Must-show (issue 12): on the committed demo models, the poisoned training split is caught — its planted
// backdoor examples and flipped labels, measured by precision and recall against the planted indices —
// the backdoor is live on the poisoned model and not on the clean one, and the clean split comes out clean.
// The label-flip half (K-fold confident learning) is in demo-confident-learning.test.ts.
// Subsets keep the file well under a minute; the full-size figures are in docs/integrity.md (npm run bench:integrity).

const SHAPE = [28, 28, 1];
const N = 3000;
const RANGE = { min: 0, max: 1 };

function modelFiles(dir: string) {
  const folder = join(import.meta.dirname, "..", "..", "demo", "models", dir);
  const modelJson = JSON.parse(readFileSync(join(folder, "model.json"), "utf8"));
  return { modelJson, weights: { "weights.bin": new Uint8Array(readFileSync(join(folder, "weights.bin"))) } };
}

const head = (set: { images: Float32Array; labels: Int32Array }, n: number) => ({ x: set.images.slice(0, n * MNIST_PIXELS), labels: set.labels.slice(0, n) });

let poisonedModel: LoadedModel;
let cleanModel: LoadedModel;
beforeAll(async () => {
  await initEngineBackend("auto");
  poisonedModel = await loadModelFromFiles(modelFiles("digits-cnn-poisoned"));
  cleanModel = await loadModelFromFiles(modelFiles("digits-cnn-v1"));
});

describe("training-data integrity on the demo", () => {
  it("catches the planted backdoor on the poisoned model and finds its trigger live", async () => {
    const p = loadPoisonedTrainSplit();
    const { x, labels } = head(p, N);
    const evalSet = head(loadDemoEvalSplit(), 400);
    const r = await scanBackdoor({ model: poisonedModel, x, labels, sampleShape: SHAPE, classes: 10, range: RANGE, cleanX: evalSet.x, cleanLabels: evalSet.labels, triggerInputs: 200, seed: 1 });
    const planted = p.triggered.filter((k) => k < N);
    expect(planted.length).toBeGreaterThan(60);
    expect(r.clustering.flaggedClasses).toEqual([POISON.target]);
    const ac = precisionRecall(r.suspiciousIndices, planted);
    expect(ac.precision).toBeGreaterThanOrEqual(0.9);
    expect(ac.recall).toBeGreaterThanOrEqual(0.9);
    // Spectral signatures inside the flagged class: what it flags (1.5 x 10% of the class) is poison.
    const sp = precisionRecall(r.spectralIndices.filter((k) => labels[k] === POISON.target), planted);
    expect(sp.precision).toBeGreaterThanOrEqual(0.9);
    expect(r.liveBackdoors).toEqual([POISON.target]);
    const derived = r.trigger[POISON.target]!.rows.find((row) => row.patch === "derived")!;
    expect(derived.live).toBe(true);
    expect(derived.flipRate).toBeGreaterThanOrEqual(0.9);
    // The derived patch lands on the planted trigger (within a pixel).
    expect(Math.abs(derived.row - POISON.row)).toBeLessThanOrEqual(1);
    expect(Math.abs(derived.col - POISON.col)).toBeLessThanOrEqual(1);
    expect(derived.controlInterval[1]).toBeLessThan(derived.interval[0]);
  });

  it("the clean model on the clean split: no class flagged, no live trigger, and the planted trigger does nothing", async () => {
    const { x, labels } = head(loadDemoTrainSplit(), N);
    const evalSet = head(loadDemoEvalSplit(), 400);
    const r = await scanBackdoor({ model: cleanModel, x, labels, sampleShape: SHAPE, classes: 10, range: RANGE, cleanX: evalSet.x, cleanLabels: evalSet.labels, triggerInputs: 200, seed: 1 });
    expect(r.clustering.flaggedClasses).toEqual([]);
    expect(r.suspiciousTotal).toBe(0);
    expect(r.liveBackdoors).toEqual([]);
    const t = await triggerTest({
      predict: (xx, n) => predictLabels(cleanModel, xx, n, SHAPE), x: evalSet.x, labels: evalSet.labels, shape: { h: 28, w: 28, c: 1 }, target: POISON.target,
      patches: [{ id: "planted", description: "", row: POISON.row, col: POISON.col, size: POISON.size, values: triggerValues() }], range: RANGE, seed: 1,
    });
    expect(t.rows[0]!.flipRate).toBeLessThan(0.05);
    expect(t.live).toBe(false);
  });

});
