import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

// The committed ONNX fixtures (scripts/onnx/make_fixtures.py) agree with onnxruntime-node, the reference
// runtime of the upload check, and their JSON is complete: the engine's parity tests can rely on both
// without Python.

const DIR = join(import.meta.dirname, "fixtures", "onnx");
const MODELS = ["mnist-cnn", "resnet8-cifar", "vit-tiny", "tabular-mlp"];

interface Fixture {
  model: string;
  inputName: string;
  outputName: string;
  card: { inputShape: number[]; layout?: "NCHW" | "NHWC"; normalization: { mean: number[]; std: number[] }; classLabels: string[] };
  examples: { shape: number[]; inputs: number[][]; labels: number[] };
  expected: { torchLogits: number[][]; ortLogits: number[][] };
  gradients: { crossEntropySum: { grad: number[][] }; trueLogitSum: { grad: number[][] } };
}

/** (x - mean) / std with the channel on axis 1 (NCHW) or last (NHWC, tabular), as the card says. */
function normalise(f: Fixture, x: number[]): Float32Array {
  const { mean, std } = f.card.normalization;
  const shape = f.card.inputShape;
  const out = new Float32Array(x.length);
  const inner = f.card.layout === "NCHW" ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % mean.length;
    out[i] = (Math.fround(x[i]) - Math.fround(mean[c])) / Math.fround(std[c]);
  }
  return out;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.each(MODELS)("ONNX fixture %s", (name) => {
  const f = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as Fixture;
  const perExample = f.card.inputShape.reduce((a, b) => a * b, 1);

  it("has one input, label, logits row and gradient per example, in the card's shape", () => {
    const n = f.examples.labels.length;
    expect(f.examples.shape).toEqual([n, ...f.card.inputShape]);
    for (const rows of [f.examples.inputs, f.gradients.crossEntropySum.grad, f.gradients.trueLogitSum.grad]) {
      expect(rows).toHaveLength(n);
      for (const r of rows) expect(r).toHaveLength(perExample);
    }
    for (const rows of [f.expected.torchLogits, f.expected.ortLogits]) {
      expect(rows).toHaveLength(n);
      for (const r of rows) expect(r).toHaveLength(f.card.classLabels.length);
    }
    expect(f.examples.inputs.flat().every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("gives the stored logits on onnxruntime-node, for the whole batch and one example at a time", async () => {
    const session = await ort.InferenceSession.create(readFileSync(join(DIR, f.model)), { intraOpNumThreads: 1 });
    try {
      const n = f.examples.labels.length;
      const data = new Float32Array(n * perExample);
      f.examples.inputs.forEach((x, i) => data.set(normalise(f, x), i * perExample));
      const run = async (from: number, count: number) => {
        const input = new ort.Tensor("float32", data.slice(from * perExample, (from + count) * perExample), [count, ...f.card.inputShape]);
        const out = await session.run({ [f.inputName]: input });
        return out[f.outputName]!.data as Float32Array;
      };
      const batch = await run(0, n);
      expect(maxAbs(batch, f.expected.ortLogits.flat())).toBeLessThan(1e-4);
      expect(maxAbs(batch, f.expected.torchLogits.flat())).toBeLessThan(1e-4);
      const single = await run(n - 1, 1);
      expect(maxAbs(single, f.expected.ortLogits[n - 1]!)).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });
});
