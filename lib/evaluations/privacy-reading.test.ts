import { describe, expect, it } from "vitest";
import { aucInterval, clopperPearson, hanleyMcNeil, minimumDetectableAuc } from "../engine/privacy/metrics";
import { PRIVACY_ATTACK_LABELS, type AttackResult, type PrivacyAttack } from "../engine/privacy/scores";
import { interpretPrivacy } from "./privacy-reading";

// The reading's boundary cases, from stored-style figures: an AUC interval containing 0.5, a rate below
// chance, a rate above chance with an AUC that is not, the selection over attacks, per-class chance levels.

const N = 1000;
function attack(a: PrivacyAttack, auc: number, o: { advantage?: number; tp1?: number; tp01?: number | null; perClass?: AttackResult["perClass"]; m?: number; n?: number } = {}): AttackResult {
  const m = o.m ?? N, n = o.n ?? N;
  const tprAt = [
    { fpr: 0.01, resolvable: true, nonMembersNeeded: 100, tpr: (o.tp1 ?? 10) / m, ci: clopperPearson(o.tp1 ?? 10, m), truePositives: o.tp1 ?? 10, falsePositivesAllowed: 10 },
    o.tp01 === null || o.tp01 === undefined
      ? { fpr: 0.001, resolvable: false, nonMembersNeeded: 1000, tpr: null, ci: null, truePositives: null, falsePositivesAllowed: 0 }
      : { fpr: 0.001, resolvable: true, nonMembersNeeded: 1000, tpr: o.tp01 / m, ci: clopperPearson(o.tp01, m), truePositives: o.tp01, falsePositivesAllowed: 1 },
  ];
  return { attack: a, label: PRIVACY_ATTACK_LABELS[a], members: m, nonMembers: n, auc, aucCi: hanleyMcNeil(auc, m, n), advantage: o.advantage ?? 0.03, tprAt, roc: [], perClass: o.perClass ?? [] };
}
const acc = { members: 0.99, nonMembers: 0.98 };
const four = (loss: AttackResult, rest: Partial<Record<PrivacyAttack, AttackResult>> = {}) => [loss, rest.confidence ?? attack("confidence", 0.502), rest.entropy ?? attack("entropy", 0.501), rest["modified-entropy"] ?? attack("modified-entropy", 0.503)];

describe("privacy reading", () => {
  it("an AUC interval containing 0.5: no leakage detectable, with the AUC this sample could have detected", () => {
    const r = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.5056, { advantage: 0.049, tp1: 7 })), accuracy: acc });
    expect(r.detected).toBe(false);
    expect(r.attacksTried).toBe(4);
    expect(r.adjustedLevel).toBeCloseTo(0.9875, 10);
    expect(r.auc.ciAdjusted).toEqual(aucInterval(0.5056, N, N, 0.9875));
    expect(r.auc.ciAdjusted.low).toBeLessThan(0.5);
    expect(r.auc.minimumDetectable).toBeCloseTo(minimumDetectableAuc(N, N, 0.0125, 0.8), 12);
    const text = r.sentences.join(" ");
    expect(text).toMatch(/^No membership leakage detectable at this sample size \(1,000 training and 1,000 held-out records\)/);
    expect(text).toMatch(/contains 0\.5, the AUC of guessing/);
    expect(text).toContain(`This test would have detected an AUC of ${r.auc.minimumDetectable.toFixed(3)} or more`);
    expect(r.auc.minimumDetectable).toBeGreaterThan(0.53);
    expect(r.auc.minimumDetectable).toBeLessThan(0.56);
    // The selection over attacks is stated, with the widened level.
    expect(text).toMatch(/the best of the 4 attacks run \(loss, confidence, entropy, modified-entropy\), so its intervals are widened to 98\.75% each \(Bonferroni\)/);
    // 4.9% advantage is within what guessing gives the best of 4 attacks on 1,000 + 1,000 records.
    expect(r.advantage.chanceBestOf).toBeGreaterThan(0.06);
    expect(text).toMatch(/Membership advantage .*: 4\.9% \(loss; adjusted interval 0\.0%–1\d\.\d%\)\. Guessing alone gives the best of 4 attacks up to 6\.6% .* within chance\./);
    expect(text).toMatch(/never prove its absence/);
  });

  it("a rate below chance says so, and names chance; 0.7% at 1% FPR on 1,000 members is consistent with chance", () => {
    const below = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.5, { tp1: 0 }), { confidence: attack("confidence", 0.5, { tp1: 0 }), entropy: attack("entropy", 0.5, { tp1: 0 }), "modified-entropy": attack("modified-entropy", 0.5, { tp1: 0 }) }), accuracy: acc });
    const r1 = below.rates[0]!.reading!;
    expect(r1.tpr).toBe(0);
    expect(r1.ciAdjusted.high).toBeLessThan(0.01);
    expect(r1.vsChance).toBe("below");
    expect(below.sentences.join(" ")).toMatch(/identifies 0\.0% of training records \(0 of 1000; adjusted interval 0\.0%–0\.\d%; chance is 1%: a guesser that flags 1% of records at random catches 1% of training records\) — below chance \(no sign of leakage at this rate\)\./);

    const near = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.5056, { tp1: 7 })), accuracy: acc });
    expect(near.rates[0]!.reading).toMatchObject({ tpr: 0.01, attack: "confidence" }); // another attack's 10/1000 wins the max
    const sevenOnly = interpretPrivacy({ members: N, nonMembers: N, attacks: [attack("loss", 0.5056, { tp1: 7 })], accuracy: acc });
    const r7 = sevenOnly.rates[0]!.reading!;
    expect(r7.tpr).toBeCloseTo(0.007, 12);
    expect(r7.vsChance).toBe("consistent");
    expect(sevenOnly.sentences.join(" ")).toMatch(/identifies 0\.7% of training records \(7 of 1000; adjusted interval 0\.\d%–1\.\d%; chance is 1%.*\) — consistent with chance\./);
    expect(sevenOnly.sentences.join(" ")).toMatch(/The headline is the one attack run/);
    // The 0.1% point is not resolvable with 1,000 non-members here (the fixture leaves it so).
    expect(sevenOnly.sentences.join(" ")).toMatch(/At 0\.1% false alarms the rate is not resolvable with 1,000 held-out records \(it needs at least 1,000\)\./);
  });

  it("a rate above chance is detected leakage even when the AUC interval contains 0.5", () => {
    const r = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.51, { tp1: 40 })), accuracy: acc });
    expect(r.auc.ciAdjusted.low).toBeLessThan(0.5);
    expect(r.rates[0]!.reading!.vsChance).toBe("above");
    expect(r.detected).toBe(true);
    expect(r.sentences[0]).toMatch(/^Membership leakage detected: the AUC of the strongest attack, 0\.510 .* does not exclude guessing, but an attacker does better than chance at a low false-alarm rate/);
    expect(r.sentences.join(" ")).toMatch(/identifies 4\.0% of training records \(40 of 1000; .*\) — above chance\./);
  });

  it("clear leakage: the adjusted AUC interval is above 0.5", () => {
    const r = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.7, { tp1: 80, advantage: 0.3, tp01: 9 })), accuracy: { members: 1, nonMembers: 0.8 } });
    expect(r.detected).toBe(true);
    expect(r.sentences[0]).toMatch(/^Membership leakage detected: the strongest attack \(Loss threshold \(Yeom et al\. 2018\)\) tells a training record from a held-out one with AUC 0\.700 \(adjusted interval 0\.6\d\d–0\.7\d\d, above the 0\.5 of guessing\)/);
    expect(r.sentences.join(" ")).toMatch(/Accepting 0\.1% false alarms, the best attack at that rate \(loss\) identifies 0\.90% of training records \(9 of 1000; adjusted interval .*; chance is 0\.1%/);
    expect(r.sentences.join(" ")).toMatch(/30\.0% .* so this is above chance\./);
  });

  it("an AUC below 0.5 beyond sampling error is not called leakage", () => {
    const r = interpretPrivacy({ members: N, nonMembers: N, attacks: [attack("loss", 0.4, { tp1: 2 })], accuracy: acc });
    expect(r.detected).toBe(false);
    expect(r.sentences.join(" ")).toMatch(/below 0\.5 beyond sampling error: the attack's scores run the wrong way/);
  });

  it("per class: intervals and chance for the best of the classes; a 17% class of 100 + 100 does not stand out, a 45% one does", () => {
    const cls = (label: string, advantage: number, auc = 0.55) => ({ label, members: 100, nonMembers: 100, auc, advantage });
    const perClass = [cls("0", 0.06), cls("3", 0.17), cls("7", 0.1), { label: "9", members: 3, nonMembers: 2, auc: null, advantage: null }];
    const r = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.5056, { perClass })), accuracy: acc });
    expect(r.perClass.measured).toBe(3);
    expect(r.perClass.skipped).toBe(1);
    const three = r.perClass.rows.find((x) => x.label === "3")!;
    expect(three.aucCi.low).toBeCloseTo(hanleyMcNeil(0.55, 100, 100).low, 8);
    expect(three.aucCi.high).toBeCloseTo(hanleyMcNeil(0.55, 100, 100).high, 8);
    expect(three.advantageCi.low).toBe(0);
    expect(three.advantageCi.high).toBeGreaterThan(0.4);
    expect(three.chanceAdvantageBestOf).toBeGreaterThan(0.17);
    expect(three.standsOut).toBe(false);
    expect(r.sentences.join(" ")).toMatch(/the highest advantage, 17\.0% for "3" \(100 training and 100 held-out records, interval 0\.0%–\d\d\.\d%\), is within what chance gives the best of 3 classes of that size \(up to \d\d\.\d%\); no class stands out\./);

    const r2 = interpretPrivacy({ members: N, nonMembers: N, attacks: four(attack("loss", 0.5056, { perClass: [...perClass, cls("5", 0.45, 0.7)] })), accuracy: acc });
    expect(r2.perClass.rows.find((x) => x.label === "5")!.standsOut).toBe(true);
    expect(r2.sentences.join(" ")).toMatch(/Per class \(loss\): "5" \(advantage 45\.0%, chance up to \d\d\.\d%\) stands out beyond what chance gives the best of 4 classes of its size\./);
  });
});
