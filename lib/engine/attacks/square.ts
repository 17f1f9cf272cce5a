import * as tf from "@tensorflow/tfjs";
import { type AttackBatch, type AttackBatchOutput, exampleRngs, exampleSize, logitsOf } from "./common";
import type { Rng } from "../rng";

export interface SquareOptions {
  /** Query budget per example (model evaluations), including the initial one. */
  queries: number;
  /** Initial fraction of pixels changed per square (AutoAttack uses 0.8). */
  pInit: number;
}

/** Square-size schedule of Andriushchenko et al. (2020), on the 10,000-query scale. */
export function squareFraction(pInit: number, it: number, budget: number): number {
  const i = Math.floor((it / budget) * 10000);
  const steps: [number, number][] = [[10, 1], [50, 2], [200, 4], [500, 8], [1000, 16], [2000, 32], [4000, 64], [6000, 128], [8000, 256]];
  let div = 512;
  if (i <= 10) div = 1;
  else for (const [limit, d] of steps) if (i <= limit) { div = d; break; }
  return pInit / div;
}

/** The side of the square changed at iteration `it`: about √(p·h·w) pixels, at least 1, below the image height and within its width. */
export function squareSide(pInit: number, it: number, budget: number, h: number, w: number): number {
  const p = squareFraction(pInit, it, budget);
  return Math.max(1, Math.min(Math.round(Math.sqrt(p * h * w)), Math.max(1, h - 1), w));
}

/** Margin z_y - max_{j != y} z_j per row (negative = misclassified). */
async function margins(batch: AttackBatch, x: Float32Array, rows: number[], d: number): Promise<Float64Array> {
  const shape = [rows.length, ...batch.x.shape.slice(1)];
  const z = tf.tidy(() => logitsOf(batch.ctx, tf.tensor(x, shape)));
  const data = await z.data();
  z.dispose();
  const k = batch.ctx.numClasses;
  const out = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const y = batch.labels[r];
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== y && data[i * k + j] > other) other = data[i * k + j];
    out[i] = data[i * k + y] - other;
  });
  void d;
  return out;
}

/** An example's layout for the square proposals ([H, W, C]), its budget and value range. */
export interface SquareFrame {
  h: number;
  w: number;
  c: number;
  eps: number;
  min: number;
  max: number;
}

export const clip = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** The Linf start of Andriushchenko et al.: a vertical stripe of ±eps per column and channel, written to `out`. */
export function linfStripeStart(rng: Rng, x0: ArrayLike<number>, out: Float32Array, f: SquareFrame): void {
  for (let col = 0; col < f.w; col++) {
    for (let ch = 0; ch < f.c; ch++) {
      const s = rng.sign() * f.eps;
      for (let row = 0; row < f.h; row++) {
        const p = (row * f.w + col) * f.c + ch;
        out[p] = clip(x0[p] + s, f.min, f.max);
      }
    }
  }
}

/**
 * One Linf proposal: the window at (vh, vw) of the given side becomes x0 ± eps per channel in `dst` (a copy of
 * `src`), redrawn until the square actually changes (a clipped pixel can make a draw a no-op), at most 10 times.
 */
export function linfSquareProposal(rng: Rng, x0: ArrayLike<number>, src: Float32Array, dst: Float32Array, f: SquareFrame, vh: number, vw: number, side: number): void {
  for (let attempt = 0; attempt < 10; attempt++) {
    let changed = false;
    for (let ch = 0; ch < f.c; ch++) {
      const s = rng.sign() * f.eps;
      for (let r = vh; r < vh + side; r++) {
        for (let q = vw; q < vw + side; q++) {
          const pos = (r * f.w + q) * f.c + ch;
          const v = clip(x0[pos] + s, f.min, f.max);
          if (Math.abs(v - src[pos]) > 1e-7) changed = true;
          dst[pos] = v;
        }
      }
    }
    if (changed) break;
  }
}

/**
 * Square attack, Linf (Andriushchenko et al. 2020): score-based random search. Start from vertical stripes
 * of +-eps; each iteration re-draws +-eps (per channel) on a random square whose side shrinks with the
 * schedule, and keeps it when the margin loss decreases. Uses only the model's class scores.
 */
export async function squareAttack(batch: AttackBatch, opts: SquareOptions): Promise<AttackBatchOutput> {
  const { eps } = batch;
  const { min, max } = batch.ctx.range;
  const shape = batch.x.shape.slice(1);
  // Images are [H, W, C]; other inputs are treated as one row of features.
  const [h, w, c] = shape.length === 3 ? shape : [1, exampleSize(shape), 1];
  const d = h * w * c;
  const b = batch.labels.length;
  const x = (await batch.x.data()) as Float32Array;
  const rngs = exampleRngs(batch);
  const frame: SquareFrame = { h, w, c, eps, min, max };
  const best = new Float32Array(b * d);
  for (let i = 0; i < b; i++) linfStripeStart(rngs[i], x.subarray(i * d, (i + 1) * d), best.subarray(i * d, (i + 1) * d), frame);
  const all = Array.from({ length: b }, (_, i) => i);
  const margin = await margins(batch, best, all, d);
  const queries = new Int32Array(b).fill(1);
  const trace = Array.from({ length: b }, (_, i) => Float32Array.of(margin[i], margin[i]));
  for (let it = 1; it < opts.queries; it++) {
    const active = all.filter((i) => margin[i] >= 0);
    if (active.length === 0) break;
    const side = squareSide(opts.pInit, it, opts.queries, h, w);
    const cand = new Float32Array(active.length * d);
    active.forEach((i, a) => {
      const rng = rngs[i];
      const src = best.subarray(i * d, (i + 1) * d);
      const dst = cand.subarray(a * d, (a + 1) * d);
      dst.set(src);
      const vh = rng.int(h - side + 1);
      const vw = rng.int(w - side + 1);
      linfSquareProposal(rng, x.subarray(i * d, (i + 1) * d), src, dst, frame, vh, vw, side);
    });
    const m = await margins(batch, cand, active, d);
    active.forEach((i, a) => {
      queries[i]++;
      if (m[a] < margin[i]) {
        margin[i] = m[a];
        best.set(cand.subarray(a * d, (a + 1) * d), i * d);
      }
      trace[i][1] = margin[i];
    });
  }
  return { xAdv: tf.tensor(best, batch.x.shape), queries, lossTrace: trace };
}
