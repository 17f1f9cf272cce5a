/*
 * Out-of-distribution detection scores and their evaluation. Scores are "in-distribution-ness": higher means
 * the model treats the input as more like its training data, so in-distribution inputs are the positives.
 */
import type { InputRange } from "./card";
import { createRng } from "./rng";

/** Maximum softmax probability (Hendrycks & Gimpel 2017) per row of logits [n, k]. */
export function maxSoftmaxScores(logits: ArrayLike<number>, numClasses: number): Float64Array {
  const n = rowsOf(logits, numClasses);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    let m = -Infinity;
    for (let j = 0; j < numClasses; j++) m = Math.max(m, logits[o + j]);
    let s = 0;
    for (let j = 0; j < numClasses; j++) s += Math.exp(logits[o + j] - m);
    out[i] = 1 / s; // exp(max - max) / sum
  }
  return out;
}

/**
 * Negative free energy T * logsumexp(z / T) per row (Liu et al. 2020, "Energy-based OOD detection"): the
 * energy is E(x) = -T logsumexp(z / T), and -E is the in-distribution score. T = 1 as in the paper.
 */
export function energyScores(logits: ArrayLike<number>, numClasses: number, temperature = 1): Float64Array {
  if (!(temperature > 0)) throw new Error(`temperature must be positive, got ${temperature}`);
  const n = rowsOf(logits, numClasses);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * numClasses;
    let m = -Infinity;
    for (let j = 0; j < numClasses; j++) m = Math.max(m, logits[o + j] / temperature);
    let s = 0;
    for (let j = 0; j < numClasses; j++) s += Math.exp(logits[o + j] / temperature - m);
    out[i] = temperature * (m + Math.log(s));
  }
  return out;
}

function rowsOf(logits: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(k) || k < 2) throw new Error(`numClasses must be an integer >= 2, got ${k}`);
  if (logits.length % k !== 0) throw new Error(`logits has ${logits.length} values, not a multiple of ${k} classes`);
  return logits.length / k;
}

function checkScores(name: string, v: ArrayLike<number>) {
  if (v.length === 0) throw new Error(`${name} is empty`);
  for (let i = 0; i < v.length; i++) if (Number.isNaN(v[i])) throw new Error(`${name}[${i}] is NaN`);
}

/**
 * Area under the ROC curve for separating in-distribution (positives) from OOD (negatives) by score:
 * the probability that a random ID input scores higher than a random OOD input, ties counting one half
 * (Mann-Whitney U with average ranks).
 */
export function auroc(idScores: ArrayLike<number>, oodScores: ArrayLike<number>): number {
  checkScores("idScores", idScores);
  checkScores("oodScores", oodScores);
  const all = [
    ...Array.from(idScores, (s) => ({ s, id: true })),
    ...Array.from(oodScores, (s) => ({ s, id: false })),
  ].sort((a, b) => a.s - b.s);
  let rankSumId = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const avgRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let t = i; t < j; t++) if (all[t].id) rankSumId += avgRank;
    i = j;
  }
  const p = idScores.length, q = oodScores.length;
  return (rankSumId - (p * (p + 1)) / 2) / (p * q);
}

/**
 * False-positive rate at a true-positive rate of at least `tpr`: the threshold is the highest score that
 * still accepts that share of ID inputs (score >= threshold), and the FPR is the share of OOD inputs it accepts.
 */
export function fprAtTpr(idScores: ArrayLike<number>, oodScores: ArrayLike<number>, tpr = 0.95): { fpr: number; threshold: number } {
  checkScores("idScores", idScores);
  checkScores("oodScores", oodScores);
  if (!(tpr > 0 && tpr <= 1)) throw new Error(`tpr must be in (0, 1], got ${tpr}`);
  const sorted = Float64Array.from(idScores).sort().reverse();
  const threshold = sorted[Math.ceil(tpr * sorted.length - 1e-9) - 1];
  let accepted = 0;
  for (let i = 0; i < oodScores.length; i++) if (oodScores[i] >= threshold) accepted++;
  return { fpr: accepted / oodScores.length, threshold };
}

/** Confidence at or above which an OOD input counts as "classified with high confidence". */
export const HIGH_CONFIDENCE = 0.9;

/** Share of inputs whose maximum softmax probability is at least `threshold`. */
export function highConfidenceShare(msp: ArrayLike<number>, threshold = HIGH_CONFIDENCE): number {
  if (msp.length === 0) return 0;
  let k = 0;
  for (let i = 0; i < msp.length; i++) if (msp[i] >= threshold) k++;
  return k / msp.length;
}

export type SyntheticOodKind = "uniform-noise" | "gaussian-noise" | "blobs";
export const SYNTHETIC_OOD_KINDS: SyntheticOodKind[] = ["uniform-noise", "gaussian-noise", "blobs"];

/**
 * Synthetic inputs unlike any natural data set, in the card's value range, deterministic in (seed, index):
 * uniform-noise: every value uniform over the range; gaussian-noise: N(middle, (width / 4)^2) clipped;
 * blobs: a smooth random field (a few random Gaussian bumps) — low-frequency, so not trivially "noisy".
 * Example with index i uses kind SYNTHETIC_OOD_KINDS[i % 3] when kind is "mixed".
 */
export function syntheticOodInputs(
  indices: number[], inputShape: number[], range: InputRange, seed: number | string, kind: SyntheticOodKind | "mixed" = "mixed",
): Float32Array {
  const n = indices.length;
  const d = inputShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n * d);
  const w = range.max - range.min;
  const [h, wd, c] = inputShape.length >= 2 ? [inputShape[0], inputShape[1], d / (inputShape[0] * inputShape[1])] : [1, d, 1];
  for (let i = 0; i < n; i++) {
    const rng = createRng(seed, indices[i], "ood-synthetic");
    const k = kind === "mixed" ? SYNTHETIC_OOD_KINDS[indices[i] % SYNTHETIC_OOD_KINDS.length] : kind;
    const o = i * d;
    if (k === "uniform-noise") {
      for (let j = 0; j < d; j++) out[o + j] = range.min + w * rng.next();
    } else if (k === "gaussian-noise") {
      for (let j = 0; j < d; j++) out[o + j] = Math.min(range.max, Math.max(range.min, range.min + w / 2 + (w / 4) * rng.normal()));
    } else {
      const bumps = Array.from({ length: 3 }, () => ({
        y: rng.next() * h, x: rng.next() * wd, s: (0.1 + 0.25 * rng.next()) * Math.max(h, wd), a: Array.from({ length: c }, () => rng.next()),
      }));
      for (let y = 0; y < h; y++) for (let x = 0; x < wd; x++) for (let ch = 0; ch < c; ch++) {
        let v = 0;
        for (const b of bumps) v += b.a[ch] * Math.exp(-((y - b.y) ** 2 + (x - b.x) ** 2) / (2 * b.s * b.s));
        out[o + (y * wd + x) * c + ch] = range.min + w * Math.min(1, v);
      }
    }
  }
  return out;
}

export interface OodScoreSummary {
  score: "msp" | "energy";
  auroc: number;
  fprAt95Tpr: number;
  threshold: number;
}

export interface OodSummary {
  scores: OodScoreSummary[];
  /** Share of OOD inputs with MSP >= highConfidenceThreshold. */
  highConfidenceShare: number;
  highConfidenceThreshold: number;
  idExamples: number;
  oodExamples: number;
  /** Why a score was left out (e.g. a constant energy). */
  notes?: string[];
}

function spread(...vs: ArrayLike<number>[]): number {
  let lo = Infinity, hi = -Infinity;
  for (const v of vs) for (let i = 0; i < v.length; i++) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); }
  return hi - lo;
}

/** AUROC and FPR at 95% TPR for both scores, from per-input MSP and energy scores of ID and OOD inputs. */
export function oodSummaryFromScores(
  id: { msp: ArrayLike<number>; energy: ArrayLike<number> }, ood: { msp: ArrayLike<number>; energy: ArrayLike<number> },
): OodSummary {
  const row = (score: "msp" | "energy", a: ArrayLike<number>, b: ArrayLike<number>): OodScoreSummary => {
    const f = fprAtTpr(a, b, 0.95);
    return { score, auroc: auroc(a, b), fprAt95Tpr: f.fpr, threshold: f.threshold };
  };
  // When the logits are log-probabilities (a mean-probability ensemble) logsumexp is 0 for every input: an
  // energy "AUROC" of 0.5 would then describe the model's output format, not its OOD behaviour.
  const energyConstant = spread(id.energy, ood.energy) < 1e-5;
  return {
    scores: energyConstant ? [row("msp", id.msp, ood.msp)] : [row("msp", id.msp, ood.msp), row("energy", id.energy, ood.energy)],
    highConfidenceShare: highConfidenceShare(ood.msp), highConfidenceThreshold: HIGH_CONFIDENCE,
    idExamples: id.msp.length, oodExamples: ood.msp.length,
    ...(energyConstant ? { notes: ["The energy score is left out: it is the same for every input (the model outputs normalised log-probabilities, e.g. a mean-probability ensemble)."] } : {}),
  };
}

/** The same from the logits of ID and OOD inputs. */
export function oodSummary(idLogits: ArrayLike<number>, oodLogits: ArrayLike<number>, numClasses: number): OodSummary {
  return oodSummaryFromScores(
    { msp: maxSoftmaxScores(idLogits, numClasses), energy: energyScores(idLogits, numClasses) },
    { msp: maxSoftmaxScores(oodLogits, numClasses), energy: energyScores(oodLogits, numClasses) },
  );
}
