import { reliabilityDiagram } from "../charts/reliability";
import { COLORS, type Layout } from "./layout";
import { fmtEps, normLabel, pct, pp } from "./format";
import type { BeyondSnapshot } from "./beyond-snapshot";
import type { CostOfRobustness } from "./cost-snapshot";
import { comparisonChart } from "../charts/versions";

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

/** "Cost of robustness": per model in scope, its versions side by side on one shared basis, with a figure. */
export function drawCostOfRobustness(L: Layout, items: CostOfRobustness[] | undefined, sectionNumber: string) {
  if (!items) return;
  L.heading(`${sectionNumber} Cost of robustness: versions compared`, 2);
  L.text("For each model in scope, its versions side by side: clean accuracy and robust accuracy (worst case over the suite's attacks at each budget) from evaluations on the same dataset version, the same examples and the same attacks — the evaluation each row comes from is named — with the training cost the model card records (an ensemble's is the sum of its members') and the inference cost the engine measured in that evaluation, per backend (load-dependent: compare rows measured on the same backend).", { size: 8 });
  if (items.length === 0) L.text("No model is in the scope of this report.", { size: 8, color: COLORS.muted });
  for (const c of items) {
    L.heading(c.modelName, 3);
    if (!c.basis) {
      L.text("No version of this model has a completed evaluation: nothing to compare.", { size: 8, color: COLORS.muted });
      continue;
    }
    L.text(`Basis: ${c.basis}.${c.otherBases ? ` ${c.otherBases} other basis${c.otherBases === 1 ? "" : "es"} (other examples or suites) not shown.` : ""}`, { size: 8 });
    const backends = [...new Set(c.rows.flatMap((r) => r.inference.map((i) => i.backend)))].sort();
    L.table(
      [
        { header: "Version", width: 1.9 },
        { header: "Evaluation", width: 0.7 },
        { header: "Clean", width: 0.6, align: "right" },
        ...c.budgets.map((b) => ({ header: `${normLabel(b.norm)} ε=${fmtEps(b.eps)}`, width: 0.6, align: "right" as const })),
        { header: "Training", width: 1.6 },
        ...backends.map((b) => ({ header: `Inference, ${b}`, width: 1, align: "right" as const })),
      ],
      c.rows.map((r) => [
        r.label,
        r.evaluationNumber === null ? { text: r.note ?? "—", color: COLORS.muted } : `#${r.evaluationNumber}`,
        r.cleanAccuracy === null ? "—" : { text: pct(r.cleanAccuracy), bold: true },
        ...r.robust.map((v) => (v === null ? "—" : pct(v))),
        `${r.trainingMethod.replace(/\.$/, "")}${r.trainingCost ? `; ${r.trainingCost}` : "; cost not recorded"}`,
        ...backends.map((b) => {
          const i = r.inference.find((x) => x.backend === b);
          return i ? `${i.latencyMs.toFixed(2)} ms; ${i.throughputPerSecond.toLocaleString("en")}/s` : "—";
        }),
      ]),
      { size: 7 },
    );
    // Calibration and corruptions: in snapshots taken since they were compared (older ones render as before).
    if (c.corruptionBasis !== undefined) {
      L.text(`Calibration and corruptions. ECE: clean expected calibration error in the row's evaluation above. Corruptions: mean accuracy over the common corruptions and severities, ${c.corruptionBasis ? `measured on ${c.corruptionBasis} with the same settings (the evaluation is named)` : "not measured for any version"}. "not measured": that version has no such evaluation.`, { size: 8 });
      const notMeasured = { text: "not measured", color: COLORS.muted };
      L.table(
        [{ header: "Version", width: 1.9 }, { header: "ECE (clean)", width: 0.8, align: "right" }, { header: "Corruption accuracy", width: 1.2, align: "right" }],
        c.rows.map((r) => [
          r.label,
          r.ece === null || r.ece === undefined ? notMeasured : r.ece.toFixed(3),
          r.corruptionAccuracy === null || r.corruptionAccuracy === undefined ? notMeasured : `${pct(r.corruptionAccuracy)} (#${r.corruptionEvaluationNumber})`,
        ]),
        { size: 7 },
      );
    }
    const chart = comparisonChart(c, { width: 560, height: 230 });
    if (chart) L.lineChart(chart.model, `${c.modelName}: accuracy against the ${normLabel(chart.norm)} budget per version (ε = 0: clean; dashed: ensembles)`);
  }
}
