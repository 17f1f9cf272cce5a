import { describe, expect, it } from "vitest";
import { basisKey, buildVersionComparison, comparisonChart, type ComparableEvaluation, type ComparableHardening, type ComparableVersion } from "./compare-versions";

// The "compare versions" data: only evaluations on the same examples under the same attacks are set side by
// side, each figure names its evaluation, and versions without one say why.

const card = (over: object = {}) => ({
  task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["0", "1"], intendedUse: "x", outOfScopeUse: "y", riskTier: "limited", owner: "o",
  trainingMethod: { kind: "standard" }, ...over,
});
const versions: ComparableVersion[] = [
  { id: "v2", version: 2, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingMethod: { kind: "adversarial", attack: "PGD", norm: "linf", epsilon: 0.3 }, trainingCost: { epochs: 14 } }) },
  { id: "v1", version: 1, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingCost: { epochs: 6, wallTimeHours: 0.1, hardware: "2 vCPU" } }) },
  {
    id: "v3", version: 3, format: "ensemble", status: "ACTIVE",
    card: card({ trainingMethod: { kind: "other", description: "Ensemble" }, trainingCost: { epochs: 20 }, ensemble: { combine: "mean-probability", members: [{ versionId: "v1", modelId: "m", label: "cnn v1", manifestDigest: "a" }, { versionId: "v2", modelId: "m", label: "cnn v2", manifestDigest: "b" }], gradient: "g", trainingCostNote: "" } }),
  },
  { id: "v4", version: 4, format: "tfjs-layers", status: "ACTIVE", card: card() },
  { id: "v5", version: 5, format: "tfjs-layers", status: "ARCHIVED", card: card() },
];
const attacks = [{ attack: "pgd-linf", eps: [0.1, 0.3] }];
const ev = (over: Partial<ComparableEvaluation> & Pick<ComparableEvaluation, "id" | "number" | "modelVersionId">): ComparableEvaluation => ({
  datasetVersionId: "d1", datasetLabel: "mnist v1", sampleIndices: [0, 1, 2, 3], seed: 1, preset: "quick", attacks, finishedAt: `2026-11-0${over.number}T00:00:00.000Z`,
  cleanAccuracy: 0.9, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.5 }, { norm: "linf", eps: 0.3, robustAccuracy: 0.1 }], inference: [{ backend: "wasm", latencyMs: 1.5, throughputPerSecond: 1000, batchSize: 64 }],
  ...over,
});

describe("buildVersionComparison", () => {
  const evals = [
    ev({ id: "e1", number: 1, modelVersionId: "v1", cleanAccuracy: 0.95, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.31 }, { norm: "linf", eps: 0.3, robustAccuracy: 0 }] }),
    ev({ id: "e2", number: 2, modelVersionId: "v2", cleanAccuracy: 0.94, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.91 }, { norm: "linf", eps: 0.3, robustAccuracy: 0.8 }] }),
    ev({ id: "e3", number: 3, modelVersionId: "v3", cleanAccuracy: 0.96, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.67 }, { norm: "linf", eps: 0.3, robustAccuracy: 0.01 }], inference: [{ backend: "wasm", latencyMs: 3, throughputPerSecond: 500, batchSize: 64 }] }),
    // v1 again, newer, on the same basis: the newest one is used
    ev({ id: "e5", number: 5, modelVersionId: "v1", cleanAccuracy: 0.955, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.32 }, { norm: "linf", eps: 0.3, robustAccuracy: 0 }] }),
    // v4 only on other examples: not comparable
    ev({ id: "e4", number: 4, modelVersionId: "v4", sampleIndices: [5, 6] }),
  ];

  it("takes the basis most versions share, the newest evaluation per version, and names it", () => {
    const c = buildVersionComparison("cnn", versions, evals);
    expect(c.basis).toMatchObject({ key: basisKey(evals[0]), label: "mnist v1, 4 samples (seed 1), quick suite", versions: 3 });
    expect(c.otherBases).toHaveLength(1);
    expect(c.budgets).toEqual([{ norm: "linf", eps: 0.1 }, { norm: "linf", eps: 0.3 }]);
    expect(c.rows.map((r) => [r.version, r.evaluation?.number ?? null, r.cleanAccuracy, r.robust])).toEqual([
      [1, 5, 0.955, [0.32, 0]],
      [2, 2, 0.94, [0.91, 0.8]],
      [3, 3, 0.96, [0.67, 0.01]],
      [4, null, null, [null, null]],
      [5, null, null, [null, null]],
    ]);
    expect(c.rows[3].note).toMatch(/only on other examples or another suite \(latest: evaluation #4\)/);
    expect(c.rows[4]).toMatchObject({ archived: true, note: "Not evaluated yet." });
    expect(c.rows[0]).toMatchObject({ trainingMethod: "Standard training", trainingCostText: "6 epochs, 0.1 h wall time, on 2 vCPU", inference: [{ backend: "wasm", latencyMs: 1.5 }] });
    expect(c.rows[2]).toMatchObject({ label: "cnn v3 (ensemble of cnn v1 + cnn v2, mean probability)", ensemble: { combine: "mean probability", members: ["cnn v1", "cnn v2"] }, trainingCostText: "20 epochs" });
  });

  it("sets a hardened version beside its parent with the training cost its run measured, not the card's", () => {
    const cost: ComparableHardening["cost"] = { wallSeconds: 5.43, epochs: 2, attackGradients: 2560, weightGradients: 512, backend: "tensorflow", cpuModel: "Test CPU @ 2.0GHz", cores: 2, workerId: "worker-7" };
    const pair: ComparableVersion[] = [
      { id: "p", version: 1, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingCost: { epochs: 6 } }) },
      // The run's card copy (lib/hardening/run.ts): method and cost filled from the run; the table reads the run's own figures.
      { id: "h", version: 2, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingMethod: { kind: "adversarial", attack: "PGD-5 adversarial training (Madry), 2 epochs, seed 7", norm: "linf", epsilon: 0.1 }, trainingCost: { epochs: 2, wallTimeHours: 0.0015 } }) },
    ];
    // The hardened version's evaluation repeats the parent's: same dataset version, examples and attacks.
    const c = buildVersionComparison("digits-cnn", pair, [
      ev({ id: "e1", number: 1, modelVersionId: "p", cleanAccuracy: 0.947, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.323 }, { norm: "linf", eps: 0.3, robustAccuracy: 0 }] }),
      ev({ id: "e2", number: 2, modelVersionId: "h", cleanAccuracy: 0.96, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.517 }, { norm: "linf", eps: 0.3, robustAccuracy: 0.02 }] }),
    ], undefined, [{ runId: "run1", resultVersionId: "h", parentVersionId: "p", cost }]);
    expect(c.basis?.versions).toBe(2);
    expect(c.rows.map((r) => [r.version, r.evaluation?.number, r.cleanAccuracy, r.robust, r.hardening?.parentVersion ?? null])).toEqual([
      [1, 1, 0.947, [0.323, 0], null],
      [2, 2, 0.96, [0.517, 0.02], 1],
    ]);
    expect(c.rows[0]).toMatchObject({ trainingMethod: "Standard training", trainingCostText: "6 epochs", hardening: null });
    expect(c.rows[1].trainingMethod).toMatch(/^Adversarial training .*PGD-5 adversarial training \(Madry\).*; hardened from v1 by Bulwark$/);
    expect(c.rows[1].trainingCostText).toBe("measured by Bulwark: 5.4 s wall time, 2 epochs, 2,560 attack + 512 weight gradients, tensorflow backend on 2 × Test CPU @ 2.0GHz, worker worker-7");
    expect(c.rows[1].hardening).toEqual({ runId: "run1", parentVersion: 1, cost });
  });

  it("sets parent and hardened side by side for calibration and corruptions too, and says where they were not measured", () => {
    const cost: ComparableHardening["cost"] = { wallSeconds: 1500, epochs: 3, examples: 1200, attackGradients: 6000, weightGradients: 1200, backend: "tensorflow", cpuModel: "Test CPU", cores: 2, workerId: "w" };
    const trio: ComparableVersion[] = [
      { id: "p", version: 1, format: "tfjs-layers", status: "ACTIVE", card: card() },
      { id: "h", version: 2, format: "tfjs-layers", status: "ACTIVE", card: card() },
      { id: "o", version: 3, format: "tfjs-layers", status: "ACTIVE", card: card() },
    ];
    const corruptions = { severities: [1, 3, 5] };
    const c = buildVersionComparison("digits-cnn", trio, [
      // The basis: attacks and calibration on 4 digits (v3 measured before calibration existed: no ECE).
      ev({ id: "e1", number: 1, modelVersionId: "p", ece: 0.015 }),
      ev({ id: "e2", number: 2, modelVersionId: "h", ece: 0.026 }),
      ev({ id: "e3", number: 3, modelVersionId: "o", ece: null }),
      // The corruptions ran in other evaluations, on 2 digits: their own basis, the same settings for both.
      ev({ id: "e4", number: 4, modelVersionId: "p", sampleIndices: [0, 1], corruptions, corruptionAccuracy: 0.7 }),
      ev({ id: "e5", number: 5, modelVersionId: "h", sampleIndices: [0, 1], corruptions, corruptionAccuracy: 0.82 }),
      // On another dataset version under other corruption settings: not comparable with those, so v3 shows none.
      ev({ id: "e6", number: 6, modelVersionId: "o", datasetVersionId: "d2", sampleIndices: [0, 1], corruptions: { severities: [1] }, corruptionAccuracy: 0.9 }),
    ], undefined, [{ runId: "r", resultVersionId: "h", parentVersionId: "p", cost }]);
    expect(c.basis?.samples).toBe(4);
    expect(c.corruptionBasis).toEqual({ label: "mnist v1, 2 samples (seed 1)", versions: 2 });
    expect(c.rows.map((r) => [r.version, r.evaluation?.number, r.ece, r.corruptionAccuracy, r.corruptionEvaluation?.number ?? null, r.hardening?.parentVersion ?? null])).toEqual([
      [1, 1, 0.015, 0.7, 4, null],
      [2, 2, 0.026, 0.82, 5, 1],
      [3, 3, null, null, null, null],
    ]);
    // The measured cost, in the one wording (a long run in minutes).
    expect(c.rows[1]!.trainingCostText).toBe("measured by Bulwark: 25 minutes wall time, 3 epochs, 1,200 examples trained, 6,000 attack + 1,200 weight gradients, tensorflow backend on 2 × Test CPU, worker w");
    // No corruption figure anywhere: no corruption basis.
    expect(buildVersionComparison("digits-cnn", trio, [ev({ id: "e1", number: 1, modelVersionId: "p", ece: 0.015 })]).corruptionBasis).toBeNull();
  });

  it("switches to another basis on request, and only compares budgets every picked evaluation measured", () => {
    const c = buildVersionComparison("cnn", versions, [...evals, ev({ id: "e6", number: 6, modelVersionId: "v2", sampleIndices: [5, 6], worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.9 }] })], basisKey(evals[4]));
    expect(c.basis).toMatchObject({ versions: 2, samples: 2 });
    expect(c.budgets).toEqual([{ norm: "linf", eps: 0.1 }]);
    expect(c.rows.filter((r) => r.evaluation).map((r) => [r.version, r.evaluation!.number, r.robust])).toEqual([[2, 6, [0.9]], [4, 4, [0.5]]]);
    expect(c.rows[0].note).toMatch(/latest: evaluation #5/);
  });

  it("has an empty state: no basis, every row says it is not evaluated, and no chart", () => {
    const c = buildVersionComparison("cnn", versions, []);
    expect(c).toMatchObject({ basis: null, otherBases: [], budgets: [] });
    expect(c.rows.every((r) => r.note === "Not evaluated yet." && r.cleanAccuracy === null)).toBe(true);
    expect(comparisonChart(c)).toBeNull();
  });

  it("charts accuracy against epsilon per evaluated version, clean at 0, ensembles dashed", () => {
    const chart = comparisonChart(buildVersionComparison("cnn", versions, evals))!;
    expect(chart.norm).toBe("linf");
    expect(chart.model.series.map((s) => [s.name, s.dashed, s.points.map((p) => [p.x, p.y])])).toEqual([
      ["v1", false, [[0, 0.955], [0.1, 0.32], [0.3, 0]]],
      ["v2", false, [[0, 0.94], [0.1, 0.91], [0.3, 0.8]]],
      ["v3 ensemble (mean probability)", true, [[0, 0.96], [0.1, 0.67], [0.3, 0.01]]],
    ]);
  });
});
