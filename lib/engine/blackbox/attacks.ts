import type { InputRange } from "../card";
import { createRng, type Rng } from "../rng";
import { clip, linfSquareProposal, linfStripeStart, squareSide, type SquareFrame } from "../attacks/square";
import { noiseDraw } from "../attacks/noise";
import { marginsOf, type Oracle } from "./oracle";

// Score-based black-box attacks (model outputs only): Square attack, Linf and L2, and the random-noise
// baselines. Each example has its own query budget; every input sent for an example counts against it,
// and no example is ever sent more than its budget.

export interface BlackBoxBatch {
  oracle: Oracle;
  /** Clean inputs, rows × d, in the card's raw value range. */
  x: Float32Array;
  labels: Int32Array;
  /** Global example indices (randomness is keyed by them, as for the white-box attacks). */
  indices: number[];
  /** One input's shape. */
  shape: number[];
  range: InputRange;
  eps: number;
  seed: number | string;
  stream: string;
}

export interface BlackBoxOutput {
  /** The kept input per example (rows × d). */
  xAdv: Float32Array;
  /** What the oracle answered for the kept input (no extra query is spent to learn it). */
  pred: Int32Array;
  /** Scores at the kept input (rows × classes), when the oracle gives scores. */
  scores: Float64Array | null;
  /** Inputs sent per example. */
  queries: Int32Array;
  /** Per example: margin at the start and at the end (score-based attacks). */
  lossTrace?: Float32Array[];
  /** Decision-based attacks: smallest perturbation norm of an adversarial input found (Infinity if none). */
  distance?: Float64Array;
}

function rngsOf(b: BlackBoxBatch): Rng[] {
  return b.indices.map((i) => createRng(b.seed, i, b.stream));
}

function dimsOf(shape: number[]): [number, number, number] {
  // Images are [H, W, C] (or [H, W]); other inputs are one row of features.
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [shape[0], shape[1], 1];
  return [1, shape.reduce((a, b) => a * b, 1), 1];
}

export interface SquareQueryOptions {
  norm: "linf" | "l2";
  /** Query budget per example, the first evaluation included. */
  queries: number;
  pInit: number;
}

/**
 * Square attack (Andriushchenko et al. 2020) against an oracle that returns class scores. Random search:
 * each iteration changes one square window of the current perturbation and keeps the change when the margin
 * (true-class score minus the best other score) decreases; an example stops once misclassified.
 * Linf: the paper's proposal (±eps per channel on the window; vertical-stripe start).
 * L2: a simplified proposal — the window gets a random ±1 pattern per channel of norm 2·eps·sqrt(area share),
 * then the whole perturbation is scaled back into the eps ball and clipped to the value range.
 */
export async function squareQueryAttack(b: BlackBoxBatch, opts: SquareQueryOptions): Promise<BlackBoxOutput> {
  if (b.oracle.outputKind !== "scores") throw new Error("the Square attack needs class scores; this model answers with labels only (use HopSkipJump)");
  const { eps } = b;
  const { min, max } = b.range;
  const [h, w, c] = dimsOf(b.shape);
  const d = h * w * c;
  const n = b.labels.length;
  const k = b.oracle.numClasses;
  const rngs = rngsOf(b);
  const frame: SquareFrame = { h, w, c, eps, min, max };
  const best = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const rng = rngs[i];
    if (opts.norm === "linf") {
      linfStripeStart(rng, b.x.subarray(i * d, (i + 1) * d), best.subarray(i * d, (i + 1) * d), frame);
    } else {
      const delta = new Float64Array(d);
      let s2 = 0;
      for (let j = 0; j < d; j++) {
        delta[j] = rng.normal();
        s2 += delta[j] ** 2;
      }
      const f = eps / Math.sqrt(s2 || 1);
      for (let j = 0; j < d; j++) best[i * d + j] = clip(b.x[i * d + j] + delta[j] * f, min, max);
    }
  }
  const first = await b.oracle.query(best, n);
  const margin = marginsOf(first.scores!, b.labels, k);
  const pred = Int32Array.from(first.labels);
  const scores = Float64Array.from(first.scores!);
  const queries = new Int32Array(n).fill(1);
  const trace = Array.from({ length: n }, (_, i) => Float32Array.of(margin[i], margin[i]));
  for (let it = 1; it < opts.queries; it++) {
    const active: number[] = [];
    for (let i = 0; i < n; i++) if (margin[i] >= 0 && queries[i] < opts.queries) active.push(i);
    if (active.length === 0) break;
    const side = squareSide(opts.pInit, it, opts.queries, h, w);
    const cand = new Float32Array(active.length * d);
    active.forEach((i, a) => {
      const rng = rngs[i];
      const x0 = b.x.subarray(i * d, (i + 1) * d);
      const src = best.subarray(i * d, (i + 1) * d);
      const dst = cand.subarray(a * d, (a + 1) * d);
      dst.set(src);
      const vh = rng.int(h - side + 1);
      const vw = rng.int(w - side + 1);
      if (opts.norm === "linf") {
        linfSquareProposal(rng, x0, src, dst, frame, vh, vw, side);
      } else {
        const delta = new Float64Array(d);
        for (let j = 0; j < d; j++) delta[j] = src[j] - x0[j];
        const per = (2 * eps * Math.sqrt((side * side) / (h * w))) / Math.sqrt(side * side * c);
        for (let ch = 0; ch < c; ch++) {
          const s = rng.sign() * per;
          for (let r = vh; r < vh + side; r++) for (let q = vw; q < vw + side; q++) delta[(r * w + q) * c + ch] = s;
        }
        let s2 = 0;
        for (let j = 0; j < d; j++) s2 += delta[j] ** 2;
        const f = Math.sqrt(s2) > eps ? eps / Math.sqrt(s2) : 1;
        for (let j = 0; j < d; j++) dst[j] = clip(x0[j] + delta[j] * f, min, max);
      }
    });
    const ans = await b.oracle.query(cand, active.length);
    const m = marginsOf(ans.scores!, active.map((i) => b.labels[i]), k);
    active.forEach((i, a) => {
      queries[i]++;
      if (m[a] < margin[i]) {
        margin[i] = m[a];
        best.set(cand.subarray(a * d, (a + 1) * d), i * d);
        pred[i] = ans.labels[a];
        scores.set(ans.scores!.subarray(a * k, (a + 1) * k), i * k);
      }
      trace[i][1] = margin[i];
    });
  }
  return { xAdv: best, pred, scores, queries, lossTrace: trace };
}

export interface NoiseQueryOptions {
  norm: "linf" | "l2";
  distribution: "gaussian" | "uniform";
  draws: number;
}

/**
 * Random-noise baselines through the oracle (same distributions as the white-box engine's noise baseline):
 * an example counts as broken if any draw is misclassified. Works with scores or labels only.
 */
export async function noiseQueryAttack(b: BlackBoxBatch, opts: NoiseQueryOptions): Promise<BlackBoxOutput> {
  const { eps } = b;
  const { min, max } = b.range;
  const d = b.shape.reduce((a, v) => a * v, 1);
  const n = b.labels.length;
  const k = b.oracle.numClasses;
  const rngs = rngsOf(b);
  const kept = Float32Array.from(b.x);
  const broken = new Uint8Array(n);
  const pred = new Int32Array(n).fill(-1);
  const scores = b.oracle.outputKind === "scores" ? new Float64Array(n * k) : null;
  const bestMargin = new Float64Array(n).fill(Infinity);
  const queries = new Int32Array(n);
  for (let t = 0; t < Math.max(1, opts.draws); t++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (!broken[i]) rows.push(i);
    if (rows.length === 0) break;
    const cand = new Float32Array(rows.length * d);
    rows.forEach((i, a) => noiseDraw(rngs[i], b.x.subarray(i * d, (i + 1) * d), cand.subarray(a * d, (a + 1) * d), opts, eps, min, max));
    const ans = await b.oracle.query(cand, rows.length);
    const m = ans.scores ? marginsOf(ans.scores, rows.map((i) => b.labels[i]), k) : null;
    rows.forEach((i, a) => {
      queries[i]++;
      const wrong = ans.labels[a] !== b.labels[i];
      // Keep the draw closest to the boundary (scores) or the first misclassified one (labels).
      const score = m ? m[a] : wrong ? -1 : 1;
      if (score < bestMargin[i] || pred[i] < 0) {
        bestMargin[i] = score;
        kept.set(cand.subarray(a * d, (a + 1) * d), i * d);
        pred[i] = ans.labels[a];
        if (scores && ans.scores) scores.set(ans.scores.subarray(a * k, (a + 1) * k), i * k);
      }
      if (wrong) broken[i] = 1;
    });
  }
  return { xAdv: kept, pred, scores, queries };
}
