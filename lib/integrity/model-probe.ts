import * as tf from "@tensorflow/tfjs";
import { freshModelFromJson, type LoadedModel } from "../engine/model";
import { createRng, gatherBatch, shuffleInPlace } from "../engine/rng";

/*
 * The parts of the model-assisted integrity scan that run the model (TensorFlow.js): predictions,
 * penultimate-layer activations, and K-fold retraining of the registered architecture for out-of-sample
 * probabilities. The statistics on their outputs are pure (confident-learning.ts, backdoor.ts, trigger.ts).
 */

function batches(count: number, batch: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < count; s += batch) out.push([s, Math.min(count, s + batch)]);
  return out;
}

/** Predicted class of each sample. */
export async function predictLabels(model: LoadedModel, x: Float32Array, count: number, shape: number[], batch = 256): Promise<Int32Array> {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(count);
  for (const [s, e] of batches(count, batch)) {
    const t = tf.tensor(x.subarray(s * size, e * size), [e - s, ...shape]);
    const am = tf.tidy(() => tf.argMax(model.logits(t), 1));
    out.set(await am.data() as Int32Array, s);
    tf.dispose([t, am]);
  }
  return out;
}

/**
 * Activations feeding the model's output layer (the penultimate representation), n x dim. Needs a model
 * loaded from files (a tfjs LayersModel with a single output layer).
 */
export async function penultimateActivations(model: LoadedModel, x: Float32Array, count: number, shape: number[], batch = 256): Promise<{ acts: Float32Array; dim: number; layer: string }> {
  const lm = model.layersModel;
  if (!lm) throw new Error("activation scans need a model loaded from its TensorFlow.js files");
  const last = lm.layers[lm.layers.length - 1]!;
  const input = last.input;
  if (Array.isArray(input)) throw new Error(`the output layer "${last.name}" has several inputs; no single penultimate representation`);
  const feat = tf.model({ inputs: lm.inputs, outputs: input });
  const shapeOut = input.shape;
  const dim = shapeOut.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  const size = shape.reduce((a, b) => a * b, 1);
  const acts = new Float32Array(count * dim);
  try {
    for (const [s, e] of batches(count, batch)) {
      const t = tf.tensor(x.subarray(s * size, e * size), [e - s, ...shape]);
      const a = tf.tidy(() => tf.reshape(feat.predict(t) as tf.Tensor, [e - s, dim]));
      acts.set(await a.data() as Float32Array, s * dim);
      tf.dispose([t, a]);
    }
  } finally {
    // The feature model shares the layers (and weights) of lm: dispose nothing of it here.
  }
  const prev = lm.layers[lm.layers.length - 2];
  return { acts, dim, layer: prev ? prev.name : last.name };
}

export interface FoldOptions {
  /** The registered model.json (its topology is used; weights are freshly initialised). */
  modelJson: unknown;
  x: Float32Array;
  labels: Int32Array;
  shape: number[];
  classes: number;
  /** Fold of each sample (kFoldAssignment). */
  folds: Int32Array;
  fold: number;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed: number;
  /** Called after each epoch with (epoch, epochs, mean loss). */
  onEpoch?: (epoch: number, epochs: number, loss: number) => Promise<void> | void;
}

/**
 * Train the model's architecture, freshly initialised, on every fold but `fold` (Adam, softmax cross-entropy
 * on the logits), then predict the held-out fold. Returns the held-out indices and their probabilities.
 */
export async function trainFoldAndPredict(o: FoldOptions): Promise<{ indices: number[]; probs: Float32Array; trainedOn: number; finalLoss: number }> {
  const size = o.shape.reduce((a, b) => a * b, 1);
  const train: number[] = [];
  const held: number[] = [];
  for (let k = 0; k < o.labels.length; k++) (o.folds[k] === o.fold ? held : train).push(k);
  const model = await freshModelFromJson(o.modelJson);
  const opt = tf.train.adam(o.learningRate ?? 1e-3);
  const batch = o.batchSize ?? 64;
  let finalLoss = NaN;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const rng = createRng(o.seed, epoch * 1000 + o.fold, "fold-shuffle");
      const perm = train.slice();
      shuffleInPlace(perm, rng);
      let lossSum = 0;
      let nb = 0;
      for (let s = 0; s < perm.length; s += batch) {
        const idx = perm.slice(s, s + batch);
        const { xb, yb } = gatherBatch(o.x, o.labels, idx, size);
        const xt = tf.tensor(xb, [idx.length, ...o.shape]);
        const yt = tf.tidy(() => tf.oneHot(tf.tensor1d(yb, "int32"), o.classes).toFloat());
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt, { training: true }) as tf.Tensor) as tf.Scalar, true);
        lossSum += (await loss!.data())[0]!;
        nb++;
        tf.dispose([xt, yt, loss!]);
      }
      finalLoss = lossSum / Math.max(1, nb);
      await o.onEpoch?.(epoch + 1, o.epochs, finalLoss);
    }
    const probs = new Float32Array(held.length * o.classes);
    for (const [s, e] of batches(held.length, 256)) {
      const xb = new Float32Array((e - s) * size);
      for (let i = s; i < e; i++) xb.set(o.x.subarray(held[i]! * size, (held[i]! + 1) * size), (i - s) * size);
      const xt = tf.tensor(xb, [e - s, ...o.shape]);
      const p = tf.tidy(() => tf.softmax(model.predict(xt) as tf.Tensor2D));
      probs.set(await p.data() as Float32Array, s * o.classes);
      tf.dispose([xt, p]);
    }
    return { indices: held, probs, trainedOn: train.length, finalLoss };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
