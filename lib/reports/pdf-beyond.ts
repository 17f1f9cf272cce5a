import { reliabilityDiagram } from "../charts/reliability";
import { COLORS, type Layout } from "./layout";
import { pct, pp } from "./format";
import type { BeyondSnapshot } from "./beyond-snapshot";

// Draws an evaluation's calibration, corruption and OOD results into its block of the PDF.

const n3 = (v: number | null) => (v === null ? "—" : v.toFixed(3));

/** Draws the three parts into an evaluation's block of the PDF. */
export function drawBeyond(L: Layout, b: BeyondSnapshot | null | undefined, evaluationNumber: number) {
  if (!b) return;
  if (b.inference?.length) {
    L.heading("Inference cost", 3);
    L.table(
      [{ header: "Backend", width: 1.5 }, { header: "Latency, one input", width: 1.2, align: "right" }, { header: "Throughput", width: 1.6, align: "right" }],
      b.inference.map((c) => [c.backend, `${c.latencyMs.toFixed(2)} ms`, `${c.throughputPerSecond.toLocaleString("en")} inputs/s (batch ${c.batchSize})`]),
      { size: 7.5 },
    );
  }
  if (b.calibration) {
    L.heading("Calibration, clean and under attack", 3);
    L.table(
      [{ header: "Inputs", width: 2.2 }, { header: "Accuracy", width: 0.8, align: "right" }, { header: "Mean confidence", width: 0.9, align: "right" }, { header: "ECE", width: 0.6, align: "right" }, { header: "MCE", width: 0.6, align: "right" }, { header: "Brier", width: 0.6, align: "right" }, { header: "NLL", width: 0.6, align: "right" }, { header: "Confidently wrong", width: 0.9, align: "right" }],
      b.calibration.rows.map((r) => [r.inputs, pct(r.accuracy), pct(r.meanConfidence), { text: n3(r.ece), bold: true }, n3(r.mce), n3(r.brier), n3(r.nll), pct(r.confidentWrongShare)]),
      { size: 7.5 },
    );
    L.text(`ECE over ${b.calibration.binning}, weighted by bin size; MCE is the largest bin gap. Brier: mean Σ(p − y)² (0 best, 2 worst); NLL in nats. Confidently wrong: wrong with at least 90% confidence, as a share of all samples. Under attack, each sample counts with the input the attack produced.`, { size: 7.5, color: COLORS.muted });
    L.lineChart(reliabilityDiagram(b.calibration.diagram, { width: 560, height: 230 }), `Reliability diagram, evaluation #${evaluationNumber}`);
  }
  if (b.corruptions) {
    const c = b.corruptions;
    L.heading("Common corruptions", 3);
    L.text(`Clean accuracy ${pct(c.cleanAccuracy)}; mean accuracy under corruption ${pct(c.meanAccuracy)}; mCE ${pct(c.mCE)}; relative mCE ${pp(c.relativeMCE)}. ${c.definition}`, { size: 8 });
    L.table(
      [{ header: "Corruption", width: 1.6 }, ...c.severities.map((s) => ({ header: `Severity ${s}`, width: 0.8, align: "right" as const })), { header: "Mean", width: 0.8, align: "right" }, { header: "Error vs clean", width: 0.9, align: "right" }],
      c.rows.map((r) => [r.label, ...r.accuracy.map((a) => pct(a)), { text: pct(r.meanAccuracy), bold: true }, pp(r.relativeError)]),
      { size: 7.5 },
    );
  }
  if (b.ood) {
    const o = b.ood;
    L.heading("Out-of-distribution inputs", 3);
    L.text(`${o.oodExamples} ${o.source === "synthetic" ? "synthetic noise and blob images made by the engine" : "samples of the OOD dataset version"} against ${o.idExamples} evaluation samples. ${pct(o.highConfidenceShare)} of the OOD inputs were classified with at least ${pct(o.highConfidenceThreshold, 0)} confidence.${o.notes?.length ? ` ${o.notes.join(" ")}` : ""}`, { size: 8 });
    L.table(
      [{ header: "Score", width: 2 }, { header: "AUROC", width: 1, align: "right" }, { header: "FPR at 95% TPR", width: 1, align: "right" }],
      o.scores.map((s) => [s.score === "msp" ? "Maximum softmax probability" : "Energy (logsumexp of logits)", { text: s.auroc.toFixed(3), bold: true }, pct(s.fprAt95Tpr)]),
      { size: 7.5 },
    );
  }
}
