import { lineChart } from "../charts/line";
import { cleanAccuracyWarning } from "../engine/clean-accuracy";
import { verdictLabel } from "../engine/verdict-words";
import { type Cell, COLORS, type Layout } from "./layout";
import { fmtBytes, fmtDateTime, fmtEps, normLabel, pct, pp } from "./format";
import { isImageShape, pixelsToPng } from "./images";
import { ACCESS, VERDICT_COLOR } from "./pdf-common";
import { drawBeyond } from "./pdf-beyond";
import { drawOperations } from "./pdf-operations";
import { drawIntegrity } from "./pdf-integrity";
import { drawPrivacy } from "./pdf-privacy";
import type { EvaluationSnapshot, ModelSnapshot } from "./schemas";

// Section 3 of the audit report: per model, its card, provenance and every evaluation of the period.

// ---- 3 Models -----------------------------------------------------------------------------------------------

function datasetLine(d: EvaluationSnapshot["dataset"]) {
  return `${d.label} (${d.split.toLowerCase()}, ${d.sampleCount} samples; tensor sha256 ${d.tensorDigest})`;
}

export function modelSection(L: Layout, m: ModelSnapshot, index: number, evals: EvaluationSnapshot[]) {
  if (index > 1) L.newPage();
  L.heading(`3.${index} ${m.label}`, 2);
  L.heading("Model card", 3);
  L.keyValues([
    ["Task", m.card.task],
    ["Input", `shape [${m.card.inputShape.join(", ")}], values ${m.card.inputRange.min}..${m.card.inputRange.max}`],
    ["Classes", `${m.card.classLabels.length}: ${m.card.classLabels.slice(0, 20).join(", ")}${m.card.classLabels.length > 20 ? ", …" : ""}`],
    ["Risk tier", m.tier],
    ["Owner", m.owner],
    ["Intended use", m.card.intendedUse],
    ["Out-of-scope use", m.card.outOfScopeUse],
    ["Known limitations", m.card.knownLimitations],
    ["Training method", m.card.trainingMethod],
    ["Training data", m.trainingDataset ? `${m.trainingDataset.label}; licence ${m.trainingDataset.licence}; personal data: ${m.trainingDataset.personalData}` : "not linked"],
    ["Registered", fmtDateTime(m.registeredAt)],
  ]);
  L.heading("Provenance and digests", 3);
  L.keyValues([["Version id", m.versionId], ["Manifest SHA-256", m.manifestDigest]], { monoValues: true });
  if (m.files.length) {
    L.table([{ header: "File", width: 2 }, { header: "Size", width: 0.8, align: "right" }, { header: "SHA-256", width: 5, mono: true }], m.files.map((f) => [f.path, fmtBytes(f.size), f.sha256]), { size: 7.5 });
  }
  drawOperations(L, m.operations, m.label);
  drawIntegrity(L, m.integrity);
  drawPrivacy(L, m.privacy);
  if (evals.length === 0) {
    L.text("No completed evaluation of this model in the report's period.", { color: COLORS.partial });
    return;
  }
  for (const e of evals) evaluationBlock(L, m, e);
}

function evaluationBlock(L: Layout, m: ModelSnapshot, e: EvaluationSnapshot) {
  L.ensure(220);
  L.gap(6);
  L.font("bold", 11.5, COLORS.brandDark);
  L.doc.text(`Evaluation #${e.number} — ${e.modelLabel}, finished ${fmtDateTime(e.finishedAt)}`, L.left, L.y, { width: L.width });
  L.y = L.doc.y + 6;
  L.keyValues([
    ["Dataset", datasetLine(e.dataset)],
    ["Samples and seed", `${e.samples} samples (stratified by class), seed ${e.seed}, preset ${e.preset}`],
    ["Engine", `${e.provenance.backend ?? "unknown"} backend, TensorFlow.js ${e.provenance.tfjsVersion ?? "?"}, ${e.provenance.shards} shard${e.provenance.shards === 1 ? "" : "s"}`],
    ...(e.threatModel ? [["Threat model", e.threatModel] as [string, string]] : []),
    ["Launched by", `${e.createdBy}${e.scheduled ? " (schedule)" : ""}`],
    ["Model digest", e.modelDigest],
  ], { labelWidth: 110 });

  const mismatch = cleanAccuracyWarning(e.reliability);
  if (mismatch) L.text(`${mismatch.headline}. ${mismatch.explanation}`, { color: mismatch.status === "fail" ? COLORS.failing : COLORS.partial, font: "bold" });

  L.heading("Clean vs robust accuracy", 3);
  const rows: Cell[][] = [[{ text: "Clean (no attack)", bold: true }, "—", "—", "—", { text: pct(e.cleanAccuracy), bold: true }, "—", `${e.cleanCorrect}/${e.samples}`, "—"]];
  for (const a of [...e.attacks].sort((x, y) => x.norm.localeCompare(y.norm) || x.attack.localeCompare(y.attack) || x.eps - y.eps)) {
    rows.push([a.attack, ACCESS[a.family] ?? a.family, normLabel(a.norm), fmtEps(a.eps), pct(a.robustAccuracy), pct(a.successRate), `${a.broken}/${a.attacked}`, a.medianPerturbation == null ? "—" : a.medianPerturbation.toFixed(4)]);
  }
  for (const w of e.worstCase) {
    rows.push([{ text: "Worst case (all attacks)", bold: true }, "—", normLabel(w.norm), fmtEps(w.eps), { text: pct(w.robustAccuracy), bold: true }, "—", `${w.robust}/${e.samples} robust`, "—"]);
  }
  L.table(
    [{ header: "Attack", width: 1.8 }, { header: "Access", width: 1.1 }, { header: "Norm", width: 0.5 }, { header: "ε", width: 0.6, align: "right" }, { header: "Robust accuracy", width: 1, align: "right" }, { header: "Attack success", width: 0.9, align: "right" }, { header: "Broken / attacked", width: 1.1, align: "right" }, { header: "Median perturbation", width: 1, align: "right" }],
    rows,
    { size: 7.5 },
  );

  for (const norm of ["linf", "l2"] as const) {
    const curves = e.curves.filter((c) => c.norm === norm);
    if (curves.length === 0) continue;
    const model = lineChart({
      series: curves.map((c) => ({ name: c.attack === "worst-case" ? "worst case" : c.attack, points: c.points.map((p) => ({ x: p.eps, y: p.robustAccuracy })), dashed: c.attack.startsWith("noise") })),
      xLabel: `ε (${normLabel(norm)})`,
      yLabel: "accuracy",
      width: 560,
      height: 230,
    });
    L.lineChart(model, `Accuracy vs ε (${normLabel(norm)}), evaluation #${e.number}`);
  }

  if (e.perClass.length) {
    const keys = e.worstCase.slice(0, 4).map((w) => ({ key: `${w.norm}:${w.eps}`, label: `${normLabel(w.norm)} ${fmtEps(w.eps)}` }));
    L.heading("Per class", 3);
    L.table(
      [{ header: "Class", width: 1.6 }, { header: "Samples", width: 0.8, align: "right" }, { header: "Clean", width: 0.9, align: "right" }, ...keys.map((k) => ({ header: `Robust ${k.label}`, width: 1, align: "right" as const }))],
      e.perClass.map((c) => [c.label, String(c.count), pct(c.cleanAccuracy), ...keys.map((k) => (c.robustAccuracy[k.key] == null ? "—" : pct(c.robustAccuracy[k.key]!)))]),
      { size: 7.5 },
    );
  }

  const images = e.gallery.filter((g) => isImageShape(g.shape)).slice(0, 4);
  if (images.length) {
    const d = L.doc;
    const cell = L.width / 4;
    const img = 56;
    L.ensure(img + 80);
    L.heading("Adversarial examples", 3);
    const y0 = L.y;
    images.forEach((g, i) => {
      const x = L.left + i * cell;
      d.image(pixelsToPng(g.original, g.shape, e.inputRange), x, y0, { width: img, height: img });
      d.image(pixelsToPng(g.adversarial, g.shape, e.inputRange), x + img + 4, y0, { width: img, height: img });
      d.rect(x, y0, img, img).rect(x + img + 4, y0, img, img).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      L.font("regular", 7, COLORS.text);
      d.text(`#${g.index}: ${g.label} → ${g.advPred} (${pct(g.advConf, 0)})`, x, y0 + img + 3, { width: cell - 6, lineBreak: false });
      L.font("regular", 6.5, COLORS.muted);
      d.text(`${g.attack}, ${normLabel(g.norm)} ε=${fmtEps(g.eps)}`, x, y0 + img + 13, { width: cell - 6, lineBreak: false });
    });
    L.y = y0 + img + 26;
    L.text("Left: the original input; right: the adversarial input the model misclassifies.", { size: 7.5, color: COLORS.muted });
  }

  drawBeyond(L, e.beyond, e.number);

  L.heading("Evaluation checks", 3);
  if (!e.reliability) L.text("No evaluation checks were recorded.");
  else {
    L.font("bold", 10, VERDICT_COLOR[e.reliability.verdict]);
    L.doc.text(verdictLabel(e.reliability.verdict), L.left, L.y);
    L.y = L.doc.y + 4;
    if (e.replay) {
      const bad = e.replay.notReproduced;
      L.text(`Breaks re-verified: ${e.replay.replayed} replayed through the model on the reference (white-box: the tfjs cpu backend; black-box: the endpoint); ` +
        `${bad.length} did not reproduce (expected 0${bad.length ? `; not counted, and the evaluation is unreliable: ${bad.map((b) => `example ${b.index} (${b.attack}, ${b.norm} ε ${b.eps})`).join(", ")}` : ""}). ` +
        `${e.replay.survivors} examples survived every attack (listed in the evaluation's results).`, { size: 8.5, color: bad.length ? COLORS.failing : COLORS.muted });
    }
    L.table(
      [{ header: "Check", width: 2 }, { header: "Result", width: 0.6 }, { header: "Finding", width: 4.4 }],
      e.reliability.checks.map((c) => [c.title, { text: c.status, bold: true, color: c.status === "pass" ? COLORS.satisfied : c.status === "warn" ? COLORS.partial : COLORS.failing }, c.explanation]),
      { size: 7.5 },
    );
  }

  L.heading("Regression against the previous evaluation", 3);
  const c = e.comparison;
  if (!c) L.text("No earlier completed evaluation of this model with the same dataset version and suite: nothing to compare with.");
  else {
    L.text(`Compared with evaluation #${c.previousNumber}; tolerance ${c.tolerancePp} points. ${c.regressions.length ? `${c.regressions.length} measure(s) dropped beyond the tolerance.` : "No robust-accuracy drop beyond the tolerance."}`,
      { color: c.regressions.length ? COLORS.failing : COLORS.text });
    L.table(
      [{ header: "Measure", width: 2.4 }, { header: `Before (#${c.previousNumber})`, width: 1, align: "right" }, { header: `Now (#${e.number})`, width: 1, align: "right" }, { header: "Change", width: 1, align: "right" }],
      [c.clean, ...c.worstCase].map((d) => {
        const regressed = c.regressions.some((r) => r.label === d.label);
        return [d.label, pct(d.before), pct(d.after), { text: pp(d.delta), color: regressed ? COLORS.failing : undefined, bold: regressed }];
      }),
      { size: 7.5 },
    );
  }
  void m;
}
