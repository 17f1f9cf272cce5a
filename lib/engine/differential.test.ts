import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles, validateModelForEngine, type ModelFiles } from "./model";
import { pgdAttack } from "./attacks/pgd";
import { crossEntropy, lossAndGrad, oneHotOf } from "./attacks/common";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { cardFor, contextFor, engineTestBackends, layersModelToFiles } from "./testing";

/*
 * Differential suite (issue 16): a table of small layer configurations x every backend present. For each, the
 * engine's real path (model files -> loadModelFromFiles -> attack loss on logits) gives the input gradient,
 * compared with the tfjs cpu backend (the reference among tfjs backends), and a short PGD run whose robust
 * accuracy is compared too. Configurations a backend cannot attack by design are asserted to be refused by the
 * registry's validation with the layer named, never skipped.
 *
 * Tolerances (why):
 * - GRAD_TOL: max |g - g_cpu| / max |g_cpu| <= 1e-4. Backends sum float32 in different orders (relative error
 *   ~1e-6 per op); a wrong kernel (tie rule, masked window, missing term) moves whole entries, i.e. O(1).
 * - Signs agree on every entry above SIGN_FLOOR (1e-3) of the largest: below it the sign may be rounding noise.
 * - PGD robust accuracy within PGD_TOL_EXAMPLES (1) example of the cpu count: five signed steps can amplify a
 *   rounding difference on an example sitting on the decision boundary, never on many.
 */
const GRAD_TOL = 1e-4;
const SIGN_FLOOR = 1e-3;
const PGD_TOL_EXAMPLES = 1;

type Backend = "cpu" | "wasm" | "tensorflow";
const backends = (await engineTestBackends()) as Backend[];

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Data = "uniform" | "ties" | "negative";
interface Config {
  name: string;
  inputShape: [number, number, number];
  /** uniform in [0,1]; ties: values in {0, 0.5, 1} (flat regions, tied pooling windows); negative: in [-1, 0]. */
  data: Data;
  /** The layers under test; a Flatten + Dense(3) head is appended so that the model has logits. */
  layers: () => tf.layers.Layer[];
  /** Build as a functional model (model.apply path) instead of a Sequential (layer-by-layer path). */
  functional?: boolean;
  /** Backends that must refuse the model by design, and the layer the refusal must name. */
  refusedOn?: { backends: Backend[]; layer: RegExp };
}

let seedCounter = 100;
const init = () => tf.initializers.glorotUniform({ seed: seedCounter++ });
const conv = (o: Partial<Parameters<typeof tf.layers.conv2d>[0]>) =>
  tf.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: init(), biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seedCounter++ }), ...o });
const dw = (o: Partial<Parameters<typeof tf.layers.depthwiseConv2d>[0]>) =>
  tf.layers.depthwiseConv2d({ kernelSize: 3, depthwiseInitializer: init(), biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seedCounter++ }), ...o });

const S: [number, number, number] = [9, 9, 3];
const configs: Config[] = [
  { name: "conv2d 3x3 same s1, bias, relu", inputShape: S, data: "uniform", layers: () => [conv({ padding: "same", activation: "relu" })] },
  { name: "conv2d 3x3 same s1, bias, linear (fused with bias on model.apply)", inputShape: S, data: "uniform", layers: () => [conv({ padding: "same" })] },
  { name: "conv2d 3x3 valid s2, no bias, relu", inputShape: S, data: "uniform", layers: () => [conv({ padding: "valid", strides: 2, useBias: false, activation: "relu" })] },
  { name: "conv2d 2x2 same s2, bias, tanh", inputShape: S, data: "uniform", layers: () => [conv({ kernelSize: 2, padding: "same", strides: 2, activation: "tanh" })] },
  { name: "conv2d 5x5 valid s1, no bias, linear", inputShape: S, data: "ties", layers: () => [conv({ kernelSize: 5, padding: "valid", useBias: false })] },
  { name: "conv2d 3x3 dilation 2 same, relu", inputShape: S, data: "uniform", layers: () => [conv({ padding: "same", dilationRate: 2, activation: "relu" })] },
  { name: "conv2d 3x3 dilation 2 valid, bias", inputShape: S, data: "uniform", layers: () => [conv({ padding: "valid", dilationRate: 2 })] },
  {
    name: "conv2d dilation 2 in a functional model (tfjs has no dilated-conv gradient on any backend)",
    inputShape: S, data: "uniform", functional: true, layers: () => [conv({ name: "dilated_conv", padding: "same", dilationRate: 2 })],
    refusedOn: { backends: ["cpu", "wasm", "tensorflow"], layer: /layer "dilated_conv" \(Conv2D\)/ },
  },
  { name: "conv2d same + relu, functional model (fused conv on model.apply)", inputShape: S, data: "uniform", functional: true, layers: () => [conv({ padding: "same", activation: "relu" })] },
  { name: "depthwise 3x3 same s1, bias, relu", inputShape: S, data: "uniform", layers: () => [dw({ padding: "same", activation: "relu" })] },
  { name: "depthwise 3x3 valid s2, no bias", inputShape: S, data: "uniform", layers: () => [dw({ padding: "valid", strides: 2, useBias: false })] },
  { name: "depthwise 3x3 same s2, multiplier 2", inputShape: S, data: "uniform", layers: () => [dw({ padding: "same", strides: 2, depthMultiplier: 2 })] },
  { name: "depthwise 3x3 dilation 2 same", inputShape: S, data: "uniform", layers: () => [dw({ padding: "same", dilationRate: 2 })] },
  { name: "depthwise in a functional model, relu", inputShape: S, data: "ties", functional: true, layers: () => [dw({ padding: "same", activation: "relu" })] },
  { name: "maxPool 2x2/2 on tied input", inputShape: [8, 8, 2], data: "ties", layers: () => [tf.layers.maxPooling2d({ poolSize: 2 })] },
  { name: "maxPool 3x3/2 same on tied input", inputShape: S, data: "ties", layers: () => [tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" })] },
  { name: "maxPool 3x3/1 valid on tied input", inputShape: S, data: "ties", layers: () => [tf.layers.maxPooling2d({ poolSize: 3, strides: 1 })] },
  { name: "maxPool 2x2/2 on all-negative input", inputShape: [8, 8, 2], data: "negative", layers: () => [tf.layers.maxPooling2d({ poolSize: 2 })] },
  { name: "maxPool 3x3/2 valid on all-negative input", inputShape: S, data: "negative", layers: () => [tf.layers.maxPooling2d({ poolSize: 3, strides: 2 })] },
  { name: "conv2d linear then maxPool 2x2 (pooling before the activation)", inputShape: [8, 8, 2], data: "ties", layers: () => [conv({ padding: "same" }), tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.reLU()] },
  { name: "avgPool 2x2/2 valid", inputShape: [8, 8, 2], data: "ties", layers: () => [tf.layers.averagePooling2d({ poolSize: 2 })] },
  { name: "avgPool 3x3/2 same", inputShape: S, data: "uniform", layers: () => [tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: "same" })] },
  {
    name: "conv2d + batchNorm (moving statistics) + relu", inputShape: S, data: "uniform",
    layers: () => [conv({ padding: "same", useBias: false }), tf.layers.batchNormalization({
      movingMeanInitializer: tf.initializers.randomUniform({ minval: -0.3, maxval: 0.3, seed: seedCounter++ }),
      movingVarianceInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 2, seed: seedCounter++ }),
      gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: seedCounter++ }),
      betaInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seedCounter++ }),
    }), tf.layers.reLU()],
  },
  { name: "dense relu + dense sigmoid", inputShape: [4, 4, 2], data: "uniform", layers: () => [tf.layers.flatten(), tf.layers.dense({ units: 16, activation: "relu", kernelInitializer: init() }), tf.layers.dense({ units: 8, activation: "sigmoid", kernelInitializer: init() })] },
];

/** Build a config's model (on cpu, seeded) and save it as registry files; the head ends in softmax (dropped for logits). */
async function filesFor(c: Config): Promise<ModelFiles> {
  await initEngineBackend("cpu");
  const layers = c.layers();
  const flat = layers.some((l) => l.getClassName() === "Flatten");
  const head = [...(flat ? [] : [tf.layers.flatten()]), tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: init() })];
  let m: tf.LayersModel;
  if (c.functional) {
    const input = tf.input({ shape: c.inputShape });
    let h = input as tf.SymbolicTensor;
    for (const l of [...layers, ...head]) h = l.apply(h) as tf.SymbolicTensor;
    m = tf.model({ inputs: input, outputs: h });
  } else {
    const seq = tf.sequential();
    seq.add(tf.layers.inputLayer({ inputShape: c.inputShape }));
    for (const l of [...layers, ...head]) seq.add(l);
    m = seq;
  }
  const files = await layersModelToFiles(m);
  m.dispose();
  return files;
}

function inputsFor(data: Data, n: number, shape: number[], seed: number): { x: Float32Array; range: { min: number; max: number } } {
  const r = lcg(seed);
  const size = n * shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(size);
  for (let i = 0; i < size; i++) x[i] = data === "ties" ? Math.floor(r() * 3) / 2 : data === "negative" ? -r() : r();
  return { x, range: data === "negative" ? { min: -1, max: 0 } : { min: 0, max: 1 } };
}

interface Run { grad: Float32Array; robust: number; labels: Int32Array; tensorsLeaked: number }

/** The engine's path on one backend: input gradient of the logits cross-entropy, then PGD-5 (Linf, 10% of the range). */
async function runOn(backend: Backend, files: ModelFiles, x0: Float32Array, shape: number[], range: { min: number; max: number }, labelsIn: Int32Array | null, numClasses: number): Promise<Run> {
  await initEngineBackend(backend);
  const model = await loadModelFromFiles(files);
  const before = tf.memory().numTensors;
  const n = shape[0];
  const x = tf.tensor(x0, shape);
  const ctx = contextFor(model, cardFor(shape.slice(1), numClasses, range));
  // Labels: the cpu backend's clean predictions, so every example starts correct on every backend.
  let labels = labelsIn;
  if (!labels) {
    const clean = tf.tidy(() => model.logits(x).argMax(1));
    labels = Int32Array.from(await clean.data());
    clean.dispose();
  }
  const oh = oneHotOf(labels, numClasses);
  const g = lossAndGrad(ctx, x, (z) => crossEntropy(z, oh));
  const grad = (await g.grad.data()) as Float32Array;
  tf.dispose([g.grad, g.logits, g.loss, oh]);
  const eps = 0.1 * (range.max - range.min);
  const pgd = await pgdAttack({ ctx, x, labels, indices: Array.from({ length: n }, (_, i) => i), eps, seed: 16, stream: "differential" }, { norm: "linf", steps: 5, restarts: 1, randomStart: true });
  const predT = tf.tidy(() => model.logits(pgd.xAdv).argMax(1));
  const pred = await predT.data();
  const robust = Array.from(pred).filter((p, i) => p === labels[i]).length;
  tf.dispose([x, pgd.xAdv, predT]);
  const tensorsLeaked = tf.memory().numTensors - before;
  model.dispose();
  return { grad, robust, labels, tensorsLeaked };
}

function compare(ref: Float32Array, got: Float32Array) {
  let maxAbs = 0, maxDiff = 0, signDisagree = 0, worst = -1;
  for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ref[i]! - got[i]!);
    if (d > maxDiff) { maxDiff = d; worst = i; }
    if (Math.abs(ref[i]!) > SIGN_FLOOR * maxAbs && Math.sign(ref[i]!) !== Math.sign(got[i]!)) signDisagree++;
  }
  return { rel: maxAbs > 0 ? maxDiff / maxAbs : maxDiff, signDisagree, maxAbs, worst };
}

/**
 * Which layer makes a backend's gradient differ: each layer's vector-Jacobian product, on the activations the cpu
 * backend computes for these inputs and a fixed upstream gradient, compared with cpu's. Sequential models only
 * (the table's models and the demo models); returns e.g. `layer "max_pooling2d_1" (MaxPooling2D), rel diff 1.0`.
 */
async function locateLayer(files: ModelFiles, x0: Float32Array, shape: number[], backend: Backend): Promise<string> {
  const perLayer = async (b: Backend, acts: Float32Array[] | null) => {
    await initEngineBackend(b);
    const loaded = await loadModelFromFiles(files);
    const layers = loaded.layersModel!.layers.filter((l) => l.getClassName() !== "InputLayer");
    const inputs: Float32Array[] = [];
    const grads: Float32Array[] = [];
    const shapes: number[][] = [];
    let h = tf.tensor(x0, shape);
    for (const [i, layer] of layers.entries()) {
      const input = acts ? tf.tensor(acts[i]!, h.shape) : h;
      inputs.push((await input.data()) as Float32Array);
      shapes.push(input.shape);
      const out = layer.apply(input, { training: false }) as tf.Tensor;
      const r = lcg(7 + i);
      const dy = tf.tensor(Float32Array.from({ length: out.size }, () => r() * 2 - 1), out.shape);
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: false }) as tf.Tensor, dy)))(input);
      grads.push((await g.data()) as Float32Array);
      tf.dispose([g, dy]);
      if (input !== h) input.dispose();
      h.dispose();
      h = out;
    }
    h.dispose();
    const names = layers.map((l) => `layer "${l.name}" (${l.getClassName()})`);
    loaded.dispose();
    return { inputs, grads, names };
  };
  const ref = await perLayer("cpu", null);
  const got = await perLayer(backend, ref.inputs);
  for (let i = 0; i < ref.grads.length; i++) {
    const c = compare(ref.grads[i]!, got.grads[i]!);
    if (c.rel > GRAD_TOL || c.signDisagree > 0) return `${ref.names[i]}: its own gradient differs from cpu by ${c.rel.toExponential(2)}`;
  }
  return "no single layer differs beyond tolerance (the difference accumulates across layers)";
}

async function differential(name: string, files: ModelFiles, x0: Float32Array, shape: number[], range: { min: number; max: number }, numClasses: number, refusedOn?: Config["refusedOn"]) {
  const card = cardFor(shape.slice(1), numClasses, range);
  const lines: string[] = [];
  let ref: Run | null = null;
  for (const b of backends) {
    if (refusedOn?.backends.includes(b)) {
      await initEngineBackend(b);
      const v = await validateModelForEngine(files, card);
      expect(v.ok, `${name}: must be refused on ${b}`).toBe(false);
      expect(v.errors.join(" "), `${name}: refusal on ${b} names the layer`).toMatch(new RegExp(`cannot be attacked on the ${b} backend: ${refusedOn.layer.source}`));
      lines.push(`${b}: refused (${v.errors.join(" ").slice(0, 160)})`);
      continue;
    }
    // Not refused: the registry accepts it here, and the attack path must match the cpu reference.
    await initEngineBackend(b);
    const v = await validateModelForEngine(files, card);
    expect(v.errors, `${name}: accepted on ${b}`).toEqual([]);
    const run = await runOn(b, files, x0, shape, range, ref?.labels ?? null, numClasses);
    expect(run.tensorsLeaked, `${name} on ${b}: tf.memory() stays flat`).toBe(0);
    if (b === "cpu") {
      ref = run;
      lines.push(`cpu: reference, PGD robust ${run.robust}/${shape[0]}`);
      continue;
    }
    expect(ref, "cpu runs first (the reference)").not.toBeNull();
    const c = compare(ref!.grad, run.grad);
    // Only on failure: find and name the layer responsible.
    const where = c.rel > GRAD_TOL || c.signDisagree > 0 ? await locateLayer(files, x0, shape, b) : "";
    const msg = `${name} on ${b}: input gradient differs from cpu by ${c.rel.toExponential(2)} of the largest entry (tolerance ${GRAD_TOL}), ` +
      `${c.signDisagree} signs differ (entry ${c.worst}: cpu ${ref!.grad[c.worst]}, ${b} ${run.grad[c.worst]}); ${where}`;
    lines.push(`${b}: grad rel diff ${c.rel.toExponential(2)}, sign differences ${c.signDisagree}, PGD robust ${run.robust}/${shape[0]} (cpu ${ref!.robust})`);
    expect(c.maxAbs, `${name}: the reference gradient is not all zero`).toBeGreaterThan(0);
    expect(c.rel, msg).toBeLessThanOrEqual(GRAD_TOL);
    expect(c.signDisagree, msg).toBe(0);
    expect(Math.abs(run.robust - ref!.robust), `${name} on ${b}: PGD robust ${run.robust} vs cpu ${ref!.robust} (tolerance ${PGD_TOL_EXAMPLES} example)`).toBeLessThanOrEqual(PGD_TOL_EXAMPLES);
  }
  console.log(`[differential] ${name}\n  ${lines.join("\n  ")}`);
}

describe(`differential gradients against the cpu backend (${backends.join(", ")})`, () => {
  it("backends under test include cpu (the reference) and wasm", () => {
    expect(backends.slice(0, 2)).toEqual(["cpu", "wasm"]);
  });

  // The reference itself: tfjs's cpu (and wasm) AvgPoolGrad divide border windows of "same" padding by the full
  // window, not by the cells inside the input as the forward pass (and TensorFlow) do; the engine patches both.
  // Exact expected values: 3x3/2 "same" on a 3x3 input has four windows of 4 cells each.
  it("avgPool 'same' gradient divides each window by its cells inside the input, on every backend", async () => {
    const expected = [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25];
    for (const b of backends) {
      await initEngineBackend(b);
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const g = tf.grad((xx: tf.Tensor) => tf.avgPool(xx as tf.Tensor4D, 3, 2, "same").sum())(x);
      const got = Array.from(await g.data());
      tf.dispose([x, g]);
      got.forEach((v, i) => expect(v, `${b}: avgPool "same" gradient entry ${i}`).toBeCloseTo(expected[i]!, 6));
    }
  });

  for (const [i, c] of configs.entries()) {
    it(c.name, async () => {
      const files = await filesFor(c);
      const n = 12;
      const shape = [n, ...c.inputShape];
      const { x, range } = inputsFor(c.data, n, c.inputShape, 1000 + i);
      await differential(c.name, files, x, shape, range, 3, c.refusedOn);
    });
  }

  for (const v of ["v1", "v2"]) {
    it(`demo model digits-cnn-${v} on 12 evaluation digits`, async () => {
      const dir = join(process.cwd(), "demo", "models", `digits-cnn-${v}`);
      const files = { modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(readFileSync(join(dir, "weights.bin"))) } };
      const ev = loadDemoEvalSplit();
      const n = 12;
      await differential(`digits-cnn-${v}`, files, ev.images.slice(0, n * 784), [n, 28, 28, 1], { min: 0, max: 1 }, 10);
    });
  }
});
