import { describe, expect, it } from "vitest";
import { auroc, energyScores, fprAtTpr, highConfidenceShare, maxSoftmaxScores, oodSummary, syntheticOodInputs } from "./ood";
import { createRng } from "./rng";

describe("OOD scores", () => {
  it("MSP and energy match their formulas", () => {
    const z = [2, 0, 0, /* row 2 */ 1000, 1000, 1000];
    const msp = maxSoftmaxScores(z, 3);
    expect(msp[0]).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 2), 12);
    expect(msp[1]).toBeCloseTo(1 / 3, 12); // no overflow on large logits
    const e = energyScores(z, 3);
    expect(e[0]).toBeCloseTo(Math.log(Math.exp(2) + 2), 12);
    expect(e[1]).toBeCloseTo(1000 + Math.log(3), 9);
    expect(energyScores([2, 0], 2, 2)[0]).toBeCloseTo(2 * Math.log(Math.exp(1) + 1), 12);
    expect(() => maxSoftmaxScores([1, 2, 3], 2)).toThrow(/not a multiple of 2/);
  });

  it("AUROC of identical distributions is about 0.5, exactly 0.5 for identical samples", () => {
    const rng = createRng(7, 0, "auroc");
    const a = Array.from({ length: 4000 }, () => rng.normal());
    const b = Array.from({ length: 4000 }, () => rng.normal());
    expect(Math.abs(auroc(a, b) - 0.5)).toBeLessThan(0.03); // sd of AUROC here ~ 0.0065
    expect(auroc(a, a)).toBe(0.5);
    expect(auroc([1, 1, 1], [1, 1])).toBe(0.5); // all tied
  });

  it("AUROC is 1 for perfect separation, 0 when reversed, and counts ties as one half", () => {
    expect(auroc([3, 4, 5], [0, 1, 2])).toBe(1);
    expect(auroc([0, 1], [2, 3])).toBe(0);
    // pairs (id, ood): (1,1) tie = 0.5, (1,0) = 1, (2,1) = 1, (2,0) = 1 -> 3.5 / 4
    expect(auroc([1, 2], [1, 0])).toBeCloseTo(3.5 / 4, 12);
  });

  it("FPR at 95% TPR picks the threshold that keeps 95% of in-distribution inputs", () => {
    const id = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100: keep 95 -> threshold 6
    const ood = Array.from({ length: 10 }, (_, i) => i * 2); // 0,2,...,18: >= 6 are 6..18 -> 7 of 10
    const r = fprAtTpr(id, ood);
    expect(r.threshold).toBe(6);
    expect(r.fpr).toBeCloseTo(0.7, 12);
    expect(fprAtTpr([5, 6, 7], [1, 2]).fpr).toBe(0);
    expect(fprAtTpr([1, 1, 1], [1]).fpr).toBe(1); // an OOD score tied with the threshold is accepted
  });

  it("high-confidence share counts MSP >= 0.9", () => {
    expect(highConfidenceShare([0.95, 0.9, 0.5, 0.2])).toBe(0.5);
    expect(highConfidenceShare([])).toBe(0);
  });

  it("synthetic OOD inputs are deterministic, inside the range, and of every kind", () => {
    const range = { min: -1, max: 2 };
    const idx = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const a = syntheticOodInputs(idx, [8, 8, 1], range, 3);
    const b = syntheticOodInputs(idx, [8, 8, 1], range, 3);
    expect(a).toEqual(b);
    // keyed by index: example 5 alone is the same as example 5 of the batch
    expect(syntheticOodInputs([5], [8, 8, 1], range, 3)).toEqual(a.slice(5 * 64, 6 * 64));
    expect(syntheticOodInputs(idx, [8, 8, 1], range, 4)).not.toEqual(a);
    for (const v of a) { expect(v).toBeGreaterThanOrEqual(-1); expect(v).toBeLessThanOrEqual(2); }
    // uniform noise has mean ~ the middle of the range
    const u = syntheticOodInputs([0], [10_000], range, 1, "uniform-noise");
    expect(u.reduce((s, v) => s + v, 0) / u.length).toBeCloseTo(0.5, 1);
  });

  it("leaves the energy score out, saying why, when it is constant (log-probability outputs)", () => {
    const logp = (p: number[]) => p.map(Math.log);
    const s = oodSummary([...logp([0.9, 0.1]), ...logp([0.6, 0.4])], [...logp([0.5, 0.5]), ...logp([0.7, 0.3])], 2);
    expect(s.scores.map((x) => x.score)).toEqual(["msp"]);
    expect(s.notes![0]).toMatch(/energy score is left out/);
  });

  it("oodSummary: logits drawn alike give AUROC ~0.5 for both scores", () => {
    const rng = createRng(2, 0, "logits");
    const z = () => Float32Array.from({ length: 3000 * 4 }, () => 2 * rng.normal());
    const s = oodSummary(z(), z(), 4);
    for (const r of s.scores) expect(Math.abs(r.auroc - 0.5)).toBeLessThan(0.04);
    expect(s.idExamples).toBe(3000);
  });
});
