import { describe, expect, it } from "vitest";
import type { EngineMetrics } from "../engine/aggregate";
import { compareMetrics, regressionSummary } from "./regression";

function metrics(clean: number, worst: [number, number][], attacks: [string, number, number][] = []): EngineMetrics {
  return {
    samples: 100,
    cleanCorrect: clean * 100,
    cleanAccuracy: clean,
    attacks: attacks.map(([attack, eps, acc]) => ({ attack, kind: "pgd", family: "iterative", norm: "linf", eps, robustAccuracy: acc, successRate: 0, broken: 0, attacked: 0, meanQueries: 0, medianPerturbation: null })),
    worstCase: worst.map(([eps, acc]) => ({ norm: "linf", eps, robustAccuracy: acc, robust: acc * 100 })),
    perClass: [],
    medianMinimalBreakingEps: [],
    curves: [],
    sanity: null,
  };
}

describe("compareMetrics", () => {
  it("flags a robust-accuracy drop beyond the tolerance even when clean accuracy improved", () => {
    const c = compareMetrics({ id: "e1", number: 1, metrics: metrics(0.95, [[0.1, 0.8], [0.2, 0.5]]) }, metrics(0.97, [[0.1, 0.7], [0.2, 0.49]]), 2);
    expect(c.clean.delta).toBeCloseTo(0.02);
    expect(c.regressions.map((r) => r.key)).toEqual(["worst:linf:0.1"]);
    expect(regressionSummary("digits-cnn", c)).toMatch(/fell by 10\.0 points .* while clean accuracy held/);
  });

  it("does not alert exactly at the tolerance or on gains", () => {
    const c = compareMetrics({ id: "e1", number: 1, metrics: metrics(0.9, [[0.1, 0.5]], [["pgd", 0.1, 0.5]]) }, metrics(0.9, [[0.1, 0.48]], [["pgd", 0.1, 0.6]]), 2);
    expect(c.regressions).toEqual([]);
  });

  it("compares only budgets both evaluations measured", () => {
    const c = compareMetrics({ id: "e1", number: 1, metrics: metrics(0.9, [[0.1, 0.5]]) }, metrics(0.9, [[0.3, 0.1]]), 2);
    expect(c.worstCase).toEqual([]);
    expect(c.regressions).toEqual([]);
  });
});
