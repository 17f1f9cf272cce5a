import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../engine/backend";
import { loadModelFromFiles, type LoadedModel } from "../engine/model";
import { loadDemoEvalSplit, MNIST_PIXELS } from "../demo/mnist";
import { nearBoundaryShare } from "./attack-signal";
import { justAcross } from "./test-helpers";

// The attack-pattern signal on the demo models: natural digits are mostly far from a decision boundary,
// inputs pushed just across one (a few small PGD steps, stopping as soon as the prediction flips) are
// flagged, and the computation leaves no tensor behind.

async function demoModel(v: "v1" | "v2"): Promise<LoadedModel> {
  const dir = join(process.cwd(), "demo", "models", `digits-cnn-${v}`);
  return loadModelFromFiles({ modelJson: await readFile(join(dir, "model.json")), weights: { "weights.bin": new Uint8Array(await readFile(join(dir, "weights.bin"))) } });
}

describe("nearBoundaryShare", () => {
  let v1: LoadedModel;
  const n = 60;
  const split = loadDemoEvalSplit();
  const x = split.images.slice(0, n * MNIST_PIXELS);

  beforeAll(async () => {
    await initEngineBackend("auto");
    v1 = await demoModel("v1");
    return () => v1.dispose();
  }, 120_000);

  it("flags few natural digits and most inputs pushed just across a boundary", () => {
    const before = tf.memory().numTensors;
    const clean = nearBoundaryShare(v1, x, n, { min: 0, max: 1 });
    expect(tf.memory().numTensors).toBe(before);
    const adv = nearBoundaryShare(v1, justAcross(v1, x, n), n, { min: 0, max: 1 });
    console.log(`near-boundary share on the standard model: natural ${clean.share}, minimal adversarials ${adv.share}`);
    expect(clean.tested).toBe(n);
    expect(clean.share).toBeLessThan(0.2);
    expect(adv.share).toBeGreaterThan(0.6);
  });

  it("checks the input size", () => {
    expect(() => nearBoundaryShare(v1, new Float32Array(10), 1, { min: 0, max: 1 })).toThrow(/expected 1 × 784/);
  });
});
