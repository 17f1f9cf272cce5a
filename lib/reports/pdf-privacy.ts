import { COLORS, type Layout } from "./layout";
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
    ["Reliability", `${s.verdict ?? "—"}${s.reasons.length ? `: ${s.reasons.join("; ")}` : ""}`],
  ], { labelWidth: 110 });
  L.table(
    [{ header: "Attack", width: 2.2 }, { header: "AUC (95%)", width: 1.4, align: "right" }, { header: "Advantage", width: 0.8, align: "right" }, { header: "TPR @ 1% FPR (95%)", width: 1.6, align: "right" }, { header: "TPR @ 0.1% FPR (95%)", width: 1.6, align: "right" }],
    s.attacks.map((a) => [
      a.label,
      { text: `${a.auc.toFixed(3)} (${a.aucCi.low.toFixed(3)}–${a.aucCi.high.toFixed(3)})`, bold: true },
      pct(a.advantage, 1),
      a.tpr1 ? `${pct(a.tpr1.tpr, 1)} (${pct(a.tpr1.ci.low, 1)}–${pct(a.tpr1.ci.high, 1)})` : nr(100),
      a.tpr01 ? `${pct(a.tpr01.tpr, 2)} (${pct(a.tpr01.ci.low, 2)}–${pct(a.tpr01.ci.high, 2)})` : nr(1000),
    ]),
    { size: 7.5, caption: "Membership-inference attacks" },
  );
  L.text(s.reading, { size: 8 });
  L.text("AUC intervals: Hanley–McNeil. TPR intervals: exact Clopper–Pearson over the members at a threshold set on the non-members. Attacks: loss threshold (Yeom et al. 2018), confidence, entropy, modified entropy (Song & Mittal 2021), offline LiRA (Carlini et al. 2022). A measurement can show leakage, not prove its absence.", { size: 7, color: COLORS.muted });
}
