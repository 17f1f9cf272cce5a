import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { loadModelFromFiles, modelFromLogitsFunction } from "../model";
import { crossEntropy, lossAndGrad, oneHotOf } from "../attacks/common";
import { cardFor, contextFor, engineTestBackends } from "../testing";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { stepGraphOf } from "./step-graph";
import { decodeSavedModel } from "./tf-proto";

const native = (await engineTestBackends()).includes("tensorflow");
/** The graph's update inputs when no step is taken (alpha 0, infinite bounds). */
const noUpdate = () => ({ lo: tf.scalar(-Infinity), hi: tf.scalar(Infinity), alpha: tf.scalar(0) });

describe("stepGraphOf", () => {
  it("writes the forward ops, the loss and each op's gradient, and returns null for a layer it does not cover", () => {
    const dense = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 8, activation: "relu" }), tf.layers.dense({ units: 3 })] });
    const bytes = stepGraphOf(dense, [4, 4, 1], 3)!;
    const [meta] = decodeSavedModel(bytes).metaGraphs;
    expect(meta!.graphDef.node.map((n) => n.op).filter((op) => !["Const", "Placeholder", "Shape"].includes(op))).toEqual([
      "Reshape", "MatMul", "BiasAdd", "Relu", "MatMul", "BiasAdd", "SoftmaxCrossEntropyWithLogits", "MatMul", "ReluGrad", "MatMul", "Reshape",
      // PGD's L∞ update: the exact sign, the step, the projection.
      "Greater", "Cast", "Less", "Cast", "Sub", "Mul", "AddV2", "Maximum", "Minimum",
    ]);
    expect(Object.keys(meta!.signatureDef.step!.outputs).sort()).toEqual(["grad", "logits", "loss", "next"]);
    const normed = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 4 }), tf.layers.layerNormalization(), tf.layers.dense({ units: 2 })] });
    expect(stepGraphOf(normed, [4], 2)).toBeNull();
    const softmaxInside = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 4, activation: "softmax" }), tf.layers.dense({ units: 2 })] });
    expect(stepGraphOf(softmaxInside, [4], 2)).toBeNull();
    const denseOnImage = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4, 4, 1], units: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    expect(stepGraphOf(denseOnImage, [4, 4, 1], 2)).toBeNull();
    tf.dispose([dense, normed, softmaxInside, denseOnImage].flatMap((m) => m.getWeights()));
  });
});

/** A small CNN of every other covered layer, with seeded weights and non-trivial batch-norm statistics. */
function zooModel(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const m = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 4, kernelSize: 3, padding: "same", activation: "tanh", kernelInitializer: init(1) }),
    tf.layers.batchNormalization(),
    tf.layers.leakyReLU({ alpha: 0.2 }),
    tf.layers.averagePooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: "sigmoid", kernelInitializer: init(2) }),
    tf.layers.globalAveragePooling2d({}),
    tf.layers.dense({ units: 8, kernelInitializer: init(3) }),
    tf.layers.activation({ activation: "relu" }),
    tf.layers.batchNormalization({ epsilon: 0.01 }),
    tf.layers.dense({ units: 3, kernelInitializer: init(4) }),
  ] });
  // Moving statistics and affine parameters away from their initial 0/1, so that the folding is exercised.
  for (const bn of m.layers.filter((l) => l.getClassName() === "BatchNormalization")) {
    bn.setWeights(bn.getWeights().map((w, i) => tf.tidy(() => tf.add(tf.mul(tf.randomUniform(w.shape, 0, 1, "float32", 7 + i), i === bn.getWeights().length - 1 ? 2 : 0.5), 0.25))));
  }
  return m;
}

describe.runIf(native)("the step as one TensorFlow graph", async () => {
  await initEngineBackend("tensorflow");
  const tfn = await import("@tensorflow/tfjs-node");

  it("gives the eager engine's logits, losses and input gradients on the demo CNN", async () => {
    const dir = join(process.cwd(), "demo", "models", "digits-cnn-v1");
    const model = await loadModelFromFiles({ modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(readFileSync(join(dir, "weights.bin"))) } });
    const bytes = stepGraphOf(model.layersModel!, [28, 28, 1], 10);
    expect(bytes).not.toBeNull();
    const out = mkdtempSync(join(tmpdir(), "step-graph-"));
    writeFileSync(join(out, "saved_model.pb"), bytes!);
    const graph = await tfn.node.loadSavedModel(out, ["serve"], "step");
    const data = loadDemoEvalSplit();
    const n = 64;
    const x = tf.tensor(data.images.slice(0, n * 784), [n, 28, 28, 1]);
    const oneHot = oneHotOf(data.labels.slice(0, n), 10);
    const eager = lossAndGrad(contextFor(model, cardFor([28, 28, 1], 10)), x, (z) => crossEntropy(z, oneHot));
    const fromGraph = graph.predict({ x, onehot: oneHot, ...noUpdate() }) as tf.NamedTensorMap;
    const maxAbs = (t: tf.Tensor) => Math.max(...Array.from(t.abs().dataSync()));
    const diff = (a: tf.Tensor, b: tf.Tensor) => maxAbs(tf.sub(a, b));
    expect(diff(fromGraph.logits!, eager.logits)).toBeLessThan(1e-4 * Math.max(1, maxAbs(eager.logits)));
    expect(diff(fromGraph.loss!, eager.loss)).toBeLessThan(1e-4 * Math.max(1, maxAbs(eager.loss)));
    expect(diff(fromGraph.grad!, eager.grad)).toBeLessThan(1e-3 * maxAbs(eager.grad));
    // The step direction: the sign of every entry above the noise floor agrees.
    const floor = 1e-3 * maxAbs(eager.grad);
    const [ge, gg] = [eager.grad.dataSync(), fromGraph.grad!.dataSync()];
    let disagree = 0;
    for (let i = 0; i < ge.length; i++) if (Math.abs(ge[i]!) > floor && Math.sign(ge[i]!) !== Math.sign(gg[i]!)) disagree++;
    expect(disagree).toBe(0);
    graph.dispose();
    model.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it("covers batch normalisation, sigmoid, tanh, LeakyReLU and average pooling, and agrees with the eager engine", async () => {
    const layers = zooModel();
    const model = modelFromLogitsFunction((x) => layers.apply(x, { training: false }) as tf.Tensor2D, { inputShape: [12, 12, 2], numClasses: 3 });
    const bytes = stepGraphOf(layers, [12, 12, 2], 3)!;
    expect(bytes).not.toBeNull();
    const ops = decodeSavedModel(bytes).metaGraphs[0]!.graphDef.node.map((n) => n.op);
    for (const op of ["Tanh", "TanhGrad", "Sigmoid", "SigmoidGrad", "LeakyRelu", "LeakyReluGrad", "AvgPool", "AvgPoolGrad", "Mean", "ReluGrad"]) expect(ops).toContain(op);
    const out = mkdtempSync(join(tmpdir(), "step-graph-"));
    writeFileSync(join(out, "saved_model.pb"), bytes);
    const graph = await tfn.node.loadSavedModel(out, ["serve"], "step");
    const n = 16;
    const x = tf.randomUniform([n, 12, 12, 2], 0, 1, "float32", 5);
    const oneHot = oneHotOf(Int32Array.from({ length: n }, (_, i) => i % 3), 3);
    const eager = lossAndGrad(contextFor(model, cardFor([12, 12, 2], 3)), x, (z) => crossEntropy(z, oneHot));
    const fromGraph = graph.predict({ x, onehot: oneHot, ...noUpdate() }) as tf.NamedTensorMap;
    const maxAbs = (t: tf.Tensor) => Math.max(...Array.from(t.abs().dataSync()));
    expect(maxAbs(tf.sub(fromGraph.logits!, eager.logits))).toBeLessThan(1e-4 * Math.max(1, maxAbs(eager.logits)));
    expect(maxAbs(tf.sub(fromGraph.loss!, eager.loss))).toBeLessThan(1e-4 * Math.max(1, maxAbs(eager.loss)));
    expect(maxAbs(eager.grad)).toBeGreaterThan(0);
    expect(maxAbs(tf.sub(fromGraph.grad!, eager.grad))).toBeLessThan(1e-3 * maxAbs(eager.grad));
    graph.dispose();
    rmSync(out, { recursive: true, force: true });
    tf.dispose(layers.getWeights());
  });
});
