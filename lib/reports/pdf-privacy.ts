import { COLORS, type Layout } from "./layout";
import { verdictLabel } from "../engine/verdict-words";
import { pct } from "./format";
import type { PrivacySnapshot } from "./privacy-snapshot";

// Draws a model's newest membership-inference (privacy) evaluation into its section of the PDF (E7):
// the card's claim next to the measurement, per attack with intervals, and the plain-language reading.

export function drawPrivacy(L: Layout, s: PrivacySnapshot | null | undefined) {
  if (!s) return;
  L.ensure(200);
  L.heading(`Training-data privacy: membership inference (evaluation #${s.number})`, 3);
  const nr = (needed: number) => `not resolvable with ${s.nonMembers} non-members (needs ${needed.toLocaleString("en")})`;
  L.keyValues([
    ["Claimed (model card)", s.claim ?? "no training-privacy claim"],
    ["Measured", `${s.members} members from ${s.membersFrom} vs ${s.nonMembers} non-members from ${s.nonMembersFrom}; accuracy ${pct(s.accuracyMembers, 1)} / ${pct(s.accuracyNonMembers, 1)}`],
    ["LiRA", s.lira ?? "not run"],
    ["Evaluation checks", `${verdictLabel(s.verdict)}${s.reasons.length ? `: ${s.reasons.join("; ")}` : ""}`],
  ], { labelWidth: 110 });
  L.table(
    [{ header: "Attack", width: 2.2 }, { header: "AUC (95%); chance 0.5", width: 1.4, align: "right" }, { header: "Advantage (95%); chance ≤", width: 1.5, align: "right" }, { header: "TPR @ 1% FPR (95%); chance 1%", width: 1.6, align: "right" }, { header: "TPR @ 0.1% FPR (95%); chance 0.1%", width: 1.6, align: "right" }],
    s.attacks.map((a) => [
      a.label,
      { text: `${a.auc.toFixed(3)} (${a.aucCi.low.toFixed(3)}–${a.aucCi.high.toFixed(3)})`, bold: true },
      a.advantageCi ? `${pct(a.advantage, 1)} (${pct(a.advantageCi.low, 1)}–${pct(a.advantageCi.high, 1)}); ≤ ${pct(a.chanceAdvantage ?? 0, 1)}` : pct(a.advantage, 1),
      a.tpr1 ? `${pct(a.tpr1.tpr, 1)} (${pct(a.tpr1.ci.low, 1)}–${pct(a.tpr1.ci.high, 1)})` : nr(100),
      a.tpr01 ? `${pct(a.tpr01.tpr, 2)} (${pct(a.tpr01.ci.low, 2)}–${pct(a.tpr01.ci.high, 2)})` : nr(1000),
    ]),
    { size: 7.5, caption: "Membership-inference attacks" },
  );
  L.text(s.reading, { size: 8 });
  if (s.perClass?.rows.length) {
    L.table(
      [{ header: "Class", width: 0.8 }, { header: "Members / non-members", width: 1.4, align: "right" }, { header: "AUC (95%)", width: 1.4, align: "right" }, { header: "Advantage (95%)", width: 1.4, align: "right" }, { header: "Chance, best of classes", width: 1.3, align: "right" }],
      s.perClass.rows.map((c) => [c.label, `${c.members} / ${c.nonMembers}`, `${c.auc.toFixed(3)} (${c.aucCi.low.toFixed(3)}–${c.aucCi.high.toFixed(3)})`, { text: `${pct(c.advantage, 1)} (${pct(c.advantageCi.low, 1)}–${pct(c.advantageCi.high, 1)})`, bold: c.standsOut }, `≤ ${pct(c.chanceAdvantageBestOf, 1)}`]),
      { size: 7.5, caption: `Per class (${s.perClass.attack})${s.perClass.skipped ? `; ${s.perClass.skipped} class${s.perClass.skipped > 1 ? "es" : ""} with fewer than 5 members or non-members not measured` : ""}` },
    );
  }
  L.text(`${s.attacksTried && s.attacksTried > 1 ? `The reading takes the best of ${s.attacksTried} attacks, so its intervals are Bonferroni-widened to ${pct(s.adjustedLevel ?? 0.95, 2)} each; the table rows are single attacks at 95%. ` : ""}Chance: AUC 0.5; a guesser's TPR equals the false-alarm rate; the advantage guessing reaches is given per row (95%, Kolmogorov–Smirnov bound). Advantage intervals: Dvoretzky–Kiefer–Wolfowitz (distribution-free, conservative). AUC intervals: Hanley–McNeil. TPR intervals: exact Clopper–Pearson over the members at a threshold set on the non-members. Attacks: loss threshold (Yeom et al. 2018), confidence, entropy, modified entropy (Song & Mittal 2021), offline LiRA (Carlini et al. 2022). A measurement can show leakage, not prove its absence.`, { size: 7, color: COLORS.muted });
}
