import * as tf from "@tensorflow/tfjs";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { createRng } from "../rng";
import { engineTestBackends } from "../testing";
import { compileOnnx, loadOnnxModel } from "./executor";
import { buildOnnx, ints64, weights, type TestModel, type TestNode, type TestTensor } from "./testing";

/*
 * Each supported operator (and the attribute variants PyTorch exports) against ONNX Runtime on the same
 * random input, on every engine backend; input gradients through a mixed graph against finite differences.
 */

const rand = (dims: number[], seed: number, lo = -1, hi = 1) => {
  const rng = createRng(seed, 0, "onnx-exec");
  return Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rng.next());
};

async function reference(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "disabled" });
  const out = await s.run({ x: new ort.Tensor("float32", x, dims) });
  await s.release();
  return out.y.data as Float32Array;
}

/** Runs a one-input graph on the engine (model layout, no card transforms) and on ONNX Runtime. */
async function both(m: TestModel, dims: number[], seed = 1) {
  const bytes = buildOnnx({ ...m, input: { name: "x", dims: ["N", ...dims.slice(1)] } });
  const x = rand(dims, seed);
  const compiled = compileOnnx({ onnx: bytes }, { inputShape: dims.slice(1) });
  const y = tf.tidy(() => compiled.run(tf.tensor(x, dims), { full: true }));
  const ours = (await y.data()) as Float32Array;
  const shape = y.shape;
  y.dispose();
  compiled.dispose();
  const ref = await reference(bytes, x, dims);
  let diff = 0;
  for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
  return { ours, ref, diff, shape };
}

const one = (op: string, attrs: TestNode["attrs"] = {}, extra: string[] = [], init: Record<string, TestTensor> = {}, opset = 17): TestModel => ({
  opset, nodes: [{ op, inputs: ["x", ...extra], outputs: ["y"], attrs }], initializers: init,
});

interface Case { name: string; model: TestModel; dims: number[] }
const cases: Case[] = [
  { name: "Conv pads+stride+bias", dims: [2, 3, 9, 9], model: one("Conv", { kernel_shape: [3, 3], pads: [1, 0, 2, 1], strides: [2, 2] }, ["w", "b"], { w: weights([4, 3, 3, 3], 1), b: weights([4], 2) }) },
  { name: "Conv dilations", dims: [2, 2, 10, 10], model: one("Conv", { kernel_shape: [3, 3], dilations: [2, 3] }, ["w"], { w: weights([3, 2, 3, 3], 3) }) },
  { name: "Conv groups=2", dims: [2, 4, 6, 6], model: one("Conv", { group: 2, pads: [1, 1, 1, 1] }, ["w", "b"], { w: weights([6, 2, 3, 3], 4), b: weights([6], 5) }) },
  { name: "Conv depthwise (groups=C, multiplier 2)", dims: [2, 3, 7, 7], model: one("Conv", { group: 3, strides: [2, 1] }, ["w"], { w: weights([6, 1, 3, 3], 6) }) },
  { name: "Conv auto_pad SAME_UPPER", dims: [1, 2, 8, 7], model: one("Conv", { auto_pad: "SAME_UPPER", strides: [2, 2] }, ["w"], { w: weights([2, 2, 4, 4], 7) }) },
  { name: "Conv auto_pad SAME_LOWER", dims: [1, 2, 8, 7], model: one("Conv", { auto_pad: "SAME_LOWER", strides: [2, 2] }, ["w"], { w: weights([2, 2, 4, 4], 8) }) },
  { name: "Conv 1-D", dims: [2, 3, 11], model: one("Conv", { pads: [1, 2], strides: [2] }, ["w", "b"], { w: weights([4, 3, 3], 9), b: weights([4], 10) }) },
  { name: "MaxPool pads + ceil_mode", dims: [2, 3, 7, 7], model: one("MaxPool", { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }) },
  { name: "AveragePool pads, count_include_pad 0", dims: [2, 3, 6, 6], model: one("AveragePool", { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: "AveragePool pads, count_include_pad 1", dims: [2, 3, 6, 6], model: one("AveragePool", { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }) },
  { name: "GlobalAveragePool", dims: [2, 3, 5, 4], model: one("GlobalAveragePool") },
  { name: "Gemm transB alpha beta", dims: [3, 5], model: one("Gemm", { transB: 1, alpha: 0.5, beta: 1.5 }, ["w", "b"], { w: weights([4, 5], 11), b: weights([4], 12) }) },
  { name: "MatMul batched 3-D x 2-D", dims: [2, 3, 5], model: one("MatMul", {}, ["w"], { w: weights([5, 4], 13) }) },
  { name: "BatchNormalization", dims: [2, 3, 4, 4], model: one("BatchNormalization", { epsilon: 1e-3 }, ["s", "b", "m", "v"], { s: weights([3], 14), b: weights([3], 15), m: weights([3], 16), v: { dims: [3], data: [0.5, 1.5, 2] } }) },
  { name: "LayerNormalization", dims: [2, 3, 6], model: one("LayerNormalization", { epsilon: 1e-5 }, ["s", "b"], { s: weights([6], 17), b: weights([6], 18) }) },
  { name: "Gelu (erf)", dims: [2, 7], model: one("Gelu", {}, [], {}, 20) },
  { name: "Gelu (tanh)", dims: [2, 7], model: one("Gelu", { approximate: "tanh" }, [], {}, 20) },
  { name: "Erf", dims: [2, 7], model: one("Erf") },
  { name: "LeakyRelu", dims: [2, 7], model: one("LeakyRelu", { alpha: 0.2 }) },
  { name: "HardSigmoid (attributes)", dims: [2, 9], model: one("HardSigmoid", { alpha: 0.3, beta: 0.4 }) },
  { name: "HardSwish", dims: [2, 3, 4, 4], model: one("HardSwish", {}, [], {}, 14) },
  { name: "PRelu, a slope per channel", dims: [2, 3, 4, 4], model: one("PRelu", {}, ["s"], { s: { dims: [3, 1, 1], data: [0.25, -0.5, 2] } }) },
  { name: "Elu", dims: [2, 9], model: one("Elu", { alpha: 0.7 }) },
  { name: "Selu (defaults)", dims: [2, 9], model: one("Selu") },
  { name: "Softplus", dims: [2, 9], model: one("Softplus") },
  { name: "Softsign", dims: [2, 9], model: one("Softsign") },
  { name: "Sum of three (broadcast)", dims: [2, 5], model: one("Sum", {}, ["w", "x"], { w: weights([5], 19) }) },
  { name: "Mean of three", dims: [2, 5], model: one("Mean", {}, ["w", "x"], { w: weights([2, 5], 23) }) },
  { name: "ReduceMin (opset 13 attr)", dims: [2, 3, 4], model: one("ReduceMin", { axes: [2], keepdims: 1 }, [], {}, 13) },
  { name: "Softmax axis 1 of 3", dims: [2, 4, 3], model: one("Softmax", { axis: 1 }) },
  { name: "LogSoftmax", dims: [2, 5], model: one("LogSoftmax") },
  { name: "Clip", dims: [2, 7], model: one("Clip", {}, ["lo", "hi"], { lo: { dims: [], data: [-0.3] }, hi: { dims: [], data: [0.4] } }) },
  { name: "Pad reflect", dims: [1, 2, 4, 4], model: one("Pad", { mode: "reflect" }, ["p"], { p: ints64([0, 0, 1, 2, 0, 0, 2, 1]) }) },
  { name: "Pad edge", dims: [1, 2, 4, 4], model: one("Pad", { mode: "edge" }, ["p"], { p: ints64([0, 0, 1, 2, 0, 0, 2, 1]) }) },
  { name: "Pad constant", dims: [1, 2, 4, 4], model: one("Pad", {}, ["p", "v"], { p: ints64([0, 0, 1, 0, 0, 0, 0, 2]), v: { dims: [], data: [0.5] } }) },
  { name: "ReduceMean (opset 13 attr)", dims: [2, 3, 4], model: one("ReduceMean", { axes: [1], keepdims: 0 }, [], {}, 13) },
  { name: "ReduceMean (opset 18 input)", dims: [2, 3, 4], model: one("ReduceMean", {}, ["a"], { a: ints64([-1]) }, 18) },
  { name: "Slice negative step", dims: [2, 6, 5], model: one("Slice", {}, ["s", "e", "a", "st"], { s: ints64([-1, 1]), e: ints64([-100, 5]), a: ints64([1, 2]), st: ints64([-2, 2]) }) },
  { name: "Transpose + Flatten", dims: [2, 3, 4], model: { nodes: [{ op: "Transpose", inputs: ["x"], outputs: ["t"], attrs: { perm: [0, 2, 1] } }, { op: "Flatten", inputs: ["t"], outputs: ["y"] }] } },
  {
    name: "Split + Concat + Pow + Sqrt + Div",
    dims: [2, 6],
    model: {
      nodes: [
        { op: "Split", inputs: ["x", "sp"], outputs: ["a", "b"], attrs: { axis: 1 } },
        { op: "Pow", inputs: ["a", "two"], outputs: ["a2"] },
        { op: "Abs", inputs: ["b"], outputs: ["ab"] },
        { op: "Sqrt", inputs: ["ab"], outputs: ["sb"] },
        { op: "Div", inputs: ["a2", "three"], outputs: ["d"] },
        { op: "Concat", inputs: ["d", "sb"], outputs: ["y"], attrs: { axis: 1 } },
      ],
      initializers: { sp: ints64([2, 4]), two: { dims: [], data: [2] }, three: { dims: [], data: [3] } },
    },
  },
  {
    name: "class token: Shape/Gather/Expand/Concat, Gather of a position, positional Add",
    dims: [2, 4, 3],
    model: {
      nodes: [
        { op: "Shape", inputs: ["x"], outputs: ["s"] },
        { op: "Gather", inputs: ["s", "i0"], outputs: ["n"], attrs: { axis: 0 } },
        { op: "Unsqueeze", inputs: ["n", "ax0"], outputs: ["n1"] },
        { op: "Concat", inputs: ["n1", "one_three"], outputs: ["shape"], attrs: { axis: 0 } },
        { op: "Expand", inputs: ["cls", "shape"], outputs: ["clsb"] },
        { op: "Concat", inputs: ["clsb", "x"], outputs: ["tok"], attrs: { axis: 1 } },
        { op: "Add", inputs: ["tok", "pos"], outputs: ["tp"] },
        { op: "Gather", inputs: ["tp", "i0"], outputs: ["y"], attrs: { axis: 1 } },
      ],
      initializers: { i0: { dims: [], data: [0], type: "int64" }, ax0: ints64([0]), one_three: ints64([1, 3]), cls: weights([1, 1, 3], 20), pos: weights([1, 5, 3], 21) },
    },
  },
  {
    name: "embedding table Gather (constant table, many indices) + ConstantOfShape + Where + Equal",
    dims: [2, 20],
    model: {
      nodes: [
        { op: "Gather", inputs: ["table", "idx"], outputs: ["e"], attrs: { axis: 0 } },
        { op: "ReduceSum", inputs: ["e", "ax1"], outputs: ["es"], attrs: { keepdims: 0 } },
        { op: "Add", inputs: ["x", "es"], outputs: ["xs"] },
        { op: "ConstantOfShape", inputs: ["sh"], outputs: ["z"], attrs: { value: { tensor: { dims: [1], data: [0.25] } } } },
        { op: "Equal", inputs: ["mask", "one"], outputs: ["m"] },
        { op: "Where", inputs: ["m", "xs", "z"], outputs: ["y"] },
      ],
      initializers: {
        table: weights([30, 20], 22), idx: { dims: [20], data: Array.from({ length: 20 }, (_, i) => (i * 7) % 30), type: "int64" }, ax1: ints64([0]),
        sh: ints64([2, 20]), mask: { dims: [20], data: Array.from({ length: 20 }, (_, i) => i % 2), type: "int64" }, one: { dims: [], data: [1], type: "int64" },
      },
    },
  },
];

/**
 * The engine's input gradient of a fixed mix of the logits, against central differences at a few inputs. A
 * graph of piecewise-linear activations wants a small step h, so that no difference spans a kink.
 */
async function expectFiniteDifferences(bytes: Uint8Array, seed: number, h = 1e-2) {
  const m = await loadOnnxModel({ onnx: bytes }, { inputShape: [6, 6, 2], inputLayout: "NCHW" });
  const x = tf.tensor(rand([1, 6, 6, 2], seed, 0, 1), [1, 6, 6, 2]);
  const f = (xx: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(m.logits(xx), tf.tensor1d([1, -2, 0.5]))));
  const g = await tf.grad(f)(x).data();
  const xd = await x.data();
  let worst = 0, scale = 0;
  for (const i of [0, 7, 20, 33, 50, 71]) {
    const up = Float32Array.from(xd), dn = Float32Array.from(xd);
    up[i] += h; dn[i] -= h;
    const fd = ((await f(tf.tensor(up, x.shape)).data())[0] - (await f(tf.tensor(dn, x.shape)).data())[0]) / (2 * h);
    worst = Math.max(worst, Math.abs(fd - g[i]));
    scale = Math.max(scale, Math.abs(g[i]));
  }
  expect(scale).toBeGreaterThan(1e-3);
  expect(worst).toBeLessThan(2e-3 + 2e-2 * scale);
  m.dispose();
}

for (const backend of await engineTestBackends()) {
  describe(`ONNX operators vs ONNX Runtime (${backend})`, () => {
    beforeAll(async () => { await initEngineBackend(backend); });

    it.each(cases)("$name", async ({ model, dims }) => {
      const { diff, ours, ref } = await both(model, dims);
      expect(ours.length).toBe(ref.length);
      expect(diff).toBeLessThan(2e-5);
    });

    it("input gradients through conv, pool, LayerNorm, GELU and softmax-free head match finite differences", async () => {
      const bytes = buildOnnx({
        opset: 20,
        input: { name: "x", dims: ["N", 2, 6, 6] },
        nodes: [
          { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1], dilations: [1, 1], group: 1 } },
          { op: "AveragePool", inputs: ["c"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
          { op: "Flatten", inputs: ["p"], outputs: ["f"] },
          { op: "LayerNormalization", inputs: ["f", "s", "lb"], outputs: ["l"] },
          { op: "Gelu", inputs: ["l"], outputs: ["g"] },
          { op: "Gemm", inputs: ["g", "w2"], outputs: ["y"], attrs: { transB: 1 } },
        ],
        initializers: { w: weights([3, 2, 3, 3], 30), b: weights([3], 31), s: weights([27], 32), lb: weights([27], 33), w2: weights([3, 27], 34) },
      });
      await expectFiniteDifferences(bytes, 40);
    });
    it("input gradients through PRelu, HardSwish, HardSigmoid, Elu, Selu and Softplus match finite differences", async () => {
      const bytes = buildOnnx({
        opset: 14,
        input: { name: "x", dims: ["N", 2, 6, 6] },
        nodes: [
          { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
          { op: "PRelu", inputs: ["c", "s"], outputs: ["p"] },
          { op: "HardSwish", inputs: ["p"], outputs: ["h"] },
          { op: "HardSigmoid", inputs: ["c"], outputs: ["hs"] },
          { op: "Mul", inputs: ["h", "hs"], outputs: ["m"] },
          { op: "Elu", inputs: ["m"], outputs: ["e"], attrs: { alpha: 0.5 } },
          { op: "Selu", inputs: ["e"], outputs: ["se"] },
          { op: "Softplus", inputs: ["se"], outputs: ["sp"] },
          { op: "AveragePool", inputs: ["sp"], outputs: ["ap"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
          { op: "Flatten", inputs: ["ap"], outputs: ["f"] },
          { op: "Gemm", inputs: ["f", "w2"], outputs: ["y"], attrs: { transB: 1 } },
        ],
        initializers: { w: weights([3, 2, 3, 3], 35, 2), b: weights([3], 36), s: { dims: [3, 1, 1], data: [0.25, -0.5, 2] }, w2: weights([3, 27], 37) },
      });
      await expectFiniteDifferences(bytes, 41, 1e-3);
    });
    it("runs without leaking tensors", async () => {
      const before = tf.memory().numTensors;
      await both(cases[0].model, cases[0].dims);
      await both(cases[cases.length - 2].model, cases[cases.length - 2].dims);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
