import { describe, expect, it } from "vitest";
import { AttackSuiteSchema } from "../suite";
import { queriesPerExample, queryBudgets, samplingNoiseBound, whiteBoxReferenceCheck } from "./reference";

const at = (robustAccuracy: number, samples = 200, eps = 0.1) => ({ norm: "linf" as const, eps, robustAccuracy, samples });

describe("white-box reference check", () => {
  it("passes when black-box is not clearly below white-box", () => {
    const c = whiteBoxReferenceCheck([at(0.6), at(0.3, 200, 0.2)], [at(0.35), at(0.05, 200, 0.2)], { label: "digits-cnn v1 evaluation #3" });
    expect(c.status).toBe("pass");
    expect(c.explanation).toContain("linf eps 0.1: black-box 60.0% (n=200) vs white-box 35.0% (n=200)");
  });

  it("passes within sampling noise and fails beyond it, saying which budget", () => {
    const bound = samplingNoiseBound(at(0.5), at(0.55));
    expect(bound).toBeCloseTo(1.96 * Math.sqrt(0.25 / 200 + 0.2475 / 200) + 0.01, 6);
    expect(whiteBoxReferenceCheck([at(0.5)], [at(0.55)], { label: "ref" }).status).toBe("pass");
    const c = whiteBoxReferenceCheck([at(0.4)], [at(0.9)], { label: "ref" });
    expect(c.status).toBe("fail");
    expect(c.explanation).toMatch(/linf eps 0.1: black-box 40.0% .* vs white-box 90.0% .* — BELOW/);
    expect(c.explanation).toMatch(/masked .* or the endpoint does not serve those weights/);
  });

  it("says when there is nothing to compare", () => {
    expect(whiteBoxReferenceCheck([at(0.4)], null, null).explanation).toMatch(/^Not applicable/);
    expect(whiteBoxReferenceCheck([at(0.4)], [at(0.9, 200, 0.3)], { label: "ref" }).explanation).toMatch(/not evaluated at any of these budgets/);
  });
});

describe("query budgets", () => {
  it("count the clean query and each budget at each epsilon, plus one replay query per attack and epsilon", () => {
    const suite = AttackSuiteSchema.parse({
      sanityCheck: false, epsilons: { linf: [0.1, 0.2], l2: [1] },
      attacks: [{ kind: "square", norm: "linf", queries: 500 }, { kind: "hop-skip-jump", norm: "l2", queries: 300 }, { kind: "noise", norm: "linf", distribution: "uniform", draws: 10 }],
    });
    expect(queriesPerExample(suite)).toBe(1 + 2 * 501 + 301 + 2 * 11);
    expect(queryBudgets(suite)).toEqual([{ attack: "square-linf-500", queries: 500 }, { attack: "hsj-l2-300", queries: 300 }, { attack: "noise-uniform-linf", queries: 10 }]);
  });
});
