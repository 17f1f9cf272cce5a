import { advantageInterval, aucInterval, chanceAdvantage, clopperPearson, minimumDetectableAuc, type Interval } from "../engine/privacy/metrics";
import { PRIVACY_ATTACK_LABELS, type AttackResult, type PrivacyAttack } from "../engine/privacy/scores";

/*
 * What a privacy (membership-inference) result says, worded so that it cannot be misread. Pure: everything is
 * derived from the stored per-attack figures, so evaluations stored before this reading existed read the same.
 *
 * - Chance is stated next to every rate: AUC 0.5; at a false-alarm rate α a guesser flags α of the training
 *   records too (TPR = α); the membership advantage of guessing is positive (a maximum over thresholds),
 *   and `chanceAdvantage` bounds it.
 * - The headline is the best of k attacks (k = the attacks run). Taking a maximum inflates it, so the headline
 *   figures carry Bonferroni intervals at level 1 − 0.05/k (simultaneous 95% over the attacks), and the
 *   conclusion is drawn from those: leakage is "detected" only when an adjusted interval excludes chance.
 * - When nothing is detected, the reading says what the sample could have detected: the smallest AUC found in
 *   80% of repeated measurements at that level (minimumDetectableAuc).
 * - Per-class figures get their own intervals and chance levels, Bonferroni over the classes measured.
 */

/** Level of every interval, and of the adjusted ones taken together over the attacks. */
const CONFIDENCE = 0.95;
/** Share of repeated measurements in which the "could have detected" AUC would be found. */
const DETECTION_POWER = 0.8;

export interface RateReading {
  fpr: number;
  /** The attack with the highest TPR at this FPR (the headline picks it). */
  attack: PrivacyAttack;
  tpr: number;
  truePositives: number;
  members: number;
  ci: Interval;
  /** Bonferroni interval (level 1 − 0.05/k). */
  ciAdjusted: Interval;
  /** What guessing reaches: the FPR itself. */
  chance: number;
  /** From the adjusted interval. */
  vsChance: "above" | "consistent" | "below";
}

export interface ClassReading {
  label: string;
  members: number;
  nonMembers: number;
  auc: number;
  aucCi: Interval;
  advantage: number;
  advantageCi: Interval;
  /** What guessing reaches for a class of this size: 95% alone, and for the best of the classes measured. */
  chanceAdvantage: number;
  chanceAdvantageBestOf: number;
  /** Above even the best-of-classes chance level. */
  standsOut: boolean;
}

export interface PrivacyInterpretation {
  attacksTried: number;
  attackLabels: string[];
  /** 1 − 0.05/k. */
  adjustedLevel: number;
  members: number;
  nonMembers: number;
  auc: { attack: PrivacyAttack; value: number; ci: Interval; ciAdjusted: Interval; chance: 0.5; minimumDetectable: number };
  advantage: { attack: PrivacyAttack; value: number; ciAdjusted: Interval; chanceBestOf: number };
  /** At 1% and 0.1% FPR; `null` when the non-members cannot resolve that rate. */
  rates: { fpr: number; reading: RateReading | null; nonMembersNeeded: number }[];
  /** Leakage is detected when an adjusted interval excludes chance (AUC above 0.5, or a TPR above its FPR). */
  detected: boolean;
  perClass: { attack: PrivacyAttack; rows: ClassReading[]; measured: number; skipped: number };
  sentences: string[];
}

const pct = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;
const pctRange = (i: Interval, d = 1) => `${pct(i.low, d)}–${pct(i.high, d)}`;
const f3 = (v: number) => v.toFixed(3);
const fprText = (fpr: number) => (fpr >= 0.01 ? pct(fpr, 0) : pct(fpr, 1));

function rateReading(results: AttackResult[], i: number, level: number): { reading: RateReading | null; fpr: number; nonMembersNeeded: number } {
  const t0 = results[0]!.tprAt[i]!;
  const cands = results.map((r) => ({ r, t: r.tprAt[i]! })).filter((c) => c.t && c.t.resolvable && c.t.tpr !== null && c.t.truePositives !== null);
  if (!cands.length) return { reading: null, fpr: t0.fpr, nonMembersNeeded: t0.nonMembersNeeded };
  const best = [...cands].sort((a, b) => b.t.tpr! - a.t.tpr!)[0]!;
  const m = best.r.members, tp = best.t.truePositives!;
  const ciAdjusted = clopperPearson(tp, m, level);
  const chance = best.t.fpr;
  return {
    fpr: chance, nonMembersNeeded: best.t.nonMembersNeeded,
    reading: {
      fpr: chance, attack: best.r.attack, tpr: best.t.tpr!, truePositives: tp, members: m, ci: best.t.ci ?? clopperPearson(tp, m), ciAdjusted, chance,
      vsChance: ciAdjusted.low > chance ? "above" : ciAdjusted.high < chance ? "below" : "consistent",
    },
  };
}

/** The reading of a privacy result from its per-attack figures (`attacks` as stored in Evaluation.metrics). */
export function interpretPrivacy(m: { members: number; nonMembers: number; attacks: AttackResult[]; accuracy: { members: number; nonMembers: number } }): PrivacyInterpretation {
  const results = m.attacks;
  if (!results.length) throw new Error("a privacy result needs at least one attack");
  const k = results.length;
  const level = 1 - (1 - CONFIDENCE) / k;
  const mm = m.members, nn = m.nonMembers;
  const strongest = [...results].sort((a, b) => b.auc - a.auc)[0]!;
  const aucAdj = aucInterval(strongest.auc, strongest.members, strongest.nonMembers, level);
  const mda = minimumDetectableAuc(mm, nn, 1 - level, DETECTION_POWER);
  const bestAdv = [...results].sort((a, b) => b.advantage - a.advantage)[0]!;
  const advChance = chanceAdvantage(mm, nn, 1 - CONFIDENCE, k);
  const rates = results[0]!.tprAt.map((_, i) => rateReading(results, i, level));
  const detected = aucAdj.low > 0.5 || rates.some((r) => r.reading?.vsChance === "above");

  // Per class, for the strongest attack: each class is a separate test, so the best class is chosen among them.
  const measuredClasses = strongest.perClass.filter((p) => p.auc !== null && p.advantage !== null);
  const rows: ClassReading[] = measuredClasses.map((p) => {
    const bestOf = chanceAdvantage(p.members, p.nonMembers, 1 - CONFIDENCE, measuredClasses.length);
    return {
      label: p.label, members: p.members, nonMembers: p.nonMembers, auc: p.auc!, aucCi: aucInterval(p.auc!, p.members, p.nonMembers),
      advantage: p.advantage!, advantageCi: advantageInterval(p.advantage!, p.members, p.nonMembers),
      chanceAdvantage: chanceAdvantage(p.members, p.nonMembers), chanceAdvantageBestOf: bestOf, standsOut: p.advantage! > bestOf,
    };
  });

  const s: string[] = [];
  const attackName = (a: PrivacyAttack) => PRIVACY_ATTACK_LABELS[a];
  const selection = k > 1 ? `the best of the ${k} attacks run (${results.map((r) => r.attack).join(", ")}), so its intervals are widened to ${pct(level, 2)} each (Bonferroni) to stay 95% for all ${k} together` : "the one attack run";
  if (detected) {
    s.push(`Membership leakage detected: the ${aucAdj.low > 0.5 ? `strongest attack (${attackName(strongest.attack)}) tells a training record from a held-out one with AUC ${f3(strongest.auc)} (adjusted interval ${f3(aucAdj.low)}–${f3(aucAdj.high)}, above the 0.5 of guessing)` : `AUC of the strongest attack, ${f3(strongest.auc)} (adjusted interval ${f3(aucAdj.low)}–${f3(aucAdj.high)}), does not exclude guessing, but an attacker does better than chance at a low false-alarm rate (below)`}. The headline is ${selection}. Measured on ${mm.toLocaleString("en")} training and ${nn.toLocaleString("en")} held-out records.`);
  } else {
    s.push(`No membership leakage detectable at this sample size (${mm.toLocaleString("en")} training and ${nn.toLocaleString("en")} held-out records): the strongest attack (${attackName(strongest.attack)}) reaches AUC ${f3(strongest.auc)} (adjusted interval ${f3(aucAdj.low)}–${f3(aucAdj.high)}), which contains 0.5, the AUC of guessing. The headline is ${selection}. This test would have detected an AUC of ${f3(mda)} or more (in ${pct(DETECTION_POWER, 0)} of repeated measurements); smaller leakage is not ruled out.`);
  }
  if (strongest.auc < 0.5 && aucAdj.high < 0.5) s.push(`The AUC is below 0.5 beyond sampling error: the attack's scores run the wrong way on this model (members look less confident than non-members). That is not evidence of leakage; check that the member and non-member data are what their names say.`);
  for (const r of rates) {
    const a = fprText(r.fpr);
    if (!r.reading) {
      s.push(`At ${a} false alarms the rate is not resolvable with ${nn.toLocaleString("en")} held-out records (it needs at least ${r.nonMembersNeeded.toLocaleString("en")}).`);
      continue;
    }
    const x = r.reading;
    const chanceText = `chance is ${a}: a guesser that flags ${a} of records at random catches ${a} of training records`;
    const where = x.vsChance === "above" ? "above chance" : x.vsChance === "below" ? "below chance (no sign of leakage at this rate)" : "consistent with chance";
    s.push(`Accepting ${a} false alarms, the best attack at that rate (${x.attack}) identifies ${pct(x.tpr, x.fpr < 0.01 ? 2 : 1)} of training records (${x.truePositives} of ${x.members}; adjusted interval ${pctRange(x.ciAdjusted, x.fpr < 0.01 ? 2 : 1)}; ${chanceText}) — ${where}.`);
  }
  const advWord = bestAdv.advantage > advChance ? "above" : "within";
  s.push(`Membership advantage (the largest gap between the share of training and of held-out records an attack flags, over all thresholds): ${pct(bestAdv.advantage)} (${bestAdv.attack}; adjusted interval ${pctRange(advantageInterval(bestAdv.advantage, bestAdv.members, bestAdv.nonMembers, level))}). Guessing alone gives the best of ${k} attack${k > 1 ? "s" : ""} up to ${pct(advChance)} at this sample size (95%), so this is ${advWord} chance.`);
  if (rows.length) {
    const top = [...rows].sort((a, b) => b.advantage - a.advantage)[0]!;
    const standing = rows.filter((r) => r.standsOut);
    s.push(standing.length
      ? `Per class (${strongest.attack}): ${standing.map((r) => `"${r.label}" (advantage ${pct(r.advantage)}, chance up to ${pct(r.chanceAdvantageBestOf)})`).join(", ")} stand${standing.length === 1 ? "s" : ""} out beyond what chance gives the best of ${rows.length} classes of its size.`
      : `Per class (${strongest.attack}): the highest advantage, ${pct(top.advantage)} for "${top.label}" (${top.members} training and ${top.nonMembers} held-out records, interval ${pctRange(top.advantageCi)}), is within what chance gives the best of ${rows.length} classes of that size (up to ${pct(top.chanceAdvantageBestOf)}); no class stands out.`);
  }
  s.push(`The model is ${pct(m.accuracy.members)} accurate on its training records and ${pct(m.accuracy.nonMembers)} on held-out ones; a larger gap usually means more leakage. A measurement can show leakage, never prove its absence.`);
  return {
    attacksTried: k, attackLabels: results.map((r) => r.label), adjustedLevel: level, members: mm, nonMembers: nn,
    auc: { attack: strongest.attack, value: strongest.auc, ci: strongest.aucCi, ciAdjusted: aucAdj, chance: 0.5, minimumDetectable: mda },
    advantage: { attack: bestAdv.attack, value: bestAdv.advantage, ciAdjusted: advantageInterval(bestAdv.advantage, bestAdv.members, bestAdv.nonMembers, level), chanceBestOf: advChance },
    rates: rates.map((r) => ({ fpr: r.fpr, reading: r.reading, nonMembersNeeded: r.nonMembersNeeded })),
    detected,
    perClass: { attack: strongest.attack, rows, measured: rows.length, skipped: strongest.perClass.length - rows.length },
    sentences: s,
  };
}
