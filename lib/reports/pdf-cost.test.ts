import { describe, expect, it } from "vitest";
import { renderReportPdf } from "./pdf";
import { sampleSnapshot } from "./sample";
import { ReportSnapshotSchema } from "./schemas";
import { costOfRobustnessSnapshot } from "./cost-snapshot";
import { pdfText } from "./test-helpers";
import { buildVersionComparison, type ComparableEvaluation } from "../evaluations/compare-versions";

// The "Cost of robustness" section of the PDF, read back with pdftotext: the heading, the basis, every
// version with its evaluation number, its accuracies, training cost and inference cost, and the empty case.

const card = (over: object) => ({ task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["0", "1"], intendedUse: "x", outOfScopeUse: "y", riskTier: "limited", owner: "o", trainingMethod: { kind: "standard" }, ...over });
const ev = (id: string, number: number, v: string, clean: number, r1: number, r3: number, latencyMs: number): ComparableEvaluation => ({
  id, number, modelVersionId: v, datasetVersionId: "d", datasetLabel: "mnist-demo-eval v1", sampleIndices: [1, 2, 3], seed: 1, preset: "quick", attacks: [], finishedAt: `2026-11-2${number}T10:00:00.000Z`,
  cleanAccuracy: clean, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: r1 }, { norm: "linf", eps: 0.3, robustAccuracy: r3 }], inference: [{ backend: "wasm", latencyMs, throughputPerSecond: 1234.4, batchSize: 64 }],
});

describe("Cost of robustness in the PDF", () => {
  it("draws each model's versions with the figures and the evaluation they come from", { timeout: 60_000 }, async () => {
    const base = sampleSnapshot({ models: 1, evaluationsPerModel: 1 });
    const versions = [
      { id: "a", version: 1, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingCost: { epochs: 6 } }) },
      { id: "b", version: 2, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingMethod: { kind: "adversarial", attack: "PGD", norm: "linf", epsilon: 0.3 }, trainingCost: { epochs: 14, wallTimeHours: 1.5, hardware: "2 vCPU" } }) },
      { id: "c", version: 3, format: "ensemble", status: "ACTIVE", card: card({ trainingMethod: { kind: "other", description: "Ensemble of v1 and v2" }, trainingCost: { epochs: 20 }, ensemble: { combine: "mean-probability", members: [{ versionId: "a", modelId: "m", label: "digits-cnn v1", manifestDigest: "x" }, { versionId: "b", modelId: "m", label: "digits-cnn v2", manifestDigest: "y" }], gradient: "g", trainingCostNote: "" } }) },
      { id: "d", version: 4, format: "tfjs-layers", status: "ACTIVE", card: card({}) },
      // Hardened from v1 by a run: its row shows the cost the run's worker measured.
      { id: "h", version: 5, format: "tfjs-layers", status: "ACTIVE", card: card({ trainingMethod: { kind: "adversarial", attack: "PGD-5 adversarial training (Madry)", norm: "linf", epsilon: 0.1 }, trainingCost: { epochs: 2 } }) },
    ];
    const run = { runId: "r1", resultVersionId: "h", parentVersionId: "a", cost: { wallSeconds: 5.4, epochs: 2, attackGradients: 2560, weightGradients: 512, backend: "tensorflow", cpuModel: "Test CPU", cores: 2, workerId: "w-1" } };
    // The corruptions ran in evaluations of their own (on 2 digits) for v1 and its hardened v5.
    const corrupted = (e: ComparableEvaluation, acc: number): ComparableEvaluation => ({ ...e, sampleIndices: [1, 2], corruptions: { severities: [1, 3] }, corruptionAccuracy: acc });
    const cmp = buildVersionComparison("digits-cnn", versions, [
      { ...ev("e1", 11, "a", 0.9575, 0.3245, 0.0065, 1.25), ece: 0.0151 }, ev("e2", 12, "b", 0.9545, 0.921, 0.816, 1.5), ev("e3", 13, "c", 0.962, 0.678, 0.014, 3.75), { ...ev("e4", 14, "h", 0.9605, 0.517, 0.021, 1.3), ece: 0.0263 },
      corrupted(ev("e5", 15, "a", 0.9, 0.3, 0, 1), 0.705), corrupted(ev("e6", 16, "h", 0.9, 0.5, 0, 1), 0.8225),
    ], undefined, [run]);
    const snapshot = ReportSnapshotSchema.parse({
      ...base,
      costOfRobustness: [costOfRobustnessSnapshot("m1", { modelName: "digits-cnn", ...cmp }), costOfRobustnessSnapshot("m2", { modelName: "never-evaluated", ...buildVersionComparison("never-evaluated", versions.slice(0, 1), []) })],
    });
    const text = pdfText(await renderReportPdf(snapshot, { status: "draft" })).replace(/\s+/g, " ");
    expect(text).toContain("3.2 Cost of robustness: versions compared");
    expect(text).toContain("Basis: mnist-demo-eval v1, 3 samples (seed 1), quick suite.");
    for (const s of ["#11", "#12", "#13", "95.75%", "32.45%", "0.65%", "95.45%", "92.10%", "81.60%", "96.20%", "67.80%", "1.40%", "1.25 ms", "3.75 ms", "1,234/s", "6 epochs", "14 epochs, 1.5 h wall time, on 2 vCPU", "20 epochs", "Not evaluated yet."]) expect(text).toContain(s);
    expect(text).toContain("digits-cnn v3 (ensemble of digits-cnn v1 + digits-cnn v2, mean probability)");
    // Parent (v1) and hardened (v5) side by side: clean, robust per budget, and the measured training cost.
    for (const s of ["#14", "96.05%", "51.70%", "2.10%", "hardened from v1 by Bulwark", "measured by Bulwark: 5.4 s wall time, 2 epochs, 2,560 attack + 512 weight gradients, tensorflow backend on 2 × Test CPU, worker w-1"]) expect(text).toContain(s);
    // Calibration and corruptions side by side too, and "not measured" where a version has none.
    for (const s of ["0.015", "0.026", "70.50% (#15)", "82.25% (#16)", "not measured", "measured on mnist-demo-eval v1, 2 samples (seed 1) with the same settings"]) expect(text).toContain(s);
    expect(text).toContain("accuracy against the L∞ budget per version");
    expect(text).toContain("No version of this model has a completed evaluation: nothing to compare.");
    // it is listed in the contents
    expect(text.split("Contents")[1]).toContain("Cost of robustness");
  });
});
