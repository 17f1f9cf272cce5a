// Drift statistics between a reference (the evaluation dataset) and one production batch. Pure.
//
// Binning: equal-frequency bins from the reference's quantiles (B = 10 by default), open at both
// ends, so every reference bin holds about 1/B of the reference and any production value lands in a
// bin. Production clients bin their batch on the same edges (GET /monitoring/reference).

export const DEFAULT_BINS = 10;
/** Added to every bin's share before renormalising, so an empty bin does not make PSI infinite. */
export const PSI_EPSILON = 1e-4;

/** Interior edges at the reference's i/B quantiles (duplicates removed for discrete values). Bin k is (e[k-1], e[k]]. */
export function quantileEdges(values: ArrayLike<number>, bins = DEFAULT_BINS): number[] {
  if (values.length === 0) throw new Error("quantileEdges: values is empty");
  if (!Number.isInteger(bins) || bins < 2) throw new Error("quantileEdges: bins must be an integer ≥ 2");
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    // Lower empirical quantile: the value with i/B of the reference at or below it.
    const e = sorted[Math.max(0, Math.ceil((i * sorted.length) / bins) - 1)]!;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  return edges;
}

/** Counts per bin for the given interior edges (edges.length + 1 bins). */
export function binCounts(values: ArrayLike<number>, edges: number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // First edge ≥ v (binary search): v falls in (e[k-1], e[k]].
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! >= v) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]! += 1;
  }
  return counts;
}

function shares(counts: number[], eps: number): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n <= 0) throw new Error("drift: a histogram has no observations");
  const b = counts.length;
  return counts.map((c) => (c / n + eps) / (1 + b * eps));
}

/**
 * Population stability index: Σ (q_i − p_i) · ln(q_i / p_i) over bins, p = reference shares, q = batch
 * shares, each smoothed as (share + ε) / (1 + Bε). Customary reading: < 0.1 stable, 0.1–0.25 moderate
 * shift, > 0.25 major shift.
 */
export function psi(reference: number[], batch: number[], eps = PSI_EPSILON): number {
  if (reference.length !== batch.length) throw new Error(`psi: ${reference.length} reference bins but ${batch.length} batch bins`);
  const p = shares(reference, eps);
  const q = shares(batch, eps);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (q[i]! - p[i]!) * Math.log(q[i]! / p[i]!);
  return s;
}

/** Kolmogorov's limiting distribution: P(√n_e·D > λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2 j² λ²}. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

export interface KsResult {
  /** Largest gap between the two cumulative shares. */
  statistic: number;
  /** Asymptotic two-sided p-value (Stephens' small-sample correction of λ). */
  pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test on binned data: D = max_k |F_ref(e_k) − F_batch(e_k)| over the bin
 * edges. On shared bins this is the exact KS statistic restricted to the edges, so it never exceeds the
 * statistic of the raw values (finer bins come closer). p from Q_KS((√n_e + 0.12 + 0.11/√n_e)·D),
 * n_e = n·m/(n+m).
 */
export function ksBinned(reference: number[], batch: number[]): KsResult {
  if (reference.length !== batch.length) throw new Error(`ks: ${reference.length} reference bins but ${batch.length} batch bins`);
  const n = reference.reduce((a, b) => a + b, 0);
  const m = batch.reduce((a, b) => a + b, 0);
  if (n <= 0 || m <= 0) throw new Error("ks: a histogram has no observations");
  let fr = 0;
  let fb = 0;
  let d = 0;
  for (let i = 0; i < reference.length; i++) {
    fr += reference[i]! / n;
    fb += batch[i]! / m;
    d = Math.max(d, Math.abs(fr - fb));
  }
  const ne = (n * m) / (n + m);
  const sq = Math.sqrt(ne);
  return { statistic: d, pValue: kolmogorovQ((sq + 0.12 + 0.11 / sq) * d) };
}

/** Fall of the mean top-1 confidence, in percentage points (positive = less confident than at evaluation). */
export function confidenceDropPp(referenceMean: number, batchMean: number): number {
  return (referenceMean - batchMean) * 100;
}
