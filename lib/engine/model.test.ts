import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles, validateModelForEngine, type ModelFiles } from "./model";
import { cardFor, engineTestBackends } from "./testing";

const testBackends = await engineTestBackends();

/** Save a layers model to in-memory files the way a registry upload looks (model.json + one .bin). */
async function toFiles(m: tf.LayersModel, binName = "group1-shard1of1.bin"): Promise<ModelFiles> {
  let files: ModelFiles | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => {
    const data = Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData!;
    files = {
      modelJson: JSON.parse(JSON.stringify({ format: "layers-model", modelTopology: a.modelTopology, weightsManifest: [{ paths: [binName], weights: a.weightSpecs }] })),
      weights: { [binName]: new Uint8Array(data) },
    };
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" } };
  }));
  return files!;
}

function softmaxMlp(seed: number, classes = 3): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [5], units: 8, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
  m.add(tf.layers.dense({ units: classes, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

describe("model loading", () => {
  beforeAll(async () => {
    await initEngineBackend("cpu");
  });

  it("drops the final softmax: logits whose softmax equals the model's own output", async () => {
    const net = softmaxMlp(1);
    const files = await toFiles(net);
    const loaded = await loadModelFromFiles(files);
    expect(loaded.droppedSoftmax).toBe(true);
    expect(loaded.numClasses).toBe(3);
    expect(loaded.inputShape).toEqual([5]);
    const x = tf.randomUniform([4, 5], 0, 1, "float32", 3);
    const own = (await (net.predict(x) as tf.Tensor).array()) as number[][];
    const logits = loaded.logits(x);
    const probs = (await tf.softmax(logits).array()) as number[][];
    own.forEach((row, i) => row.forEach((v, j) => expect(probs[i][j]).toBeCloseTo(v, 6)));
    // logits are not probabilities: rows do not sum to one
    const sums = (await logits.sum(1).array()) as number[];
    expect(sums.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
    const p2 = (await loaded.predictProbs(x).array()) as number[][];
    p2.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(own[i][j], 6)));
    tf.dispose([x, logits]);
    loaded.dispose();
    net.dispose();
  });

  for (const backend of testBackends) {
    it(`runs a conv Sequential layer by layer with the model's own outputs (${backend})`, async () => {
      await initEngineBackend(backend);
      const net = tf.sequential();
      net.add(tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 3, kernelSize: 3, strides: 2, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }));
      net.add(tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: "valid", kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
      net.add(tf.layers.reLU());
      net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      net.add(tf.layers.flatten());
      net.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }));
      const loaded = await loadModelFromFiles(await toFiles(net));
      const x = tf.randomUniform([5, 8, 8, 2], 0, 1, "float32", 9);
      const own = (await (net.predict(x) as tf.Tensor).data()) as Float32Array;
      const ours = (await loaded.predictProbs(x).data()) as Float32Array;
      own.forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 5));
      // and its input gradient computes (no weight-gradient kernels needed)
      const g = tf.grad((xx: tf.Tensor) => loaded.logits(xx).sum())(x);
      expect(g.shape).toEqual([5, 8, 8, 2]);
      tf.dispose([x, g]);
      loaded.dispose();
      net.dispose();
      await initEngineBackend("cpu");
    });
  }

  it("validates: passes a good model, names the problem otherwise", async () => {
    const net = softmaxMlp(2);
    const files = await toFiles(net);
    const card = cardFor([5], 3);
    const ok = await validateModelForEngine(files, card);
    expect(ok.errors).toEqual([]);
    expect(ok.ok).toBe(true);
    expect(ok.info).toMatchObject({ numClasses: 3, droppedSoftmax: true, parameters: 5 * 8 + 8 + 8 * 3 + 3 });

    const labels = await validateModelForEngine(files, cardFor([5], 4));
    expect(labels.errors.join()).toMatch(/outputs 3 scores but the card lists 4 class labels/);
    const shape = await validateModelForEngine(files, cardFor([6], 3));
    expect(shape.errors.join()).toMatch(/input shape 6 but the model expects 5/);
    const missing = await validateModelForEngine({ ...files, weights: {} }, card);
    expect(missing.errors.join()).toMatch(/weight file "group1-shard1of1.bin".*not provided/);
    const nan = new Float32Array(files.weights["group1-shard1of1.bin"].slice().buffer);
    nan[3] = NaN;
    const bad = await validateModelForEngine({ ...files, weights: { "group1-shard1of1.bin": new Uint8Array(nan.buffer) } }, card);
    expect(bad.errors.join()).toMatch(/non-finite/);
    const graph = await validateModelForEngine({ modelJson: { format: "graph-model", modelTopology: { node: [] }, weightsManifest: [] }, weights: {} }, card);
    expect(graph.errors.join()).toMatch(/graph models are not supported/);
    const badCard = await validateModelForEngine(files, { inputShape: [5], inputRange: { min: 1, max: 0 }, classLabels: ["a"] });
    expect(badCard.ok).toBe(false);
    net.dispose();
  });

  it("refuses, on wasm, a model whose input gradient cannot be computed there (depthwise convolution)", async () => {
    await initEngineBackend("wasm");
    const m = tf.sequential();
    m.add(tf.layers.depthwiseConv2d({ inputShape: [6, 6, 2], kernelSize: 3, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    const files = await toFiles(m);
    const v = await validateModelForEngine(files, cardFor([6, 6, 2], 3));
    expect(v.ok).toBe(false);
    expect(v.errors.join()).toMatch(/cannot be attacked on the wasm backend.*DepthwiseConv2D/);
    await initEngineBackend("cpu");
    const onCpu = await validateModelForEngine(files, cardFor([6, 6, 2], 3));
    expect(onCpu.ok).toBe(true);
    m.dispose();
  });
});
