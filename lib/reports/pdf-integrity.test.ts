import { describe, expect, it } from "vitest";
import { renderReportPdf } from "./pdf";
import { sampleSnapshot } from "./sample";
import { ReportSnapshotSchema } from "./schemas";
import { pdfText } from "./test-helpers";
import type { IntegritySnapshot } from "./integrity-snapshot";

// The PDF's training-data integrity part of a model (E15), read back with pdftotext; snapshots frozen before
// it existed still parse and render.

const scan: IntegritySnapshot = {
  number: 7, finishedAt: "2026-11-26T09:00:00.000Z", trainingData: "mnist-demo-train-poisoned v1", samples: 4000, verdict: "reliable", reasons: [],
  liveBackdoors: ["0"], flaggedClasses: ["0"], suspiciousTotal: 119, suspectedMislabelShare: 0.036, mislabelled: 144, folds: 3, epochs: 2,
  leakageGroups: 0, duplicateGroups: 0, labelConflictGroups: 0,
  triggers: [{ target: "0", patch: "derived", flipRate: 1, low: 0.992, high: 1, controlRate: 0.016, tested: 500, live: true }],
  reading: ["A live backdoor towards \"0\": stamping a small patch makes the model answer \"0\"."],
  methods: ["Activation clustering (Chen et al. 2018)"],
};

describe("PDF: training-data integrity", () => {
  it("draws the newest scan in the model's section; older snapshots without it still render", { timeout: 60_000 }, async () => {
    const base = sampleSnapshot({ models: 1, evaluationsPerModel: 1 });
    const withScan = ReportSnapshotSchema.parse({ ...base, models: base.models.map((m) => ({ ...m, integrity: scan })) });
    const text = pdfText(await renderReportPdf(withScan, { status: "draft" })).replace(/\s+/g, " ");
    expect(text).toMatch(/Training-data integrity \(scan #7\)/);
    expect(text).toMatch(/Live backdoor YES, towards "0"/);
    expect(text).toMatch(/Likely mislabelled 3\.6% \(144 examples; 3-fold cross-validation, 2 epochs\)/);
    // The trigger table: kind (generic or derived), flip rate with its interval, the control, inputs, live.
    expect(text).toMatch(/Trigger test \(derived and live patches\) Target Patch Kind Flipped \(95% interval\) Control \(95% interval\) Inputs/);
    expect(text).toMatch(/0 derived derived 100\.0% \(99\.2%–100\.0%\) 1\.6% 500 Above control Live — yes/);
    const old = ReportSnapshotSchema.parse(base);
    expect(old.models[0]!.integrity).toBeUndefined();
    expect(pdfText(await renderReportPdf(old, { status: "draft" }))).not.toMatch(/Training-data integrity/);
  });
});
