import { describe, expect, it } from "vitest";
import { AttackSuiteSchema, attackId, defaultEpsilons, estimateSuiteCost, quickSuite, standardAttacks, standardSuite, suiteWarnings } from "./suite";

describe("attack suites", () => {
  it("default epsilons follow the data range", () => {
    expect(defaultEpsilons({ min: 0, max: 1 }, "digits").linf).toEqual([0.1, 0.2, 0.3]);
    expect(defaultEpsilons({ min: 0, max: 1 }).linf).toEqual([2 / 255, 4 / 255, 8 / 255].map((v) => Number(v.toPrecision(6))));
    expect(defaultEpsilons({ min: 0, max: 1 }).l2).toEqual([0.25, 0.5, 1]);
    expect(defaultEpsilons({ min: 0, max: 255 }).linf).toEqual([2, 4, 8]);
    expect(defaultEpsilons({ min: -1, max: 1 }, "digits").linf).toEqual([0.2, 0.4, 0.6]);
  });

  it("presets parse and have ids", () => {
    const q = quickSuite({ min: 0, max: 1 }, { domain: "digits" });
    expect(q.attacks.map(attackId)).toEqual(["fgsm-linf", "pgd-linf-10x1"]);
    expect(q.epsilons.linf).toEqual([0.1, 0.2, 0.3]);
    const s = standardSuite({ min: 0, max: 1 });
    expect(s.attacks.map((a) => a.kind)).toEqual(expect.arrayContaining(["apgd-ce", "apgd-dlr-t", "square", "noise"]));
  });

  it("standardAttacks: the preset's attacks at its budget, and the demo's smaller one in the same order", () => {
    const budgets = (attacks: unknown[]) => AttackSuiteSchema.parse({ epsilons: { linf: [0.1] }, attacks }).attacks.map((a) => `${attackId(a)} ${JSON.stringify(a)}`);
    expect(standardSuite({ min: 0, max: 1 }).attacks.map((a) => attackId(a))).toEqual(["fgsm-linf", "pgd-linf-20x1", "apgd-ce-linf", "apgd-dlr-t-linf", "square-linf-1000", "noise-gaussian-linf", "noise-uniform-linf"]);
    // What the demo models' committed metrics were measured with (scripts/train-demo.ts): changing it changes them.
    const demo = budgets(standardAttacks({ apgdSteps: 50, squareQueries: 500, noiseDraws: 5, uniformNoise: false }));
    expect(demo.map((d) => d.split(" ")[0])).toEqual(["fgsm-linf", "pgd-linf-20x1", "apgd-ce-linf", "apgd-dlr-t-linf", "square-linf-500", "noise-gaussian-linf"]);
    expect(demo[2]).toContain('"steps":50');
    expect(demo[5]).toContain('"draws":5');
  });

  it("rejects duplicate ids and attacks without epsilons for their norm", () => {
    expect(AttackSuiteSchema.safeParse({ epsilons: { linf: [0.1] }, attacks: [{ kind: "fgsm" }, { kind: "fgsm" }] }).success).toBe(false);
    const r = AttackSuiteSchema.safeParse({ epsilons: { linf: [0.1] }, attacks: [{ kind: "pgd", norm: "l2" }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/no l2 epsilons/);
  });

  it("warns about implausible budgets", () => {
    const s = AttackSuiteSchema.parse({ epsilons: { linf: [0.6, 0.001], l2: [0.5] }, attacks: [{ kind: "fgsm" }, { kind: "noise", norm: "l2", distribution: "gaussian" }] });
    const w = suiteWarnings(s, { min: 0, max: 1 });
    expect(w.join("\n")).toMatch(/at least half the value range/);
    expect(w.join("\n")).toMatch(/below half a grey level/);
    expect(w.join("\n")).toMatch(/no iterative gradient attack/);
    const w255 = suiteWarnings(AttackSuiteSchema.parse({ epsilons: { linf: [0.03] }, attacks: [{ kind: "pgd" }] }), { min: 0, max: 255 });
    expect(w255.join()).toMatch(/meant for 0..1 data/);
    expect(suiteWarnings(quickSuite({ min: 0, max: 1 }, { domain: "digits" }), { min: 0, max: 1 })).toEqual([]);
  });

  it("estimates cost per sample as forward+backward steps", () => {
    const s = AttackSuiteSchema.parse({ sanityCheck: false, epsilons: { linf: [0.1, 0.2] }, attacks: [{ kind: "pgd", steps: 10, restarts: 2 }, { kind: "square", queries: 30 }] });
    const c = estimateSuiteCost(s);
    expect(c.gradientSteps).toBe(1 + 2 * 10 * 2);
    expect(c.forwardPasses).toBe(1 + 2 * 3 + 2 * 31);
    expect(c.perSample).toBeCloseTo(c.gradientSteps + c.forwardPasses / 3);
  });

  it("corruptions and OOD are optional parts with their own cost; old stored suites still parse", () => {
    const old = { name: "quick", preset: "quick", sampleCount: 100, seed: 0, sanityCheck: false, epsilons: { linf: [0.1], l2: [] }, attacks: [{ kind: "fgsm", norm: "linf", targeted: false }] };
    const parsed = AttackSuiteSchema.parse(old);
    expect(parsed.corruptions).toBeUndefined();
    expect(parsed.ood).toBeUndefined();
    expect(parsed.calibrationBins).toBe(15);
    const base = estimateSuiteCost(parsed).forwardPasses;
    const more = AttackSuiteSchema.parse({ ...old, corruptions: { kinds: ["brightness", "rotation"], severities: [1, 5] }, ood: { samples: 50 } });
    expect(more.ood).toEqual({ source: "synthetic", samples: 50 });
    expect(estimateSuiteCost(more).forwardPasses).toBeCloseTo(base + 2 * 2 + 50 / 100, 12);
    expect(AttackSuiteSchema.safeParse({ ...old, corruptions: { kinds: ["fog"] } }).success).toBe(false);
    const r = AttackSuiteSchema.safeParse({ ...old, ood: { source: "dataset" } });
    expect(JSON.stringify(r.error?.issues)).toMatch(/needs datasetVersionId/);
  });
});
