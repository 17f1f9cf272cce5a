import { describe, expect, it } from "vitest";
import { aggregateRecords } from "./aggregate";
import type { AttackEntry, ExampleRecord } from "./shard";
import { AttackSuiteSchema } from "./suite";

const suite = AttackSuiteSchema.parse({
  sanityCheck: false,
  epsilons: { linf: [0.1, 0.2], l2: [] },
  attacks: [{ kind: "fgsm" }, { kind: "pgd", steps: 10 }],
});

function entry(attack: string, family: AttackEntry["family"], eps: number, success: boolean): AttackEntry {
  return { attack, kind: attack.startsWith("fgsm") ? "fgsm" : "pgd", family, norm: "linf", eps, advPred: success ? 9 : 0, advConf: 0.9, success, linf: success ? eps : 0, l2: 0, loss: 1, queries: 1 };
}

/** broken: [fgsm@0.1, fgsm@0.2, pgd@0.1, pgd@0.2] */
function record(index: number, label: number, correct: boolean, broken: boolean[]): ExampleRecord {
  const [f1, f2, p1, p2] = broken;
  return {
    index, label, cleanPred: correct ? label : (label + 1) % 3, cleanConf: 0.9, cleanCorrect: correct, cleanLoss: 0.1,
    gradient: { zeroFraction: 0, tinyFraction: 0, maxAbs: 1, nonFinite: false },
    attacks: [entry("fgsm-linf", "single-step", 0.1, f1), entry("fgsm-linf", "single-step", 0.2, f2),
      entry("pgd-linf-10x1", "iterative", 0.1, p1), entry("pgd-linf-10x1", "iterative", 0.2, p2)],
  };
}

describe("aggregateRecords", () => {
  const records = [
    record(0, 0, true, [false, false, false, false]), // robust everywhere
    record(1, 0, true, [true, false, false, false]), // only FGSM at 0.1 breaks it: worst case broken at 0.1 and (smaller ball inside) 0.2
    record(2, 1, true, [false, false, false, true]), // PGD breaks it at 0.2
    record(3, 1, false, [true, true, true, true]), // misclassified when clean
    record(4, 2, true, [false, true, true, true]),
  ];

  it("computes clean, per-attack and worst-case robust accuracy", () => {
    const m = aggregateRecords(records, suite, ["a", "b", "c"]);
    expect(m.cleanAccuracy).toBeCloseTo(0.8);
    const get = (a: string, e: number) => m.attacks.find((x) => x.attack === a && x.eps === e)!;
    expect(get("fgsm-linf", 0.1).robustAccuracy).toBeCloseTo(3 / 5); // 0, 2, 4
    expect(get("fgsm-linf", 0.2).robustAccuracy).toBeCloseTo(3 / 5); // 0, 1, 2
    expect(get("pgd-linf-10x1", 0.1).robustAccuracy).toBeCloseTo(3 / 5); // 0, 1, 2
    expect(get("pgd-linf-10x1", 0.2).robustAccuracy).toBeCloseTo(2 / 5); // 0, 1
    expect(get("pgd-linf-10x1", 0.2).successRate).toBeCloseTo(2 / 4);
    // worst case: robust only if no attack broke it at this or a smaller budget
    expect(m.worstCase.map((w) => [w.eps, w.robust])).toEqual([[0.1, 2], [0.2, 1]]);
    expect(m.curves.find((c) => c.attack === "worst-case")!.points.map((p) => p.robustAccuracy)).toEqual([0.8, 0.4, 0.2]);
  });

  it("per class, minimal breaking epsilon, order and duplicates", () => {
    const m = aggregateRecords([...records].reverse(), suite, ["a", "b", "c"]);
    expect(m.perClass[0]).toMatchObject({ count: 2, cleanAccuracy: 1, robustAccuracy: { "linf:0.1": 0.5, "linf:0.2": 0.5 } });
    expect(m.perClass[1]).toMatchObject({ count: 2, cleanAccuracy: 0.5, robustAccuracy: { "linf:0.1": 0.5, "linf:0.2": 0 } });
    // correct examples' minimal breaking eps: 0 -> inf, 1 -> 0.1, 2 -> 0.2, 4 -> 0.1 ; median of (0.1, 0.1, 0.2, inf) = 0.15
    expect(m.medianMinimalBreakingEps[0].value).toBeCloseTo(0.15);
    expect(m.medianMinimalBreakingEps[0].unbrokenFraction).toBeCloseTo(0.25);
    expect(() => aggregateRecords([...records, records[0]], suite, ["a", "b", "c"])).toThrow(/more than one shard/);
  });
});
