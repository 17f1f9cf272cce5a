import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles } from "./model";
import { crossEntropy, lossAndGrad, oneHotOf } from "./attacks/common";
import { pgdAttack } from "./attacks/pgd";
import { cardFor, contextFor, engineTestBackends } from "./testing";
import { createRng } from "./rng";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";

/*
 * The native Step kernel and ReLU gradient (native-kernels.ts) must give bit for bit what tfjs-node's Step and
 * tfjs's ReLU gradient give, so every gradient through a ReLU, and so every attack, is unchanged. Compared with
 * the originals themselves (swapped back in for the comparison), on edge values, random values, and the demo
 * CNN's gradients and PGD.
 */
const native = (await engineTestBackends()).includes("tensorflow");

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Run f with the given Step kernel registered on native, then put the engine's back. */
async function withStep<T>(config: KernelConfig, f: () => Promise<T>): Promise<T> {
  const engine = tf.getKernel("Step", "tensorflow")!;
  tf.unregisterKernel("Step", "tensorflow");
  tf.registerKernel(config);
  try {
    return await f();
  } finally {
    tf.unregisterKernel("Step", "tensorflow");
    tf.registerKernel(engine);
  }
}

type GradientConfig = NonNullable<ReturnType<typeof tf.getGradient>>;

/** Run f with tfjs's own ReLU gradient registered instead of the engine's, then put the engine's back. */
async function withReluGradient<T>(config: GradientConfig, f: () => Promise<T>): Promise<T> {
  const engine = tf.getGradient("Relu")!;
  tf.registerGradient(config);
  try {
    return await f();
  } finally {
    tf.registerGradient(engine);
  }
}

describe.runIf(native)("native Step kernel and ReLU gradient", async () => {
  // tfjs-node's own kernel and tfjs's own gradient, as registered before the engine replaced them.
  const { stepConfig } = (await import("@tensorflow/tfjs-node/dist/kernels/Step.js")) as { stepConfig: KernelConfig };
  const { reluGradConfig } = (await import("@tensorflow/tfjs-core/dist/gradients/Relu_grad.js")) as { reluGradConfig: GradientConfig };
  await initEngineBackend("tensorflow");

  it("is registered and gives the original kernel's bits for every alpha, on edge and random values", async () => {
    expect(tf.getKernel("Step", "tensorflow")!.kernelFunc).not.toBe(stepConfig.kernelFunc);
    const rng = createRng(7, 0, "step");
    const values = [1e-8, -1e-8, 1e-30, 1.1e-7, 1e-40, -1e-40, 1.4e-45, 0, -0, NaN, -NaN, Infinity, -Infinity, 3e38, -3e38, 1, -1,
      ...Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 0 : rng.normal()))];
    for (const alpha of [0, -1, 0.25]) {
      const x = tf.tensor1d(values);
      const ours = tf.step(x, alpha);
      const theirs = await withStep(stepConfig, async () => tf.step(x, alpha));
      expect(bits((await ours.data()) as Float32Array), `alpha ${alpha}`).toEqual(bits((await theirs.data()) as Float32Array));
      expect(ours.dtype).toBe(theirs.dtype);
      tf.dispose([x, ours, theirs]);
    }
  });

  it("ReLU gradient: tfjs's bits for every x and dy, NaN, ±0, ±Infinity and subnormals included", async () => {
    expect(tf.getGradient("Relu")!.gradFunc).not.toBe(reluGradConfig.gradFunc);
    const rng = createRng(7, 0, "relu-grad");
    const edges = [1e-8, -1e-8, 1e-30, 1e-40, -1e-40, 1.4e-45, 0, -0, Infinity, -Infinity, 3e38, -3e38, 1, -1];
    const random = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -0 : rng.normal()));
    // Every edge value of x against every edge value of dy, then random pairs; once without NaN, once with.
    const xs = [...edges.flatMap((v) => edges.map(() => v)), ...random];
    const dys = [...edges.flatMap(() => edges), ...random.map(() => rng.normal())];
    for (const withNaN of [false, true]) {
      const xv = withNaN ? xs.map((v, i) => (i % 13 === 0 ? NaN : v)) : xs;
      const dyv = withNaN ? dys.map((v, i) => (i % 17 === 0 ? NaN : i % 19 === 0 ? -NaN : v)) : dys;
      const x = tf.tensor1d(xv);
      const dy = tf.tensor1d(dyv);
      const gradOf = async () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), dy)))(x);
      const ours = await gradOf();
      const theirs = await withReluGradient(reluGradConfig, gradOf);
      expect(bits((await ours.data()) as Float32Array), withNaN ? "with NaN" : "without NaN").toEqual(bits((await theirs.data()) as Float32Array));
      tf.dispose([x, dy, ours, theirs]);
    }
  });

  it("leaves the demo CNN's logits, input gradients and PGD-10 results bit-identical", async () => {
    const dir = join(process.cwd(), "demo", "models", "digits-cnn-v1");
    const model = await loadModelFromFiles({ modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(readFileSync(join(dir, "weights.bin"))) } });
    const data = loadDemoEvalSplit();
    const n = 64;
    const x = tf.tensor(data.images.slice(0, n * 784), [n, 28, 28, 1]);
    const labels = data.labels.slice(0, n);
    const oneHot = oneHotOf(labels, 10);
    const ctx = contextFor(model, cardFor([28, 28, 1], 10));
    const run = async () => {
      const out = lossAndGrad(ctx, x, (z) => crossEntropy(z, oneHot));
      const grad = (await out.grad.data()) as Float32Array;
      const logits = (await out.logits.data()) as Float32Array;
      tf.dispose([out.logits, out.loss, out.grad]);
      const adv = await pgdAttack({ ctx, x, labels, indices: Array.from({ length: n }, (_, i) => i), eps: 0.1, seed: 3, stream: "native-step" }, { norm: "linf", steps: 10, restarts: 1, randomStart: true });
      const advX = (await adv.xAdv.data()) as Float32Array;
      const pred = tf.tidy(() => tf.argMax(model.logits(adv.xAdv), 1));
      const predicted = Array.from(await pred.data());
      tf.dispose([adv.xAdv, pred]);
      return { logits: bits(logits), grad: bits(grad), adv: bits(advX), broken: predicted.filter((c, i) => c !== labels[i]).length };
    };
    const ours = await run();
    const theirs = await withStep(stepConfig, () => withReluGradient(reluGradConfig, run));
    expect(ours.logits).toEqual(theirs.logits);
    expect(ours.grad).toEqual(theirs.grad);
    expect(ours.adv).toEqual(theirs.adv);
    expect(ours.broken).toBe(theirs.broken);
    expect(ours.broken).toBeGreaterThan(0); // the attack did change predictions
    tf.dispose([x, oneHot]);
    model.dispose();
  });
});
