import { describe, expect, it } from "vitest";
import { brierOf, calibrationSummary } from "./calibration";
import { createRng } from "./rng";

describe("calibration", () => {
  it("a perfectly calibrated synthetic predictor has ECE near 0", () => {
    // confidence c uniform in [0.1, 1], and the prediction is right with probability exactly c
    const rng = createRng(1, 0, "calibrated");
    const n = 200_000;
    const confidence = new Float64Array(n);
    const correct: boolean[] = [];
    for (let i = 0; i < n; i++) {
      confidence[i] = 0.1 + 0.9 * rng.next();
      correct.push(rng.next() < confidence[i]);
    }
    const s = calibrationSummary({ confidence, correct });
    // sampling error per bin ~ sqrt(0.25 / 13k) = 0.004
    expect(s.ece).toBeLessThan(0.01);
    expect(s.mce).toBeLessThan(0.03);
    expect(s.binning).toBe("15 equal-width bins of top-label confidence over [0, 1]");
    expect(s.bins).toHaveLength(15);
    expect(s.bins[0].count).toBe(0); // [0, 1/15) lies below every confidence drawn
    expect(s.bins[0].accuracy).toBeNull();
  });

  it("a constant overconfident predictor has ECE = MCE = confidence - accuracy", () => {
    // always 95% confident, right 60% of the time: ECE = |0.6 - 0.95| = 0.35
    const n = 1000;
    const confidence = new Array<number>(n).fill(0.95);
    const correct = Array.from({ length: n }, (_, i) => i % 5 < 3);
    const s = calibrationSummary({ confidence, correct }, 10);
    expect(s.accuracy).toBeCloseTo(0.6, 12);
    expect(s.ece).toBeCloseTo(0.35, 12);
    expect(s.mce).toBeCloseTo(0.35, 12);
    const full = s.bins.filter((b) => b.count > 0);
    expect(full.map((b) => [b.lo, b.hi, b.count, b.accuracy])).toEqual([[0.9, 1, n, 0.6]]);
    expect(full[0].meanConfidence).toBeCloseTo(0.95, 12);
  });

  it("a confidence of exactly 1 goes into the last bin; two groups weigh by their size", () => {
    const s = calibrationSummary({ confidence: [1, 1, 0.25, 0.25], correct: [true, false, true, true] }, 4);
    // bin [0.75, 1]: conf 1, acc 0.5, gap 0.5; bin [0.25, 0.5): conf 0.25, acc 1, gap 0.75
    expect(s.bins[3].count).toBe(2);
    expect(s.bins[1].count).toBe(2);
    expect(s.ece).toBeCloseTo(0.5 * 0.5 + 0.5 * 0.75, 12);
    expect(s.mce).toBeCloseTo(0.75, 12);
  });

  it("Brier and NLL are the means of the per-example values; missing values give null", () => {
    // p = (0.7, 0.2, 0.1), true class 0: (0.3)^2 + 0.04 + 0.01 = 0.14
    expect(brierOf([0.7, 0.2, 0.1], 0, 3, 0)).toBeCloseTo(0.14, 12);
    expect(brierOf([0, 0, 1, 0], 2, 2, 1)).toBeCloseTo(2, 12); // confidently wrong: the maximum
    const s = calibrationSummary({ confidence: [0.7, 0.9], correct: [true, false], brier: [0.14, 1.62], nll: [Math.log(1 / 0.7), 2.3] });
    expect(s.brier).toBeCloseTo(0.88, 12);
    expect(s.nll).toBeCloseTo((Math.log(1 / 0.7) + 2.3) / 2, 12);
    expect(calibrationSummary({ confidence: [0.7], correct: [true] }).brier).toBeNull();
  });

  it("refuses inputs that are not probabilities, naming the example", () => {
    expect(() => calibrationSummary({ confidence: [0.5, 1.2], correct: [true, true] })).toThrow(/confidence 1.2 of example 1/);
    expect(() => calibrationSummary({ confidence: [0.5], correct: [] })).toThrow(/correct has 0 entries/);
  });
});
