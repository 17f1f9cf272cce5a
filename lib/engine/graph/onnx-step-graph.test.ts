import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import type { EngineCard } from "../card";
import { crossEntropy, lossAndGrad, oneHotOf } from "../attacks/common";
import { createRng } from "../rng";
import { contextFor, engineTestBackends } from "../testing";
import { loadOnnxModel, toGraphInput, type OnnxCard } from "../onnx/executor";
import { buildOnnx, ints64, pytorchStyleCnn, weights, type TestModel } from "../onnx/testing";
import { withStepGraph } from "./attach";
import { onnxStepGraphOf } from "./onnx-step-graph";
import { decodeSavedModel } from "./tf-proto";

const native = (await engineTestBackends()).includes("tensorflow");
const FIXTURES = join(process.cwd(), "test", "fixtures", "onnx");

function resnet8() {
  const f = JSON.parse(readFileSync(join(FIXTURES, "resnet8-cifar.json"), "utf8")) as { card: EngineCard };
  return { onnx: new Uint8Array(readFileSync(join(FIXTURES, "resnet8-cifar.onnx"))), card: f.card };
}

/*
 * Values read by several nodes: r1 feeds a convolution, the residual Add and a product with that Add's result,
 * so its gradient is the sum of three contributions; the input feeds the first convolution (channels last) and
 * an Add with its output (the input's own layout). The card is channels last over a rank-4 graph (the graph
 * reads axis 1 as channels), normalised per last axis; a padded MaxPool and a Shape-driven flatten of a 4×4 map.
 */
function residualModel(): { model: TestModel; card: OnnxCard & EngineCard } {
  const bn = (p: string, seed: number) => ({
    [`${p}g`]: weights([4], seed, 0.5), [`${p}b`]: weights([4], seed + 1), [`${p}m`]: weights([4], seed + 2),
    [`${p}v`]: { dims: [4], data: [0.5, 1.5, 2, 0.8] },
  });
  const model: TestModel = {
    opset: 17,
    input: { name: "x", dims: ["batch", 4, 6, 6] },
    output: { name: "y" },
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "BatchNormalization", inputs: ["c1", "n1g", "n1b", "n1m", "n1v"], outputs: ["bn1"] },
      { op: "Add", inputs: ["x", "bn1"], outputs: ["xb"] },
      { op: "Relu", inputs: ["xb"], outputs: ["r1"] },
      { op: "Conv", inputs: ["r1", "w2"], outputs: ["c2"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "BatchNormalization", inputs: ["c2", "n2g", "n2b", "n2m", "n2v"], outputs: ["bn2"] },
      { op: "Add", inputs: ["bn2", "r1"], outputs: ["s"] },
      { op: "Mul", inputs: ["s", "r1"], outputs: ["m"] },
      { op: "Sub", inputs: ["m", "shift"], outputs: ["m2"] },
      { op: "MaxPool", inputs: ["m2"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["p"], outputs: ["r2"] },
      { op: "Shape", inputs: ["r2"], outputs: ["sh"] },
      { op: "Gather", inputs: ["sh", "i0"], outputs: ["n"], attrs: { axis: 0 } },
      { op: "Unsqueeze", inputs: ["n", "ax0"], outputs: ["n1"] },
      { op: "Concat", inputs: ["n1", "m1"], outputs: ["target"], attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["r2", "target"], outputs: ["f"] },
      { op: "Gemm", inputs: ["f", "w3", "b3"], outputs: ["y"], attrs: { transB: 1 } },
    ],
    initializers: {
      w1: weights([4, 4, 3, 3], 11), b1: weights([4], 12), w2: weights([4, 4, 3, 3], 13), ...bn("n1", 20), ...bn("n2", 30),
      shift: weights([4, 1, 1], 40), i0: { dims: [], data: [0], type: "int64" }, ax0: ints64([0]), m1: ints64([-1]),
      w3: weights([5, 64], 41), b3: weights([5], 42),
    },
  };
  const card = {
    inputShape: [4, 6, 6], inputRange: { min: 0, max: 1 }, preprocessing: "none" as const, classLabels: ["a", "b", "c", "d", "e"],
    normalization: { mean: [0.4, 0.5, 0.45, 0.5, 0.55, 0.6], std: [0.2, 0.25, 0.3, 0.22, 0.27, 0.24] },
  };
  return { model, card };
}

/** One of each remaining op, several of them after a value's layout changes: NCHW card, 8×8×3, 4 classes. */
function opZoo(): TestModel {
  return {
    opset: 17,
    input: { name: "x", dims: ["batch", 3, 8, 8] },
    output: { name: "y" },
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "LeakyRelu", inputs: ["c1"], outputs: ["l1"], attrs: { alpha: 0.1 } },
      { op: "Conv", inputs: ["l1", "wd", "bd"], outputs: ["d1"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], group: 6 } },
      { op: "Sigmoid", inputs: ["d1"], outputs: ["s1"] },
      { op: "AveragePool", inputs: ["s1"], outputs: ["a1"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Tanh", inputs: ["a1"], outputs: ["t1"] },
      { op: "Transpose", inputs: ["t1"], outputs: ["tr"], attrs: { perm: [0, 2, 3, 1] } },
      { op: "ReduceSum", inputs: ["tr", "ax1"], outputs: ["rs"], attrs: { keepdims: 1 } },
      { op: "Mul", inputs: ["rs", "rs"], outputs: ["sq"] },
      { op: "Sub", inputs: ["sq", "tr2"], outputs: ["df"] },
      { op: "Flatten", inputs: ["df"], outputs: ["f"], attrs: { axis: 1 } },
      { op: "Gemm", inputs: ["f", "w2", "b2"], outputs: ["y"], attrs: { transB: 1, alpha: 0.5, beta: 2 } },
    ],
    initializers: {
      w1: weights([6, 3, 3, 3], 51), b1: weights([6], 52), wd: weights([12, 1, 3, 3], 53), bd: weights([12], 54),
      ax1: ints64([1]), tr2: weights([1, 2, 12], 55), w2: weights([4, 24], 56), b2: weights([4], 57),
    },
  };
}

/** Feature-vector ops: Clip (both bounds), LeakyRelu of negative slope, Unsqueeze, Concat of two live values, Squeeze, Transpose, ReduceMean. */
function vectorZoo(): TestModel {
  return {
    opset: 17,
    input: { name: "x", dims: ["batch", 6] },
    output: { name: "y" },
    nodes: [
      { op: "Gemm", inputs: ["x", "w1", "b1"], outputs: ["h"], attrs: { transB: 1 } },
      { op: "Clip", inputs: ["h", "lo", "hi"], outputs: ["c"] },
      { op: "Unsqueeze", inputs: ["c", "ax1"], outputs: ["u1"] },
      // A negative slope: the gradient must read the input there (the output's sign differs from it).
      { op: "LeakyRelu", inputs: ["h"], outputs: ["lr"], attrs: { alpha: -0.4 } },
      { op: "Tanh", inputs: ["lr"], outputs: ["t"] },
      { op: "Unsqueeze", inputs: ["t", "ax1"], outputs: ["u2"] },
      { op: "Concat", inputs: ["u1", "u2", "u1"], outputs: ["cat"], attrs: { axis: 1 } },
      { op: "Transpose", inputs: ["cat"], outputs: ["tr"], attrs: { perm: [0, 2, 1] } },
      { op: "ReduceMean", inputs: ["tr"], outputs: ["m"], attrs: { axes: [2], keepdims: 1 } },
      { op: "Squeeze", inputs: ["m", "ax2"], outputs: ["sq"] },
      { op: "Gemm", inputs: ["sq", "w2", "b2"], outputs: ["y"], attrs: { transB: 1 } },
    ],
    initializers: {
      w1: weights([8, 6], 61, 0.8), b1: weights([8], 62), lo: { dims: [], data: [-0.5] }, hi: { dims: [], data: [0.8] },
      ax1: ints64([1]), ax2: ints64([2]), w2: weights([3, 8], 63), b2: weights([3], 64),
    },
  };
}

const nonGraphOps = (bytes: Uint8Array) =>
  decodeSavedModel(bytes).metaGraphs[0]!.graphDef.node.map((n) => n.op).filter((op) => !["Const", "Placeholder", "Shape"].includes(op));

describe("onnxStepGraphOf", () => {
  beforeAll(async () => { await initEngineBackend("cpu"); });

  it("writes the ResNet-8 fixture's step graph with its signature, summing the gradients of residual fan-outs", async () => {
    const { onnx, card } = resnet8();
    const model = await loadOnnxModel({ onnx }, card);
    const bytes = onnxStepGraphOf(model, card);
    expect(bytes).not.toBeNull();
    const [meta] = decodeSavedModel(bytes!).metaGraphs;
    const step = meta!.signatureDef.step!;
    expect(Object.keys(step.inputs).sort()).toEqual(["alpha", "hi", "lo", "onehot", "x"]);
    expect(Object.keys(step.outputs).sort()).toEqual(["grad", "logits", "loss", "next"]);
    expect(step.outputs.grad!.tensorShape.dim!.map((d) => d.size)).toEqual([-1, 32, 32, 3]);
    const ops = nonGraphOps(bytes!);
    const count = (op: string) => ops.filter((o) => o === op).length;
    expect(count("Conv2D")).toBe(9);
    expect(count("Conv2DBackpropInput")).toBe(9);
    expect(count("ReluGrad")).toBe(count("Relu"));
    // The stem's and each block's input reach two consumers (conv1 and the shortcut) and the Add's output both.
    expect(count("AddN")).toBe(3);
    expect(ops).toContain("Mean");
    expect(ops).toContain("BroadcastTo");
    expect(ops.filter((o) => o === "Transpose")).toEqual([]);
    model.dispose();
  });

  it("writes the ViT fixture's attention: q, k and v gathered from one tensor, their gradients put back and summed", async () => {
    const f = JSON.parse(readFileSync(join(FIXTURES, "vit-tiny.json"), "utf8")) as { card: EngineCard };
    const model = await loadOnnxModel({ onnx: new Uint8Array(readFileSync(join(FIXTURES, "vit-tiny.onnx"))) }, f.card);
    const bytes = onnxStepGraphOf(model, f.card);
    expect(bytes).not.toBeNull();
    const ops = nonGraphOps(bytes!);
    const count = (op: string) => ops.filter((o) => o === op).length;
    // Two blocks: three gathers each; two batched products forward, four backward.
    expect(count("GatherV2")).toBe(6);
    expect(count("BatchMatMulV2")).toBe(12);
    expect(count("ExpandDims")).toBe(6);
    // The card is channels last and so is the patch convolution: the ONNX input's NCHW transpose is no op.
    expect(count("Conv2D")).toBe(1);
    model.dispose();
  });

  it("returns null for an op it does not cover and for a graph with a fixed batch of 1", async () => {
    const mlp = (nodes: TestModel["nodes"], batch: number | string): TestModel => ({
      opset: 17, input: { name: "x", dims: [batch, 4] }, output: { name: "y" }, nodes,
      initializers: { w1: weights([4, 4], 1), w2: weights([3, 4], 2) },
    });
    const card = { inputShape: [4] };
    const abs = await loadOnnxModel({ onnx: buildOnnx(mlp([
      { op: "Gemm", inputs: ["x", "w1"], outputs: ["h"] }, { op: "Abs", inputs: ["h"], outputs: ["t"] }, { op: "Gemm", inputs: ["t", "w2"], outputs: ["y"], attrs: { transB: 1 } },
    ], "batch")) }, card);
    const reasons: string[] = [];
    expect(onnxStepGraphOf(abs, card, (r) => reasons.push(r))).toBeNull();
    expect(reasons).toEqual(["op Abs"]);
    const relu = mlp([{ op: "Gemm", inputs: ["x", "w1"], outputs: ["h"] }, { op: "Relu", inputs: ["h"], outputs: ["t"] }, { op: "Gemm", inputs: ["t", "w2"], outputs: ["y"], attrs: { transB: 1 } }], "batch");
    const covered = await loadOnnxModel({ onnx: buildOnnx(relu) }, card);
    expect(onnxStepGraphOf(covered, card)).not.toBeNull();
    const fixed = await loadOnnxModel({ onnx: buildOnnx({ ...relu, input: { name: "x", dims: [1, 4] } }) }, card);
    expect(fixed.onnx.perExample).toBe(true);
    expect(onnxStepGraphOf(fixed, card, (r) => reasons.push(r))).toBeNull();
    expect(reasons[1]).toBe("a graph exported with a fixed batch of 1");
    [abs, covered, fixed].forEach((m) => m.dispose());
  });
});

describe.runIf(native)("an ONNX model's step as one TensorFlow graph", () => {
  beforeAll(async () => { await initEngineBackend("tensorflow"); });
  const seen: string[] = [];

  /** The model loaded eagerly and its step graph loaded through tfjs-node. */
  async function load(onnx: Uint8Array, card: OnnxCard) {
    const tfn = await import("@tensorflow/tfjs-node");
    const model = await loadOnnxModel({ onnx }, card);
    let why = "";
    const bytes = onnxStepGraphOf(model, card, (r) => { why = r; });
    expect(bytes, why).not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "onnx-step-graph-"));
    writeFileSync(join(dir, "saved_model.pb"), bytes!);
    const graph = await tfn.node.loadSavedModel(dir, ["serve"], "step");
    return { model, graph, dir };
  }

  /** Graph against eager lossAndGrad on n seeded inputs in [0, 1]; returns the largest differences. */
  async function compare(onnx: Uint8Array, card: OnnxCard & EngineCard, n: number, seed: number) {
    const { model, graph, dir } = await load(onnx, card);
    const rng = createRng(seed, 0, "onnx-step-graph");
    const size = card.inputShape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(Float32Array.from({ length: n * size }, () => rng.next()), [n, ...card.inputShape]);
    const labels = Int32Array.from({ length: n }, () => Math.floor(rng.next() * model.numClasses));
    const oneHot = oneHotOf(labels, model.numClasses);
    const eager = lossAndGrad(contextFor(model, card), x, (z) => crossEntropy(z, oneHot));
    const out = graph.predict({ x, onehot: oneHot, lo: tf.scalar(-Infinity), hi: tf.scalar(Infinity), alpha: tf.scalar(0) }) as tf.NamedTensorMap;
    const maxAbs = (t: tf.Tensor) => tf.tidy(() => t.abs().max().dataSync()[0]!);
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => maxAbs(tf.sub(a, b)));
    expect(out.grad!.shape).toEqual(eager.grad.shape);
    const d = {
      logits: diff(out.logits!, eager.logits), logitsMax: maxAbs(eager.logits),
      loss: diff(out.loss!, eager.loss), lossMax: maxAbs(eager.loss),
      grad: diff(out.grad!, eager.grad), gradMax: maxAbs(eager.grad),
    };
    // Per example: the gradient within 1e-3 of the batch's largest entry, and the sign of every entry above that
    // noise floor the same.
    const floor = 1e-3 * d.gradMax;
    const [ge, gg] = [eager.grad.dataSync(), out.grad!.dataSync()];
    const off: number[] = [];
    for (let e = 0; e < n; e++) {
      let bad = false;
      for (let i = e * size; i < (e + 1) * size; i++) {
        if (Math.abs(ge[i]! - gg[i]!) > floor || (Math.abs(ge[i]!) > floor && Math.sign(ge[i]!) !== Math.sign(gg[i]!))) bad = true;
      }
      if (bad) off.push(e);
    }
    // Graph execution rounds differently (TensorFlow fuses ops), by ~1e-6 here: a ReLU input that close to 0 may
    // take the other side of the kink, and that example's gradient legitimately changes. Such an example is
    // excused only if the eager forward pass shows a ReLU input within 1e-5 of 0 for it.
    const capture = new Map<string, tf.Tensor>();
    tf.tidy(() => { model.onnx.run(toGraphInput(x, card), { capture }); });
    const nearKink = new Set<number>();
    for (const node of model.onnx.plan.filter((p) => p.opType === "Relu")) {
      const z = capture.get(node.inputs[0]!)!;
      const per = z.size / n, v = z.dataSync();
      for (let i = 0; i < v.length; i++) if (Math.abs(v[i]!) < 1e-5) nearKink.add(Math.floor(i / per));
    }
    capture.forEach((t) => t.dispose());
    const unexplained = off.filter((e) => !nearKink.has(e));
    let worstKept = 0;
    for (let e = 0; e < n; e++) {
      if (off.includes(e)) continue;
      for (let i = e * size; i < (e + 1) * size; i++) worstKept = Math.max(worstKept, Math.abs(ge[i]! - gg[i]!));
    }
    tf.dispose([x, oneHot, eager.logits, eager.loss, eager.grad, ...Object.values(out)]);
    graph.dispose();
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
    return { ...d, off, unexplained, worstKept };
  }

  const check = (name: string, d: Awaited<ReturnType<typeof compare>>, n: number) => {
    seen.push(
      `${name}: logits max|Δ| ${d.logits.toExponential(2)} (max ${d.logitsMax.toFixed(3)}), loss max|Δ| ${d.loss.toExponential(2)}, ` +
        `grad max|Δ|/max|g| ${(d.worstKept / d.gradMax).toExponential(2)} over ${n - d.off.length}/${n} examples` +
        (d.off.length ? `; examples ${d.off.join(", ")} off by ${(d.grad / d.gradMax).toExponential(2)}, each with a ReLU input within 1e-5 of its kink` : ""),
    );
    expect(d.logits).toBeLessThan(1e-4 * Math.max(1, d.logitsMax));
    expect(d.loss).toBeLessThan(1e-4 * Math.max(1, d.lossMax));
    expect(d.worstKept).toBeLessThan(1e-3 * d.gradMax);
    expect(d.unexplained).toEqual([]);
    expect(d.off.length).toBeLessThanOrEqual(n / 16);
  };

  it("gives the eager engine's logits, losses and input gradients on the ResNet-8 fixture (NCHW, normalised)", async () => {
    const { onnx, card } = resnet8();
    check("resnet8-cifar, 32 inputs", await compare(onnx, card, 32, 7), 32);
  });

  it.each(["resnet8-cifar", "vit-tiny"])("is attached to the %s fixture by withStepGraph, which checks it against the eager engine", async (name) => {
    const card = (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as { card: EngineCard }).card;
    const model = await loadOnnxModel({ onnx: new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`))) }, card);
    const { model: attached, outcome } = await withStepGraph(model, { card });
    expect(outcome).toEqual({ attached: true });
    expect(attached.crossEntropyStep).toBeDefined();
    attached.dispose();
  });

  it("covers depthwise Conv, LeakyRelu, Sigmoid, Tanh, AveragePool, a Transpose out of channels last, ReduceSum and Gemm's alpha/beta", async () => {
    const card = { inputShape: [8, 8, 3], inputLayout: "NCHW" as const, inputRange: { min: 0, max: 1 }, preprocessing: "none" as const, classLabels: ["a", "b", "c", "d"] };
    check("op zoo, 16 inputs", await compare(buildOnnx(opZoo()), card, 16, 11), 16);
  });

  it("covers Clip, a LeakyRelu of negative slope, Unsqueeze, Concat (a value twice), Squeeze and ReduceMean on feature vectors", async () => {
    const card = { inputShape: [6], inputRange: { min: 0, max: 1 }, preprocessing: "none" as const, classLabels: ["a", "b", "c"] };
    check("vector zoo, 16 inputs", await compare(buildOnnx(vectorZoo()), card, 16, 12), 16);
  });

  it("gives the eager engine's logits, losses and input gradients on the ViT fixture (attention, LayerNorm, GELU, q/k/v fan-out)", async () => {
    const card = (JSON.parse(readFileSync(join(FIXTURES, "vit-tiny.json"), "utf8")) as { card: EngineCard }).card;
    check("vit-tiny, 32 inputs", await compare(new Uint8Array(readFileSync(join(FIXTURES, "vit-tiny.onnx"))), card, 32, 10), 32);
  });

  it("gives the eager engine's logits, losses and input gradients on the MobileNetV3-style fixture (HardSwish, PReLU, a squeeze-excite gate, ELU, SELU, Softplus)", async () => {
    const card = (JSON.parse(readFileSync(join(FIXTURES, "mobilenet-v3-block.json"), "utf8")) as { card: EngineCard }).card;
    check("mobilenet-v3-block, 32 inputs", await compare(new Uint8Array(readFileSync(join(FIXTURES, "mobilenet-v3-block.onnx"))), card, 32, 13), 32);
  });

  it.each(["resnet8-cifar", "mobilenet-v3-block", "mnist-cnn", "tabular-mlp", "vit-tiny"])("gives PyTorch's logits and cross-entropy input gradients on the %s fixture's examples", async (name) => {
    const f = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as {
      card: EngineCard;
      examples: { shape: number[]; inputs: number[][]; labels: number[] };
      expected: { torchLogits: number[][] };
      gradients: { crossEntropySum: { grad: number[][] } };
    };
    const onnx = new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`)));
    const card = f.card;
    const { model, graph, dir } = await load(onnx, card);
    const x = tf.tensor(f.examples.inputs.flat(), f.examples.shape);
    const oneHot = oneHotOf(Int32Array.from(f.examples.labels), model.numClasses);
    const out = graph.predict({ x, onehot: oneHot, lo: tf.scalar(-Infinity), hi: tf.scalar(Infinity), alpha: tf.scalar(0) }) as tf.NamedTensorMap;
    const worst = (a: ArrayLike<number>, b: number[]) => b.reduce((m, v, i) => Math.max(m, Math.abs(v - a[i]!)), 0);
    const torchGrad = f.gradients.crossEntropySum.grad.flat();
    const gradRel = worst(out.grad!.dataSync(), torchGrad) / Math.max(...torchGrad.map(Math.abs));
    const logitsAbs = worst(out.logits!.dataSync(), f.expected.torchLogits.flat());
    seen.push(`${name} fixture examples vs PyTorch: logits max|Δ| ${logitsAbs.toExponential(2)}, grad max|Δ|/max|g| ${gradRel.toExponential(2)}`);
    // The tolerances docs/onnx.md states for the eager engine against PyTorch.
    expect(logitsAbs).toBeLessThan(1e-4);
    expect(gradRel).toBeLessThan(1e-3);
    tf.dispose([x, oneHot, ...Object.values(out)]);
    graph.dispose();
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sums a fan-out's gradients: residual Add, a product of two live values, BatchNorm, padded MaxPool, channels-last card", async () => {
    const { model, card } = residualModel();
    check("residual model, 16 inputs", await compare(buildOnnx(model), card, 16, 8), 16);
  });

  it("runs the PyTorch-style CNN with a Shape-driven Reshape and a final Softmax the logits skip", async () => {
    const card = { inputShape: [8, 8, 3], inputLayout: "NCHW" as const, inputRange: { min: 0, max: 1 }, preprocessing: "none" as const, classLabels: ["a", "b", "c"] };
    check("PyTorch-style CNN, 16 inputs", await compare(buildOnnx(pytorchStyleCnn()), card, 16, 9), 16);
    console.log(`[onnx step graph]\n${seen.join("\n")}`);
  });
});
