// What a production batch summarises about its inputs, computed the same way on the evaluation
// dataset (the reference) and by the team's client on live traffic. Pure.
//
// Tabular inputs (at most TABULAR_MAX_FEATURES values per sample): each column is a statistic.
// Images and other large inputs: per-sample statistics of the pixel values, never the pixels:
//   mean       — average value (brightness)
//   std        — standard deviation of the values (contrast)
//   high-share — share of values above the middle of the value range (for digits: ink coverage)

export const TABULAR_MAX_FEATURES = 64;

export interface FeatureSpec {
  kind: "tabular" | "image-statistics";
  names: string[];
}

export function featureSpec(sampleSize: number): FeatureSpec {
  if (sampleSize <= TABULAR_MAX_FEATURES) return { kind: "tabular", names: Array.from({ length: sampleSize }, (_, i) => `feature-${i}`) };
  return { kind: "image-statistics", names: ["mean", "std", "high-share"] };
}

/**
 * One column per statistic: values[f][i] is statistic f of sample i. `x` holds `count` samples of
 * `sampleSize` values each, in the model's raw input range [min, max].
 */
export function sampleStatistics(x: ArrayLike<number>, count: number, sampleSize: number, range: { min: number; max: number }): { spec: FeatureSpec; values: Float64Array[] } {
  if (x.length !== count * sampleSize) throw new Error(`sampleStatistics: x has ${x.length} values, expected ${count} × ${sampleSize}`);
  const spec = featureSpec(sampleSize);
  const values = spec.names.map(() => new Float64Array(count));
  if (spec.kind === "tabular") {
    for (let i = 0; i < count; i++) for (let f = 0; f < sampleSize; f++) values[f]![i] = x[i * sampleSize + f]!;
    return { spec, values };
  }
  const mid = (range.min + range.max) / 2;
  for (let i = 0; i < count; i++) {
    let sum = 0;
    let sq = 0;
    let high = 0;
    for (let j = 0; j < sampleSize; j++) {
      const v = x[i * sampleSize + j]!;
      sum += v;
      sq += v * v;
      if (v > mid) high++;
    }
    const mean = sum / sampleSize;
    values[0]![i] = mean;
    values[1]![i] = Math.sqrt(Math.max(0, sq / sampleSize - mean * mean));
    values[2]![i] = high / sampleSize;
  }
  return { spec, values };
}

export function meanVariance(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = v.length ? s / v.length : 0;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, variance: v.length > 1 ? q / (v.length - 1) : 0 };
}

/** Fixed confidence bins (top-1 probability): ten of width 0.1. */
export const CONFIDENCE_EDGES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
