import { describe, expect, it } from "vitest";
import { advantageInterval, aucInterval, aucOf, betaInc, chanceAdvantage, clopperPearson, hanleyMcNeil, membershipMetrics, minimumDetectableAuc, normalCdf, normalQuantile, rocCurve, membershipAdvantage, tprAtFpr } from "./metrics";
import { createRng } from "../rng";

describe("membership-inference metrics (known answers)", () => {
  it("AUC: separated 1, reversed 0, identical 0.5, ties count one half", () => {
    expect(aucOf([3, 4, 5], [0, 1, 2])).toBe(1);
    expect(aucOf([0, 1, 2], [3, 4, 5])).toBe(0);
    expect(aucOf([1, 1, 1], [1, 1])).toBe(0.5);
    // pairs: 3>1, 3>2, 2>1, 2=2 → 3.5 of 4
    expect(aucOf([3, 2], [1, 2])).toBe(0.875);
  });

  it("ROC curve and membership advantage", () => {
    const roc = rocCurve([3, 2], [1, 2]);
    expect(roc).toEqual([{ fpr: 0, tpr: 0 }, { fpr: 0, tpr: 0.5 }, { fpr: 0.5, tpr: 1 }, { fpr: 1, tpr: 1 }]);
    expect(membershipAdvantage(roc)).toBe(0.5);
    expect(membershipAdvantage(rocCurve([5, 6], [1, 2]))).toBe(1);
  });

  it("Hanley–McNeil interval matches the formula worked by hand", () => {
    // A = 0.8, m = n = 50: Q1 = 2/3, Q2 = 0.7111; SE² = (0.16 + 49·0.02667 + 49·0.07111)/2500 = 0.0019804.
    const ci = hanleyMcNeil(0.8, 50, 50);
    const se = Math.sqrt(0.0019804);
    expect(ci.low).toBeCloseTo(0.8 - 1.959964 * se, 3);
    expect(ci.high).toBeCloseTo(0.8 + 1.959964 * se, 3);
    expect(hanleyMcNeil(1, 40, 40)).toEqual({ low: 1, high: 1 });
  });

  it("Clopper–Pearson: textbook values", () => {
    expect(betaInc(0.5, 2, 2)).toBeCloseTo(0.5, 10);
    const zero = clopperPearson(0, 10);
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(1 - 0.025 ** (1 / 10), 6); // 0.3085
    const half = clopperPearson(5, 10);
    expect(half.low).toBeCloseTo(0.1871, 4);
    expect(half.high).toBeCloseTo(0.8129, 4);
    const all = clopperPearson(20, 20);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(0.025 ** (1 / 20), 6);
  });

  it("TPR at low FPR thresholds on the non-members and refuses what the sample cannot resolve", () => {
    const non = Array.from({ length: 100 }, (_, i) => i); // 0..99
    const mem = [99.5, 98.5, 98, 50, 10];
    const r = tprAtFpr(mem, non, 0.01);
    // k = 1 false positive allowed: threshold above the second-highest non-member (98); members 99.5 and 98.5.
    expect(r).toMatchObject({ resolvable: true, falsePositivesAllowed: 1, truePositives: 2, tpr: 0.4 });
    expect(r.ci!.low).toBeCloseTo(clopperPearson(2, 5).low, 10);
    const fine = tprAtFpr(mem, non, 0.001);
    expect(fine).toMatchObject({ resolvable: false, nonMembersNeeded: 1000, tpr: null, ci: null });
    expect(tprAtFpr(mem, non.slice(0, 99), 0.01).resolvable).toBe(false);
  });

  it("bundles the metrics; the ROC is thinned to its point budget", () => {
    const mem = Array.from({ length: 500 }, (_, i) => i + 0.5);
    const non = Array.from({ length: 500 }, (_, i) => i);
    const m = membershipMetrics(mem, non, { rocPoints: 50 });
    expect(m.roc.length).toBe(50);
    expect(m.roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(m.roc.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    expect(m.auc).toBeCloseTo(0.501, 3);
    expect(m.aucCi.low).toBeLessThan(0.5);
    expect(m.tprAt.map((t) => t.resolvable)).toEqual([true, false]);
  });

  it("normal CDF", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });
});

describe("chance levels, advantage intervals and the detectable AUC", () => {
  /** Members ~ N(d, 1), non-members ~ N(0, 1): AUC Φ(d/√2), true advantage 2Φ(d/2) − 1. */
  const draw = (seed: number, m: number, n: number, d: number) => {
    const rng = createRng(seed, 0, "chance-test");
    return { ms: Array.from({ length: m }, () => rng.normal() + d), ns: Array.from({ length: n }, () => rng.normal()) };
  };

  it("normal quantiles match tables", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(1 - 0.05 / 8)).toBeCloseTo(2.497705, 4);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(() => normalQuantile(1)).toThrow(/p in \(0, 1\)/);
  });

  it("aucInterval at 95% is Hanley–McNeil, and widens at the Bonferroni level", () => {
    expect(aucInterval(0.5056, 1000, 1000)).toEqual(hanleyMcNeil(0.5056, 1000, 1000, normalQuantile(0.975)));
    const wide = aucInterval(0.5056, 1000, 1000, 1 - 0.05 / 4);
    expect(wide.low).toBeLessThan(0.48);
    expect(wide.high).toBeGreaterThan(0.531);
  });

  it("chance advantage: the KS bound by hand, and guessing stays under it in ≥ 95% of runs", () => {
    expect(chanceAdvantage(1000, 1000)).toBeCloseTo(Math.sqrt((Math.log(20) / 2) * 0.002), 12);
    expect(chanceAdvantage(1000, 1000, 0.05, 4)).toBeCloseTo(Math.sqrt((Math.log(80) / 2) * 0.002), 12);
    const c = chanceAdvantage(200, 200);
    let above = 0;
    for (let s = 0; s < 200; s++) {
      const { ms, ns } = draw(s, 200, 200, 0);
      if (membershipAdvantage(rocCurve(ms, ns)) > c) above++;
    }
    expect(above / 200).toBeLessThanOrEqual(0.06);
  });

  it("the advantage interval covers the true advantage in ≥ 95% of runs", () => {
    const d = 0.5, truth = 2 * normalCdf(d / 2) - 1;
    let covered = 0;
    for (let s = 0; s < 150; s++) {
      const { ms, ns } = draw(1000 + s, 150, 250, d);
      const ci = advantageInterval(membershipAdvantage(rocCurve(ms, ns)), 150, 250);
      if (ci.low <= truth && truth <= ci.high) covered++;
    }
    expect(covered / 150).toBeGreaterThanOrEqual(0.95);
    expect(advantageInterval(0.02, 1000, 1000).low).toBe(0);
  });

  it("an AUC at the minimum detectable value is detected in about 80% of runs", () => {
    const mda = minimumDetectableAuc(300, 300);
    expect(mda).toBeGreaterThan(0.53);
    expect(mda).toBeLessThan(0.57);
    expect(minimumDetectableAuc(1000, 1000)).toBeLessThan(mda);
    // Stricter level (best of 4 attacks): a larger AUC is needed.
    expect(minimumDetectableAuc(300, 300, 0.05 / 4)).toBeGreaterThan(mda);
    const d = Math.SQRT2 * normalQuantile(mda);
    let detected = 0;
    for (let s = 0; s < 200; s++) {
      const { ms, ns } = draw(5000 + s, 300, 300, d);
      if (hanleyMcNeil(aucOf(ms, ns), 300, 300).low > 0.5) detected++;
    }
    expect(detected / 200).toBeGreaterThan(0.7);
    expect(detected / 200).toBeLessThan(0.9);
  });
});
