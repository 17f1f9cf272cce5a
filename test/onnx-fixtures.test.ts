import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

// The committed ONNX fixtures (scripts/onnx/make_fixtures.py) agree with onnxruntime-node, the reference
// runtime of the upload check, and their JSON is complete: the engine's parity tests can rely on both
// without Python.

const DIR = join(import.meta.dirname, "fixtures", "onnx");
const MODELS = ["mnist-cnn", "resnet8-cifar", "mobilenet-v3-block", "vit-tiny", "tabular-mlp"];

interface Fixture {
  model: string;
  inputName: string;
  outputName: string;
  card: { inputShape: number[]; inputLayout?: "NCHW" | "NHWC"; normalization: { mean: number[]; std: number[] }; classLabels: string[] };
  examples: { shape: number[]; modelInputShape: number[]; inputs: number[][]; labels: number[] };
  expected: { torchLogits: number[][]; ortLogits: number[][] };
  gradients: { crossEntropySum: { grad: number[][] }; trueLogitSum: { grad: number[][] } };
}

/**
 * What the model receives for one stored input: (x - mean) / std per channel (the last dimension of the
 * card's channels-last inputShape), transposed to channels first for an NCHW model.
 */
function modelInput(f: Fixture, x: number[]): Float32Array {
  const { mean, std } = f.card.normalization;
  const channels = f.card.inputShape.at(-1)!;
  const norm = x.map((v, i) => (Math.fround(v) - Math.fround(mean[i % channels % mean.length])) / Math.fround(std[i % channels % std.length]));
  if (f.card.inputLayout !== "NCHW") return Float32Array.from(norm);
  const [h, w, c] = f.card.inputShape as [number, number, number];
  const out = new Float32Array(norm.length);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let k = 0; k < c; k++) out[k * h * w + y * w + xx] = norm[(y * w + xx) * c + k];
  return out;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.each(MODELS)("ONNX fixture %s", (name) => {
  const f = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as Fixture;
  const perExample = f.card.inputShape.reduce((a, b) => a * b, 1);

  it("has one input, label, logits row and gradient per example, in the card's shape", () => {
    const n = f.examples.labels.length;
    expect(f.examples.shape).toEqual([n, ...f.card.inputShape]);
    const [, ...model] = f.examples.modelInputShape;
    expect(model).toEqual(f.card.inputLayout === "NCHW" ? [f.card.inputShape[2], f.card.inputShape[0], f.card.inputShape[1]] : f.card.inputShape);
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
      f.examples.inputs.forEach((x, i) => data.set(modelInput(f, x), i * perExample));
      const run = async (from: number, count: number) => {
        const input = new ort.Tensor("float32", data.slice(from * perExample, (from + count) * perExample), [count, ...f.examples.modelInputShape.slice(1)]);
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
