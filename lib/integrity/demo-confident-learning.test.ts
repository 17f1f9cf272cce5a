import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../engine/backend";
import { loadDemoTrainSplit, MNIST_PIXELS } from "../demo/mnist";
import { loadPoisonedTrainSplit } from "../demo/poisoned";
import { findLabelIssues, kFoldAssignment, precisionRecall } from "./confident-learning";
import { trainFoldAndPredict } from "./model-probe";

// Must-show (issue 12), label flips: out-of-sample probabilities from 3-fold cross-validation (the registered
// demo architecture retrained from scratch on 2 folds, predicting the third), then confident learning. On the
// first 3,000 digits of the poisoned split the flagged set is measured against the planted flips; on the clean
// split the flagged share stays well below. Full-size figures: docs/integrity.md (npm run bench:integrity).

const SHAPE = [28, 28, 1];
const modelJson = () => JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "demo", "models", "digits-cnn-poisoned", "model.json"), "utf8"));
const head = (set: { images: Float32Array; labels: Int32Array }, n: number) => ({ x: set.images.slice(0, n * MNIST_PIXELS), labels: set.labels.slice(0, n) });

beforeAll(async () => {
  await initEngineBackend("auto");
});

describe("confident learning on the demo", () => {
  it("confident learning on K-fold out-of-sample probabilities finds the flipped labels; the clean split stays near its natural error", async () => {
    const n = 3000;
    const run = async (set: { images: Float32Array; labels: Int32Array }) => {
      const { x, labels } = head(set, n);
      const folds = kFoldAssignment(labels, 3, 7);
      const probs = new Float32Array(n * 10);
      for (let f = 0; f < 3; f++) {
        const r = await trainFoldAndPredict({ modelJson: modelJson(), x, labels, shape: SHAPE, classes: 10, folds, fold: f, epochs: 3, seed: 3 });
        r.indices.forEach((k, i) => probs.set(r.probs.subarray(i * 10, (i + 1) * 10), k * 10));
      }
      return findLabelIssues(probs, labels, 10);
    };
    const p = loadPoisonedTrainSplit();
    const poisoned = await run(p);
    const flips = p.flipped.filter((k) => k < n);
    const pr = precisionRecall(poisoned.issues.map((i) => i.index), flips);
    expect(flips.length).toBeGreaterThan(40);
    const clean = await run(loadDemoTrainSplit());
    console.log(`confident learning, ${n} digits, 3 folds x 3 epochs: poisoned ${JSON.stringify(pr)}, flagged share ${poisoned.flaggedShare.toFixed(4)}; clean flagged share ${clean.flaggedShare.toFixed(4)}`);
    expect(pr.precision).toBeGreaterThanOrEqual(0.7);
    expect(pr.recall).toBeGreaterThanOrEqual(0.6);
    expect(clean.flaggedShare).toBeLessThan(poisoned.flaggedShare / 2);
  }, 120_000);
});
