import { COLORS, type Layout } from "./layout";
import { verdictLabel } from "../engine/verdict-words";
import { pct } from "./format";
import type { IntegritySnapshot } from "./integrity-snapshot";

// Draws a model's newest training-data integrity scan into its section of the PDF (E15).

export function drawIntegrity(L: Layout, s: IntegritySnapshot | null | undefined) {
  if (!s) return;
  L.ensure(200);
  L.heading(`Training-data integrity (scan #${s.number})`, 3);
  L.keyValues([
    ["Training data", `${s.trainingData}; ${s.samples.toLocaleString("en")} examples scanned`],
    ["Live backdoor", s.liveBackdoors.length ? `YES, towards ${s.liveBackdoors.map((l) => `"${l}"`).join(", ")}` : "none found"],
    ["Suspicious classes", s.flaggedClasses.length ? `${s.flaggedClasses.map((l) => `"${l}"`).join(", ")} (${s.suspiciousTotal ?? 0} suspected planted examples)` : "none"],
    ["Likely mislabelled", s.suspectedMislabelShare === null ? "not scanned (no cross-validation)" : `${pct(s.suspectedMislabelShare, 1)} (${s.mislabelled ?? 0} examples; ${s.folds}-fold cross-validation, ${s.epochs} epochs)`],
    ["Train/test leakage", s.leakageGroups === null ? "not checked (no held-out data)" : s.leakageGroups === 0 ? "none" : `${s.leakageGroups} duplicate groups across training and held-out data`],
    ["Duplicates", `${s.duplicateGroups} groups; ${s.labelConflictGroups} with conflicting labels`],
    ["Evaluation checks", `${verdictLabel(s.verdict)}${s.reasons.length ? `: ${s.reasons.join("; ")}` : ""}`],
  ], { labelWidth: 110 });
  if (s.triggers.length) {
    L.table(
      [{ header: "Target", width: 0.6 }, { header: "Patch", width: 1.3 }, { header: "Kind", width: 0.7 }, { header: "Flipped (95% interval)", width: 1.6, align: "right" }, { header: "Control (95% interval)", width: 1.5, align: "right" }, { header: "Inputs", width: 0.5, align: "right" }, { header: "Above control", width: 0.7 }, { header: "Live", width: 0.4 }],
      s.triggers.map((t) => [t.target, t.patch, t.kind ?? (t.patch === "derived" ? "derived" : "generic"), `${pct(t.flipRate, 1)} (${pct(t.low, 1)}–${pct(t.high, 1)})`, t.controlLow === undefined ? pct(t.controlRate, 1) : `${pct(t.controlRate, 1)} (${pct(t.controlLow, 1)}–${pct(t.controlHigh ?? 1, 1)})`, String(t.tested), t.aboveControl === undefined ? "—" : t.aboveControl ? "yes" : "no", { text: t.live ? "yes" : "no", bold: t.live }]),
      { size: 7, caption: s.liveRule ? "Trigger test: every patch tested, strongest first" : "Trigger test (derived and live patches)" },
    );
    if (s.liveRule) L.text(`The rule: ${s.liveRule}. Generic patches (white corner squares) are tried towards every class on every model; a derived patch is made from the suspicious examples of a flagged class and is the evidence specific to this data.`, { size: 7, color: COLORS.muted });
  }
  L.bullets(s.reading, { size: 8 });
  L.text(s.methods.join(". ") + ".", { size: 7, color: COLORS.muted });
}
