import * as tf from "@tensorflow/tfjs";
import type { LinfUpdate, LoadedModel } from "../model";
import type { InputRange } from "../card";
import { createRng, type Rng } from "../rng";

export type Norm = "linf" | "l2";

/** Everything an attack needs: the model, the card's preprocessing and value range. */
export interface AttackContext {
  model: LoadedModel;
  scale: number;
  offset: number;
  range: InputRange;
  /** One input's shape (no batch). */
  inputShape: number[];
  numClasses: number;
}

/** One batch handed to an attack: raw-space inputs and the examples' global indices (for randomness). */
export interface AttackBatch {
  ctx: AttackContext;
  x: tf.Tensor;
  labels: Int32Array;
  indices: number[];
  eps: number;
  seed: number | string;
  /** Distinguishes random streams of different attacks/epsilons for the same example. */
  stream: string;
}

export interface AttackBatchOutput {
  /** Adversarial inputs, same shape as x; the caller disposes. */
  xAdv: tf.Tensor;
  /** Model calls per example (forward, or forward+backward for white-box steps). */
  queries: Int32Array;
  /** Per example: attack loss at evenly spaced checkpoints of the kept run (frozen once the example broke). */
  lossTrace?: Float32Array[];
  /** Per example: the class targeted, for targeted attacks. */
  targets?: Int32Array;
}

/** Logits of raw-space inputs (applies the card's preprocessing). */
export function logitsOf(ctx: AttackContext, x: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const input = ctx.scale === 1 && ctx.offset === 0 ? x : tf.add(tf.mul(x, ctx.scale), ctx.offset);
    return ctx.model.logits(input);
  });
}

/** Per-example cross-entropy of logits z against one-hot rows. */
export function crossEntropy(z: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, oneHot), 1));
}

/** A per-example attack loss of the logits; a cross-entropy made by crossEntropyLoss carries its one-hot rows. */
export type LossFn = ((z: tf.Tensor2D) => tf.Tensor1D) & { readonly crossEntropyOf?: tf.Tensor2D };

/** Cross-entropy against `oneHot` as an attack loss: on native it may run as the model's graph step. */
export function crossEntropyLoss(oneHot: tf.Tensor2D): LossFn {
  return Object.assign((z: tf.Tensor2D) => crossEntropy(z, oneHot), { crossEntropyOf: oneHot });
}

/**
 * Per-example losses, logits and the input gradient of sum(loss), in one forward+backward pass.
 * Summing per-example losses keeps each example's gradient independent of the rest of the batch.
 * A cross-entropy loss runs as the model's graph step where it has one (`graph: true`); else eagerly.
 */
export function lossAndGrad(ctx: AttackContext, x: tf.Tensor, loss: LossFn, update?: LinfUpdate): { logits: tf.Tensor2D; loss: tf.Tensor1D; grad: tf.Tensor; graph: boolean; next?: tf.Tensor } {
  const step = ctx.model.crossEntropyStep;
  const oneHot = loss.crossEntropyOf;
  if (step && oneHot) {
    const identity = ctx.scale === 1 && ctx.offset === 0;
    const out = tf.tidy(() => {
      // The graph's update steps the graph's input: only where that is x itself.
      const r = step.run(identity ? x : tf.add(tf.mul(x, ctx.scale), ctx.offset), oneHot, identity ? update : undefined);
      // The chain rule through x * scale + offset.
      return { logits: r.logits, loss: r.loss, grad: ctx.scale === 1 ? r.grad : tf.mul(r.grad, ctx.scale), ...(r.next ? { next: r.next } : {}) };
    });
    return { ...out, graph: true };
  }
  let logits: tf.Tensor2D | null = null;
  let perExample: tf.Tensor1D | null = null;
  const { value, grad } = tf.valueAndGrad((xx: tf.Tensor) => {
    const z = logitsOf(ctx, xx);
    const l = loss(z);
    logits = tf.keep(z);
    perExample = tf.keep(l);
    return tf.sum(l);
  })(x);
  value.dispose();
  return { logits: logits!, loss: perExample!, grad, graph: false };
}

/**
 * The graph step's logits may differ from the eager forward pass in the last bits (other kernels, another order of
 * sums), and the verdict on an adversarial example is the eager pass's (shard.ts). So before an attack stops on an
 * example the graph sees misclassified, the eager pass confirms it: `pred` is overwritten with its answer for
 * those rows. An attack thus never stops early on a point that is not a break.
 */
export async function confirmBreaks(ctx: AttackContext, x: tf.Tensor, pred: Int32Array | Float32Array | Uint8Array, labels: Int32Array, settled: Uint8Array): Promise<void> {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!settled[i] && pred[i] !== labels[i]) rows.push(i);
  if (rows.length === 0) return;
  const t = tf.tidy(() => tf.argMax(logitsOf(ctx, gatherRows(x, rows)), 1));
  const eager = await t.data();
  t.dispose();
  rows.forEach((i, r) => (pred[i] = eager[r]!));
}

/**
 * One iterate's predictions and losses, read back; frees the iterate's logits and loss. Where the graph
 * computed them, a break is confirmed by the eager forward pass first (confirmBreaks), since PGD and APGD
 * freeze an example on it.
 */
export async function readIterate(ctx: AttackContext, x: tf.Tensor, out: { logits: tf.Tensor; loss: tf.Tensor; graph: boolean }, labels: Int32Array, settled: Uint8Array): Promise<{ pred: Int32Array; losses: Float32Array }> {
  const predT = tf.argMax(out.logits, 1);
  const [pred, losses] = await Promise.all([predT.data() as Promise<Int32Array>, out.loss.data() as Promise<Float32Array>]);
  predT.dispose();
  out.logits.dispose();
  out.loss.dispose();
  if (out.graph) await confirmBreaks(ctx, x, pred, labels, settled);
  return { pred, losses };
}

/** Per-example lower/upper bounds of the eps ball intersected with the value range (Linf). */
export function linfBounds(x0: tf.Tensor, eps: number, range: InputRange): { lo: tf.Tensor; hi: tf.Tensor } {
  return tf.tidy(() => ({
    lo: tf.maximum(tf.sub(x0, eps), range.min),
    hi: tf.minimum(tf.add(x0, eps), range.max),
  }));
}

export function clipTo(x: tf.Tensor, lo: tf.Tensor | number, hi: tf.Tensor | number): tf.Tensor {
  return tf.tidy(() => tf.minimum(tf.maximum(x, lo), hi));
}

/** Reduce all but the batch axis and reshape to [B,1,...] for broadcasting. */
function perExample(t: tf.Tensor, reduce: (t: tf.Tensor, axes: number[]) => tf.Tensor): tf.Tensor {
  const axes = t.shape.slice(1).map((_, i) => i + 1);
  return tf.reshape(reduce(t, axes), [t.shape[0], ...t.shape.slice(1).map(() => 1)]);
}

export function l2PerExample(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sqrt(perExample(tf.square(t), (a, ax) => tf.sum(a, ax))));
}

/** Project onto {||x - x0||_2 <= eps} then clip to the range (clipping towards x0 only shrinks the norm). */
export function projectL2(x: tf.Tensor, x0: tf.Tensor, eps: number, range: InputRange): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(x, x0);
    const n = l2PerExample(d);
    const factor = tf.minimum(1, tf.div(eps, tf.maximum(n, 1e-12)));
    return clipTo(tf.add(x0, tf.mul(d, factor)), range.min, range.max);
  });
}

/** Project onto the norm ball around x0 intersected with the value range. */
export function project(norm: Norm, x: tf.Tensor, x0: tf.Tensor, eps: number, range: InputRange, bounds?: { lo: tf.Tensor; hi: tf.Tensor }): tf.Tensor {
  if (norm === "l2") return projectL2(x, x0, eps, range);
  if (bounds) return clipTo(x, bounds.lo, bounds.hi);
  return tf.tidy(() => {
    const b = linfBounds(x0, eps, range);
    return clipTo(x, b.lo, b.hi);
  });
}

/** Steepest-ascent direction for the norm: sign(g) for Linf, g/||g||_2 for L2. */
export function ascentDirection(norm: Norm, g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => (norm === "linf" ? tf.sign(g) : tf.div(g, tf.add(l2PerExample(g), 1e-12))));
}

/** Per-example Linf and L2 norms of a perturbation. */
export async function perturbationNorms(delta: tf.Tensor): Promise<{ linf: Float32Array; l2: Float32Array }> {
  const [linfT, l2T] = tf.tidy(() => {
    const flat = tf.reshape(delta, [delta.shape[0], -1]);
    return [tf.max(tf.abs(flat), 1), tf.sqrt(tf.sum(tf.square(flat), 1))];
  });
  const [linf, l2] = await Promise.all([linfT.data(), l2T.data()]);
  linfT.dispose();
  l2T.dispose();
  return { linf: linf as Float32Array, l2: l2 as Float32Array };
}

export function exampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** One random stream per example, keyed by (seed, global index, stream name). */
export function exampleRngs(batch: Pick<AttackBatch, "seed" | "indices" | "stream">, suffix = ""): Rng[] {
  return batch.indices.map((i) => createRng(batch.seed, i, batch.stream + suffix));
}

/** A random start inside the ball: uniform in the Linf cube, or uniform in the L2 ball. */
export function randomStartDelta(norm: Norm, rngs: Rng[], shape: number[], eps: number): tf.Tensor {
  const d = exampleSize(shape);
  const out = new Float32Array(rngs.length * d);
  rngs.forEach((rng, b) => {
    const o = b * d;
    if (norm === "linf") {
      for (let i = 0; i < d; i++) out[o + i] = (2 * rng.next() - 1) * eps;
    } else {
      let s = 0;
      for (let i = 0; i < d; i++) {
        const v = rng.normal();
        out[o + i] = v;
        s += v * v;
      }
      // radius eps * u^(1/d) makes the point uniform in the ball
      const r = (eps * Math.pow(rng.next(), 1 / d)) / Math.sqrt(s || 1);
      for (let i = 0; i < d; i++) out[o + i] *= r;
    }
  });
  return tf.tensor(out, [rngs.length, ...shape]);
}

export function oneHotOf(labels: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), numClasses).toFloat() as tf.Tensor2D);
}

/**
 * Row-wise select: row i from `a` where mask[i], else from `b`. Avoids tf.where with a broadcast mask,
 * which tiles the mask to the full shape (slow on wasm): all/none are free, a mix is one concat + gather.
 */
export function selectRows(mask: ArrayLike<boolean | number>, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  let all = true, none = true;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) none = false;
    else all = false;
  }
  if (all) return a.clone();
  if (none) return b.clone();
  return tf.tidy(() => {
    const n = mask.length;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = mask[i] ? i : n + i;
    return tf.gather(tf.concat([a, b], 0), tf.tensor1d(idx, "int32"));
  });
}

/** Boolean mask [B] broadcastable against a [B, ...] tensor. */
export function batchMask(mask: ArrayLike<boolean | number>, rank: number): tf.Tensor {
  const b = mask.length;
  const data = new Uint8Array(b);
  for (let i = 0; i < b; i++) data[i] = mask[i] ? 1 : 0;
  return tf.tensor(data, [b, ...new Array(rank - 1).fill(1)], "bool");
}

/** Checkpoint steps at which the loss trace is sampled (0, 1/4, 1/2, 3/4, end). */
export function traceCheckpoints(steps: number): number[] {
  return [...new Set([0, Math.round(steps / 4), Math.round(steps / 2), Math.round((3 * steps) / 4), steps])];
}

/** Gather rows of a batch tensor. */
export function gatherRows(t: tf.Tensor, rows: number[]): tf.Tensor {
  return tf.tidy(() => tf.gather(t, tf.tensor1d(rows, "int32")));
}

/** Build a [B,...] tensor from per-row tensors picked from `sources[k]` at row positions. */
export function scatterRows(base: tf.Tensor, rows: number[], values: tf.Tensor): tf.Tensor {
  // Rows replaced by `values` (in order); others kept from base. Done with a gather over a concat.
  return tf.tidy(() => {
    const b = base.shape[0];
    const idx = new Int32Array(b);
    for (let i = 0; i < b; i++) idx[i] = i;
    rows.forEach((r, k) => (idx[r] = b + k));
    return tf.gather(tf.concat([base, values], 0), tf.tensor1d(idx, "int32"));
  });
}
