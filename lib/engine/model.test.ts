import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { freshModelFromJson, loadModelFromFiles, validateModelForEngine } from "./model";
import { cardFor, engineTestBackends, layersModelToFiles } from "./testing";

const testBackends = await engineTestBackends();

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
    const files = await layersModelToFiles(net);
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
      const loaded = await loadModelFromFiles(await layersModelToFiles(net));
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
    const files = await layersModelToFiles(net);
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

  it("accepts a depthwise model on wasm (the engine adds the depthwise gradient kernels) and on cpu", async () => {
    const m = tf.sequential();
    m.add(tf.layers.depthwiseConv2d({ inputShape: [6, 6, 2], kernelSize: 3, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    const files = await layersModelToFiles(m);
    for (const backend of ["wasm", "cpu"] as const) {
      await initEngineBackend(backend);
      const v = await validateModelForEngine(files, cardFor([6, 6, 2], 3));
      expect(v.errors, backend).toEqual([]);
      expect(v.ok).toBe(true);
    }
    m.dispose();
  });

  it("refuses a model whose input gradient no backend computes, naming the layer and the backend", async () => {
    // A dilated Conv2D in a functional model runs through model.apply, whose fused-conv gradient tfjs refuses
    // for dilations > 1 on every backend. (In a Sequential model the engine runs it with a zero-filled filter.)
    const input = tf.input({ shape: [7, 7, 1] });
    const conv = tf.layers.conv2d({ name: "atrous", filters: 2, kernelSize: 3, dilationRate: 2, padding: "same", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
    const out = tf.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })
      .apply(tf.layers.flatten().apply(conv.apply(input))) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    const files = await layersModelToFiles(m);
    for (const backend of testBackends) {
      await initEngineBackend(backend);
      const v = await validateModelForEngine(files, cardFor([7, 7, 1], 2));
      expect(v.ok).toBe(false);
      expect(v.errors.join()).toMatch(new RegExp(`cannot be attacked on the ${backend} backend: layer "atrous" \\(Conv2D\\): .*dilation`));
    }
    await initEngineBackend("cpu");
    m.dispose();
  });

  it("admits batch normalisation without scale or offset (Keras scale=False / center=False): the same logits, and an input gradient", async () => {
    // tfjs's own gradient of such a layer fails ("reading 'dataId'"); the engine loads it with γ = 1, β = 0.
    const bn = (scale: boolean, center: boolean) => tf.layers.batchNormalization({ scale, center, movingMeanInitializer: tf.initializers.constant({ value: 0.3 }), movingVarianceInitializer: tf.initializers.constant({ value: 2 }) });
    const build = (full: boolean) => {
      const input = tf.input({ shape: [6, 6, 1] });
      const c = tf.layers.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }).apply(input) as tf.SymbolicTensor;
      const a = bn(full, true).apply(c) as tf.SymbolicTensor;
      const b = bn(true, full).apply(tf.layers.reLU().apply(a)) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }).apply(tf.layers.flatten().apply(b)) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    };
    const partial = build(false);
    // The same network with γ = 1 and β = 0 written out: what the layers without them compute.
    const full = build(true);
    full.layers.forEach((layer, i) => {
      const own = partial.layers[i]!.getWeights();
      if (layer.getClassName() !== "BatchNormalization") return layer.setWeights(own);
      const cfg = partial.layers[i]!.getConfig();
      const gamma = cfg.scale ? own.shift()! : null;
      const beta = cfg.center ? own.shift()! : null;
      layer.setWeights([gamma ?? tf.ones(own[0]!.shape), beta ?? tf.zeros(own[0]!.shape), ...own]);
    });
    const x = tf.randomUniform([3, 6, 6, 1], 0, 1, "float32", 4);
    expect(() => tf.grad((xx: tf.Tensor) => (partial.apply(xx) as tf.Tensor).sum())(x)).toThrow();
    const files = await layersModelToFiles(partial);
    for (const backend of testBackends) {
      await initEngineBackend(backend);
      const v = await validateModelForEngine(files, cardFor([6, 6, 1], 3));
      expect(v.errors, backend).toEqual([]);
      const loaded = await loadModelFromFiles(files);
      expect(Array.from(await loaded.logits(x).data()), backend).toEqual(Array.from(await (partial.predict(x) as tf.Tensor).data()));
      const g = await tf.grad((xx: tf.Tensor) => loaded.logits(xx).sum())(x).data();
      const want = await tf.grad((xx: tf.Tensor) => (full.apply(xx) as tf.Tensor).sum())(x).data();
      expect(Array.from(g), backend).toEqual(Array.from(want));
      // γ and β it added are not trained (hardening stores the registered architecture's weights only).
      expect(loaded.layersModel!.trainableWeights.map((w) => w.originalName).sort()).toEqual(partial.trainableWeights.map((w) => w.originalName).sort());
      loaded.dispose();
    }
    await initEngineBackend("cpu");
    // Retraining the architecture (integrity probes, privacy reference models) gets the gradient of every weight
    // the registered model has, and only those.
    const fresh = await freshModelFromJson(files.modelJson);
    expect(fresh.trainableWeights).toHaveLength(partial.trainableWeights.length);
    const { value, grads } = tf.variableGrads(() => tf.sum(fresh.apply(x) as tf.Tensor) as tf.Scalar, fresh.trainableWeights.map((w) => w.read() as tf.Variable));
    expect(Object.keys(grads)).toHaveLength(partial.trainableWeights.length);
    tf.dispose([value, ...Object.values(grads)]);
    fresh.dispose();
    tf.dispose(x);
    partial.dispose();
    full.dispose();
  });

  it("attack gradients are taken on logits: very confident examples keep a gradient", async () => {
    // A softmax model so confident that its probability of the true class is 1 in float32. Keras-style
    // cross-entropy on probabilities clips them to [1e-7, 1 - 1e-7], so its gradient is exactly zero there; the
    // engine's loss on the logits (softmax dropped) still has a direction: towards the runner-up class.
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax", useBias: false, kernelInitializer: tf.initializers.zeros() }));
    m.setWeights([tf.tensor2d([[0, 0, 20], [60, 0, 0], [0, 0, 0], [0, 0, 0]])]);
    const files = await layersModelToFiles(m);
    const loaded = await loadModelFromFiles(files);
    expect(loaded.droppedSoftmax).toBe(true);
    const x = tf.tensor2d([[0.5, 1, 0, 0]]); // logits [60, 0, 10]
    const probs = (await (m.predict(x) as tf.Tensor).data()) as Float32Array;
    expect(probs[0]).toBe(1);
    const onProbs = tf.grad((xx: tf.Tensor) => {
      const p = tf.clipByValue(tf.slice(m.predict(xx) as tf.Tensor2D, [0, 0], [1, 1]), 1e-7, 1 - 1e-7);
      return tf.neg(tf.log(p)).sum();
    })(x);
    expect(Array.from(await onProbs.data()).every((v) => v === 0)).toBe(true);
    const onLogits = tf.grad((xx: tf.Tensor) => {
      const z = loaded.logits(xx);
      return tf.sub(tf.logSumExp(z, 1), tf.slice(z, [0, 0], [1, 1]).reshape([-1])).sum();
    })(x);
    const g = Array.from(await onLogits.data());
    // d loss / d x0 = p2 * 20 = 20 e^-50 ~ 3.9e-21: tiny but non-zero, and towards class 2 (x0 raises its logit).
    expect(g[0]!).toBeGreaterThan(0);
    expect(g[0]!).toBeCloseTo(20 * Math.exp(-50), 25);
    tf.dispose([x, onProbs, onLogits]);
    loaded.dispose();
    m.dispose();
  });
});
