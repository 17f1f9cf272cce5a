import * as tf from "@tensorflow/tfjs";
import { freshModelFromJson, type LoadedModel } from "../model";
import { createRng, gatherBatch, hash32, shuffleInPlace } from "../rng";
import { outputFromLogits, type ExampleOutput } from "./scores";

// The engine side of membership inference that needs TensorFlow.js: logits in batches, the target model's
// outputs, and reference-model training for offline LiRA. The scores and metrics are pure (./scores, ./metrics).

export * from "./scores";

export interface Preprocessing { scale: number; offset: number }

/** Logits of `model` on n inputs (raw values, concatenated), in batches; returns n × classes. */
export async function logitsOf(model: { logits(x: tf.Tensor): tf.Tensor2D } | tf.LayersModel, x: Float32Array, shape: number[], pre: Preprocessing, batchSize = 256, shouldCancel?: () => boolean): Promise<Float32Array[]> {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = x.length / size;
  const out: Float32Array[] = [];
  for (let s = 0; s < n; s += batchSize) {
    if (shouldCancel?.()) throw new PrivacyCancelled();
    const e = Math.min(n, s + batchSize);
    const xt = tf.tidy(() => tf.add(tf.mul(tf.tensor(x.subarray(s * size, e * size), [e - s, ...shape]), pre.scale), pre.offset));
    const zt = "logits" in model && typeof model.logits === "function" ? (model as { logits(x: tf.Tensor): tf.Tensor2D }).logits(xt) : ((model as tf.LayersModel).predict(xt) as tf.Tensor2D);
    const z = (await zt.data()) as Float32Array;
    const c = zt.shape[1];
    for (let i = 0; i < e - s; i++) out.push(z.slice(i * c, (i + 1) * c));
    tf.dispose([xt, zt]);
  }
  return out;
}

export class PrivacyCancelled extends Error {
  constructor() {
    super("shard cancelled");
    this.name = "PrivacyCancelled";
  }
}

/** The target model's outputs on labelled inputs. */
export async function targetOutputs(model: LoadedModel, x: Float32Array, labels: ArrayLike<number>, shape: number[], pre: Preprocessing, shouldCancel?: () => boolean): Promise<ExampleOutput[]> {
  const z = await logitsOf(model, x, shape, pre, 256, shouldCancel);
  return z.map((zi, i) => outputFromLogits(zi, labels[i]!));
}

/** The registered topology with every seeded initialiser given a seed of its own for reference model k. */
export function reseededModelJson(modelJson: unknown, seed: number, reference: number): unknown {
  let counter = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(o)) out[k] = walk(val);
      if (typeof o.class_name === "string" && o.config && typeof o.config === "object" && "seed" in (o.config as object) && /Initializer|Normal|Uniform|Glorot|He|LeCun|Orthogonal/i.test(o.class_name)) {
        (out.config as Record<string, unknown>).seed = hash32(`${seed}:${reference}:${counter++}`) % 2147483647;
      }
      return out;
    }
    return v;
  };
  const json = typeof modelJson === "string" ? JSON.parse(modelJson) : modelJson instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(modelJson)) : modelJson;
  return walk(json);
}

export interface ReferenceTrainOptions {
  modelJson: unknown;
  x: Float32Array;
  labels: ArrayLike<number>;
  shape: number[];
  classes: number;
  pre: Preprocessing;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  seed: number;
  reference: number;
  onProgress?: (done: number, total: number) => void;
  shouldCancel?: () => boolean;
}

/**
 * Trains one reference model: the target's own architecture re-initialised from its topology (seeds varied per
 * reference model), Adam with softmax cross-entropy on the logits, seeded shuffles. Returns the trained tfjs
 * model (logits output; the caller disposes it) and its final training loss.
 */
export async function trainReferenceModel(o: ReferenceTrainOptions): Promise<{ model: tf.LayersModel; finalLoss: number; examplesPerSecond: number }> {
  const size = o.shape.reduce((a, b) => a * b, 1);
  const n = o.labels.length;
  const model = await freshModelFromJson(reseededModelJson(o.modelJson, o.seed, o.reference));
  const opt = tf.train.adam(o.learningRate ?? 1e-3);
  const batch = o.batchSize ?? 64;
  const t0 = performance.now();
  let finalLoss = Number.NaN;
  const totalBatches = o.epochs * Math.ceil(n / batch);
  let done = 0;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const rng = createRng(o.seed, o.reference * 1000 + epoch, "privacy-reference-shuffle");
      const perm = Array.from({ length: n }, (_, i) => i);
      shuffleInPlace(perm, rng);
      let lossSum = 0, nb = 0;
      for (let s = 0; s < n; s += batch) {
        if (o.shouldCancel?.()) throw new PrivacyCancelled();
        const idx = perm.slice(s, s + batch);
        const { xb, yb } = gatherBatch(o.x, o.labels, idx, size);
        const xt = tf.tidy(() => tf.add(tf.mul(tf.tensor(xb, [idx.length, ...o.shape]), o.pre.scale), o.pre.offset));
        const yt = tf.tidy(() => tf.oneHot(tf.tensor1d(yb, "int32"), o.classes).toFloat());
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, model.apply(xt, { training: true }) as tf.Tensor) as tf.Scalar, true);
        lossSum += (await loss!.data())[0]!;
        nb++;
        tf.dispose([xt, yt, loss!]);
        done++;
        if (done % 10 === 0 || done === totalBatches) o.onProgress?.(done, totalBatches);
      }
      finalLoss = lossSum / Math.max(1, nb);
    }
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { model, finalLoss, examplesPerSecond: (n * o.epochs) / Math.max(1e-3, seconds) };
}

/** φ of each labelled input under a (reference) model with logits output, and its accuracy on them. */
export async function phiUnder(model: tf.LayersModel, x: Float32Array, labels: ArrayLike<number>, shape: number[], pre: Preprocessing): Promise<{ phi: number[]; accuracy: number }> {
  const z = await logitsOf(model, x, shape, pre);
  let correct = 0;
  const phi = z.map((zi, i) => {
    const o = outputFromLogits(zi, labels[i]!);
    if (o.pred === o.y) correct++;
    return o.phi;
  });
  return { phi, accuracy: z.length ? correct / z.length : 0 };
}
