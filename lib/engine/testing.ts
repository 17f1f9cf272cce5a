import * as tf from "@tensorflow/tfjs";
import { modelFromLogitsFunction, type LoadedModel, type ModelFiles } from "./model";
import { createRng } from "./rng";
import type { EngineCard } from "./card";
import type { AttackContext } from "./attacks/common";
import { initEngineBackend } from "./backend";

/* Helpers shared by the engine's tests: small models with known gradients and synthetic data. */

/** logits = x W + b over the flattened input; W is [d, k]. The input gradient is known in closed form. */
export function linearModel(w: number[][], b: number[], inputShape: number[]): LoadedModel & { W: tf.Tensor2D; B: tf.Tensor1D } {
  const W = tf.keep(tf.tensor2d(w));
  const B = tf.keep(tf.tensor1d(b));
  const d = w.length;
  const m = modelFromLogitsFunction(
    (x) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [-1, d]), W), B) as tf.Tensor2D),
    { inputShape, numClasses: b.length, dispose: () => { W.dispose(); B.dispose(); }, layerTypes: ["Dense"] },
  );
  return Object.assign(m, { W, B });
}

/** A deterministic random matrix. */
export function randomMatrix(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const rng = createRng(seed, 0, "matrix");
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * scale));
}

/** Synthetic samples in [0,1] labelled by a linear teacher, so a linear/CNN model can be accurate. */
export function syntheticSamples(n: number, shape: number[], numClasses: number, seed: number, teacher?: number[][]) {
  const d = shape.reduce((a, b) => a * b, 1);
  const t = teacher ?? randomMatrix(d, numClasses, seed + 1);
  const rng = createRng(seed, 0, "samples");
  const x = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = rng.next();
    let best = 0, bestV = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] - 0.5) * t[j][c];
      if (s > bestV) { bestV = s; best = c; }
    }
    labels[i] = best;
  }
  return { x, labels, shape: [n, ...shape], indices: Array.from({ length: n }, (_, i) => i), teacher: t };
}

export function cardFor(inputShape: number[], numClasses: number, range = { min: 0, max: 1 }): EngineCard {
  return { inputShape, inputRange: range, preprocessing: "none", classLabels: Array.from({ length: numClasses }, (_, i) => `class-${i}`) };
}

/** The small problem several engine tests share: 8×8×1 inputs in [0,1], 3 classes, its card and `n` synthetic samples. */
export function tinyProblem(n: number, seed: number) {
  const shape: [number, number, number] = [8, 8, 1];
  const k = 3;
  return { shape, k, card: cardFor(shape, k), samples: syntheticSamples(n, shape, k, seed) };
}

export function contextFor(model: LoadedModel, card: EngineCard): AttackContext {
  return { model, scale: 1, offset: 0, range: card.inputRange, inputShape: card.inputShape, numClasses: model.numClasses };
}

/** A small CNN (conv-relu-pool x2, dense) with seeded weights, as a LoadedModel. */
export function tinyCnn(inputShape: [number, number, number], numClasses: number, seed: number): { model: LoadedModel; layers: tf.Sequential } {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s });
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ inputShape, filters: 4, kernelSize: 3, padding: "same", kernelInitializer: init(1) }));
  net.add(tf.layers.reLU());
  net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  net.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", kernelInitializer: init(2) }));
  net.add(tf.layers.reLU());
  net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ units: numClasses, kernelInitializer: init(3) }));
  const model = modelFromLogitsFunction((x) => net.apply(x, { training: false }) as tf.Tensor2D, {
    inputShape, numClasses, dispose: () => net.dispose(), layerTypes: net.layers.map((l) => l.getClassName()),
  });
  return { model, layers: net };
}

let nativeProbe: Promise<string | null> | undefined;
/** null when the native backend (tfjs-node, set up by `npm run engine:native`) starts here, else why not. */
export function nativeUnavailableReason(): Promise<string | null> {
  nativeProbe ??= initEngineBackend("tensorflow").then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );
  return nativeProbe;
}

/** The backends the engine's tests run on: cpu and wasm always, plus native when it is installed. */
export async function engineTestBackends(): Promise<("cpu" | "wasm" | "tensorflow")[]> {
  return (await nativeUnavailableReason()) === null ? ["cpu", "wasm", "tensorflow"] : ["cpu", "wasm"];
}

/** Save a layers model to in-memory files the way a registry upload looks (model.json + one .bin). */
export async function layersModelToFiles(m: tf.LayersModel, binName = "group1-shard1of1.bin"): Promise<ModelFiles> {
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
