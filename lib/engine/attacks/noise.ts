import * as tf from "@tensorflow/tfjs";
import { type AttackBatch, type AttackBatchOutput, type Norm, exampleRngs, exampleSize, logitsOf } from "./common";
import { clip } from "./square";
import type { Rng } from "../rng";

export interface NoiseOptions {
  norm: Norm;
  distribution: "gaussian" | "uniform";
  /** Independent draws per example; an example counts as broken if any draw misclassifies it. */
  draws: number;
}

/** One noise draw for one example (as documented on noiseAttack), added to x0 and clipped to the range, into `out`. */
export function noiseDraw(rng: Rng, x0: ArrayLike<number>, out: Float32Array, opts: Pick<NoiseOptions, "norm" | "distribution">, eps: number, min: number, max: number): void {
  const d = out.length;
  const delta = new Float64Array(d);
  if (opts.distribution === "uniform" && opts.norm === "linf") {
    for (let j = 0; j < d; j++) delta[j] = (2 * rng.next() - 1) * eps;
  } else if (opts.norm === "linf") {
    for (let j = 0; j < d; j++) delta[j] = Math.max(-eps, Math.min(eps, rng.normal() * eps * 0.5));
  } else {
    let s = 0;
    for (let j = 0; j < d; j++) { delta[j] = rng.normal(); s += delta[j] * delta[j]; }
    const norm = Math.sqrt(s) || 1;
    // uniform-in-ball radius eps * u^(1/d); gaussian has norm ~ eps (sigma = eps / sqrt(d)), capped at eps
    const radius = opts.distribution === "uniform" ? eps * Math.pow(rng.next(), 1 / d) : Math.min(eps, (eps / Math.sqrt(d)) * norm);
    for (let j = 0; j < d; j++) delta[j] *= radius / norm;
  }
  for (let j = 0; j < d; j++) out[j] = clip(x0[j] + delta[j], min, max);
}

/**
 * Random-noise baselines at the attack budget, the floor any attack must beat:
 * uniform: Linf U[-eps, eps] per entry; L2 uniform in the eps ball.
 * gaussian: Linf N(0, (eps/2)^2) clipped to [-eps, eps]; L2 N(0, eps^2/d) (expected norm ~eps) projected to the ball.
 */
export async function noiseAttack(batch: AttackBatch, opts: NoiseOptions): Promise<AttackBatchOutput> {
  const { eps } = batch;
  const { min, max } = batch.ctx.range;
  const shape = batch.x.shape.slice(1);
  const d = exampleSize(shape);
  const b = batch.labels.length;
  const x = (await batch.x.data()) as Float32Array;
  const rngs = exampleRngs(batch);
  const kept = Float32Array.from(x);
  const broken = new Uint8Array(b);
  const bestMargin = new Float64Array(b).fill(Infinity);
  const queries = new Int32Array(b);
  for (let t = 0; t < Math.max(1, opts.draws); t++) {
    const rows = Array.from({ length: b }, (_, i) => i).filter((i) => !broken[i]);
    if (rows.length === 0) break;
    const cand = new Float32Array(rows.length * d);
    rows.forEach((i, a) => noiseDraw(rngs[i], x.subarray(i * d, (i + 1) * d), cand.subarray(a * d, (a + 1) * d), opts, eps, min, max));
    const z = tf.tidy(() => logitsOf(batch.ctx, tf.tensor(cand, [rows.length, ...shape])));
    const data = await z.data();
    z.dispose();
    const k = batch.ctx.numClasses;
    rows.forEach((i, a) => {
      queries[i]++;
      const y = batch.labels[i];
      let other = -Infinity;
      for (let j = 0; j < k; j++) if (j !== y && data[a * k + j] > other) other = data[a * k + j];
      const m = data[a * k + y] - other;
      // keep the draw closest to the decision boundary (first misclassifying one ends the search)
      if (m < bestMargin[i]) {
        bestMargin[i] = m;
        kept.set(cand.subarray(a * d, (a + 1) * d), i * d);
        if (m < 0) broken[i] = 1;
      }
    });
  }
  return { xAdv: tf.tensor(kept, batch.x.shape), queries };
}
