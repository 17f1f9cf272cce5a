/*
 * Calibration of a classifier's confidence: does "90% sure" mean right 90% of the time?
 * Pure functions of plain numbers (top-label confidence, correctness, per-example Brier and NLL), so the
 * same code scores clean predictions and the predictions on adversarial inputs.
 */

/** Equal-width bins over [0, 1]; 15 as in Guo et al. 2017 ("On Calibration of Modern Neural Networks"). */
export const DEFAULT_CALIBRATION_BINS = 15;

export interface ReliabilityBin {
  /** Lower and upper edge: the bin holds confidences in [lo, hi) (the last bin also holds 1). */
  lo: number;
  hi: number;
  count: number;
  /** Mean top-label confidence of the examples in the bin (null when empty). */
  meanConfidence: number | null;
  /** Share of those examples classified correctly (null when empty). */
  accuracy: number | null;
}

export interface CalibrationSummary {
  examples: number;
  /** How the bins were made, in words, for the report. */
  binning: string;
  bins: ReliabilityBin[];
  /** Expected calibration error: sum over bins of (count / n) * |accuracy - mean confidence|. */
  ece: number;
  /** Maximum calibration error: the largest |accuracy - mean confidence| over non-empty bins. */
  mce: number;
  accuracy: number;
  meanConfidence: number;
  /** Mean multi-class Brier score, sum_k (p_k - y_k)^2, in [0, 2] (null when not recorded). */
  brier: number | null;
  /** Mean negative log-likelihood of the true label in nats (null when not recorded). */
  nll: number | null;
}

export interface CalibrationInput {
  /** Top-label (maximum softmax) probability per example. */
  confidence: ArrayLike<number>;
  /** Whether the top label is the true label. */
  correct: ArrayLike<boolean>;
  /** Per-example Brier score (optional: records written before it existed lack it). */
  brier?: ArrayLike<number> | null;
  /** Per-example cross-entropy of the true label (= NLL). */
  nll?: ArrayLike<number> | null;
}

function mean(v: ArrayLike<number> | null | undefined, n: number): number | null {
  if (!v || v.length !== n || n === 0) return null;
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(v[i])) return null;
    s += v[i];
  }
  return s / n;
}

/** Reliability-diagram bins, ECE and MCE with equal-width binning, plus mean Brier and NLL. */
export function calibrationSummary(input: CalibrationInput, binCount = DEFAULT_CALIBRATION_BINS): CalibrationSummary {
  const n = input.confidence.length;
  if (input.correct.length !== n) throw new Error(`correct has ${input.correct.length} entries for ${n} confidences`);
  if (!Number.isInteger(binCount) || binCount < 1 || binCount > 1000) throw new Error(`binCount must be an integer in 1..1000, got ${binCount}`);
  const count = new Array<number>(binCount).fill(0);
  const confSum = new Array<number>(binCount).fill(0);
  const hits = new Array<number>(binCount).fill(0);
  let totalConf = 0, totalHits = 0;
  for (let i = 0; i < n; i++) {
    const c = input.confidence[i];
    if (!(c >= 0 && c <= 1)) throw new Error(`confidence ${c} of example ${i} is not a probability`);
    const b = Math.min(binCount - 1, Math.floor(c * binCount));
    count[b]++;
    confSum[b] += c;
    totalConf += c;
    if (input.correct[i]) { hits[b]++; totalHits++; }
  }
  const bins: ReliabilityBin[] = count.map((m, b) => ({
    lo: b / binCount, hi: (b + 1) / binCount, count: m,
    meanConfidence: m ? confSum[b] / m : null, accuracy: m ? hits[b] / m : null,
  }));
  let ece = 0, mce = 0;
  for (const b of bins) {
    if (!b.count) continue;
    const gap = Math.abs(b.accuracy! - b.meanConfidence!);
    ece += (b.count / n) * gap;
    mce = Math.max(mce, gap);
  }
  return {
    examples: n,
    binning: `${binCount} equal-width bins of top-label confidence over [0, 1]`,
    bins, ece, mce,
    accuracy: n ? totalHits / n : 0,
    meanConfidence: n ? totalConf / n : 0,
    brier: mean(input.brier, n),
    nll: mean(input.nll, n),
  };
}

/** Brier score of one probability vector against the true class: sum_k (p_k - [k = y])^2. */
export function brierOf(probs: ArrayLike<number>, offset: number, numClasses: number, label: number): number {
  let s = 0;
  for (let j = 0; j < numClasses; j++) {
    const diff = probs[offset + j] - (j === label ? 1 : 0);
    s += diff * diff;
  }
  return s;
}
