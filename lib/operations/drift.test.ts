import { describe, expect, it } from "vitest";
import { binCounts, confidenceDropPp, kolmogorovQ, ksBinned, psi, PSI_EPSILON, quantileEdges } from "./drift";

// Known-answer tests on synthetic data whose shift is known in closed form: stratified samples (the
// (k + ½)/N quantiles) of a uniform or normal distribution against the same distribution shifted by δ.

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
/** Inverse of phi by bisection (exact enough for building test data). */
function phiInv(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
const stratified = (n: number, inv: (p: number) => number, shift = 0) => Float64Array.from({ length: n }, (_, k) => inv((k + 0.5) / n) + shift);
/** PSI with the module's smoothing, from exact shares. */
function psiOfShares(p: number[], q: number[], eps = PSI_EPSILON) {
  const s = (v: number[]) => v.map((x) => (x + eps) / (1 + v.length * eps));
  const ps = s(p);
  const qs = s(q);
  return ps.reduce((acc, pi, i) => acc + (qs[i]! - pi) * Math.log(qs[i]! / pi), 0);
}

describe("binning", () => {
  it("puts 1/B of the reference in each equal-frequency bin and every value somewhere", () => {
    const ref = stratified(10_000, (p) => p);
    const edges = quantileEdges(ref, 10);
    expect(edges).toHaveLength(9);
    edges.forEach((e, i) => expect(e).toBeCloseTo((i + 1) / 10, 3));
    expect(binCounts(ref, edges)).toEqual(new Array(10).fill(1000));
    expect(binCounts([-5, 0.15, 99], edges)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it("merges duplicate edges of a discrete statistic", () => {
    const ref = [...new Array(800).fill(0), ...Array.from({ length: 200 }, (_, i) => i / 200)];
    const edges = quantileEdges(ref, 10);
    expect(edges[0]).toBe(0);
    expect(new Set(edges).size).toBe(edges.length);
    expect(binCounts(ref, edges).reduce((a, b) => a + b)).toBe(1000);
  });
});

describe("PSI and KS against closed forms", () => {
  it("uniform shifted by δ = 0.15: PSI and D match the exact bin shares", () => {
    const d = 0.15;
    const ref = stratified(20_000, (p) => p);
    const batch = stratified(20_000, (p) => p, d);
    const edges = quantileEdges(ref, 10);
    // U[δ, 1+δ] over bins (−∞,0.1],(0.1,0.2],…,(0.9,∞): shares 0, 0.05, 0.1 ×7, 0.25.
    const q = [0, 0.1 - (d - 0.1), 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1 + d];
    const p = new Array(10).fill(0.1);
    const got = psi(binCounts(ref, edges), binCounts(batch, edges));
    expect(got).toBeCloseTo(psiOfShares(p, q), 3);
    // The KS statistic of a uniform shift is δ; at the 0.1 edges the largest gap is F_ref(0.2) − F_batch(0.2) = 0.2 − 0.05.
    const ks = ksBinned(binCounts(ref, edges), binCounts(batch, edges));
    expect(ks.statistic).toBeCloseTo(0.15, 3);
    expect(ks.pValue).toBeLessThan(1e-10);
  });

  it("normal shifted by δ = 0.5σ: PSI from Φ, and D near the continuous 2Φ(δ/2) − 1", () => {
    const d = 0.5;
    const ref = stratified(50_000, phiInv);
    const batch = stratified(50_000, phiInv, d);
    const edges = quantileEdges(ref, 10);
    const z = Array.from({ length: 9 }, (_, i) => phiInv((i + 1) / 10));
    const cdf = [0, ...z.map((x) => phi(x - d)), 1];
    const q = Array.from({ length: 10 }, (_, i) => cdf[i + 1]! - cdf[i]!);
    const got = psi(binCounts(ref, edges), binCounts(batch, edges));
    expect(got).toBeCloseTo(psiOfShares(new Array(10).fill(0.1), q), 3);
    // Binned D is the continuous gap at the best edge: max_i |i/10 − Φ(z_i − δ)| ≤ 2Φ(δ/2) − 1 ≈ 0.1974.
    const atEdges = Math.max(...z.map((x, i) => Math.abs((i + 1) / 10 - phi(x - d))));
    const ks = ksBinned(binCounts(ref, edges), binCounts(batch, edges));
    expect(ks.statistic).toBeCloseTo(atEdges, 3);
    // (up to the 1/N granularity of the stratified samples)
    expect(ks.statistic).toBeLessThanOrEqual(2 * phi(d / 2) - 1 + 1e-4);
    expect(2 * phi(d / 2) - 1 - ks.statistic).toBeLessThan(0.01);
  });

  it("no shift: PSI ≈ 0 and a KS p-value of 1", () => {
    const ref = stratified(10_000, phiInv);
    const edges = quantileEdges(ref, 10);
    const same = stratified(3_000, phiInv);
    expect(psi(binCounts(ref, edges), binCounts(same, edges))).toBeLessThan(1e-4);
    expect(ksBinned(binCounts(ref, edges), binCounts(same, edges)).pValue).toBeGreaterThan(0.99);
  });

  it("an empty bin in the batch stays finite thanks to the ε smoothing", () => {
    const v = psi([50, 50], [100, 0]);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(psiOfShares([0.5, 0.5], [1, 0]), 10);
  });

  it("Kolmogorov's distribution at known points, and the confidence drop in points", () => {
    // Q_KS(1.3581) = 0.05 and Q_KS(1.6276) = 0.01 (the textbook critical values).
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.01, 3);
    expect(confidenceDropPp(0.97, 0.81)).toBeCloseTo(16, 10);
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/2 reference bins but 3 batch bins/);
  });
});
