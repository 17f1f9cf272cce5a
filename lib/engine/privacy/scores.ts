import { createRng } from "../rng";
import { membershipMetrics, type MembershipMetrics } from "./metrics";

// Membership-inference attacks on a classifier's outputs (the engine part: pure, no database).
//
// Per example (x, y) the target model's logits z give p = softmax(z) and these scores, higher = "member":
//   loss              −CE(p, y) = log p_y, ranked through φ (same order)   (Yeom et al. 2018)
//   confidence        max_i p_i
//   entropy           −H(p) = Σ p_i log p_i
//   modified-entropy  −Mentr(p, y), Mentr = −(1−p_y) log p_y − Σ_{i≠y} p_i log(1−p_i)   (Song & Mittal 2021)
//   lira-offline      one-sided test of φ = log p_y − log(1−p_y) (computed from the logits as
//                     z_y − logsumexp_{i≠y} z_i) against a Gaussian fitted to the same example's φ under
//                     reference models trained WITHOUT it ("OUT" models only: the offline variant of
//                     Carlini et al. 2022). Score z = (φ − μ_out) / σ (ordered as the one-sided test 1 − Φ(z)); μ_out per example, σ pooled over all
//                     examples ("fixed variance", which Carlini et al. recommend when there are few
//                     reference models — per-example variances from 2–16 models are too noisy).

export const PRIVACY_ATTACKS = ["loss", "confidence", "entropy", "modified-entropy", "lira-offline"] as const;
export type PrivacyAttack = (typeof PRIVACY_ATTACKS)[number];
export const PRIVACY_ATTACK_LABELS: Record<PrivacyAttack, string> = {
  loss: "Loss threshold (Yeom et al. 2018)",
  confidence: "Confidence",
  entropy: "Entropy",
  "modified-entropy": "Modified entropy (Song & Mittal 2021)",
  "lira-offline": "LiRA, offline (Carlini et al. 2022)",
};

/** What the target model says about one example (everything the attacks need, rounded for storage). */
export interface ExampleOutput {
  /** Label (model output index) and predicted class. */
  y: number;
  pred: number;
  /** log p_y, max p, Σ p log p, −Mentr, φ (logit-scaled confidence). */
  logPy: number;
  conf: number;
  /** log(p_max / (1 − p_max)): the confidence on a scale that does not saturate at 1 (same order). */
  confLogit: number;
  negEntropy: number;
  negMentr: number;
  phi: number;
}

// Scores are stored at full double precision: rounding (or the probability scale) makes the confident
// examples tie at the top, and ties at the threshold drop out of the TPR at low FPR.

/** Scores of one example from its logits (float64, stable). */
export function outputFromLogits(z: ArrayLike<number>, y: number): ExampleOutput {
  const c = z.length;
  let max = -Infinity, arg = 0;
  for (let i = 0; i < c; i++) if (z[i]! > max) { max = z[i]!; arg = i; }
  let sum = 0;
  for (let i = 0; i < c; i++) sum += Math.exp(z[i]! - max);
  const lse = max + Math.log(sum);
  // logsumexp over i ≠ y, for φ.
  let maxO = -Infinity;
  for (let i = 0; i < c; i++) if (i !== y && z[i]! > maxO) maxO = z[i]!;
  let sumO = 0;
  for (let i = 0; i < c; i++) if (i !== y) sumO += Math.exp(z[i]! - maxO);
  const lseOthers = maxO + Math.log(sumO);
  let negEntropy = 0, mentrOthers = 0;
  for (let i = 0; i < c; i++) {
    const lp = z[i]! - lse;
    const p = Math.exp(lp);
    negEntropy += p * lp;
    // log(1 − p_i) = log Σ_{j≠i} p_j; stable through the complementary logsumexp when p is near 1.
    if (i !== y) mentrOthers += p * log1mExp(lp);
  }
  const logPy = z[y]! - lse;
  const log1mPy = lseOthers - lse;
  const mentr = -(1 - Math.exp(logPy)) * logPy - mentrOthers;
  // log-odds of the top class: z_max − logsumexp over the other classes.
  let maxT = -Infinity;
  for (let i = 0; i < c; i++) if (i !== arg && z[i]! > maxT) maxT = z[i]!;
  let sumT = 0;
  for (let i = 0; i < c; i++) if (i !== arg) sumT += Math.exp(z[i]! - maxT);
  const confLogit = max - (maxT + Math.log(sumT));
  return { y, pred: arg, logPy, conf: Math.exp(max - lse), confLogit, negEntropy, negMentr: -mentr, phi: logPy - log1mPy };
}

/** log(1 − e^a) for a ≤ 0, accurate near 0 and near −∞. */
function log1mExp(a: number): number {
  if (a >= 0) return -Infinity;
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

/** Model input = raw × scale + offset. */

export function attackScores(o: ExampleOutput[], attack: Exclude<PrivacyAttack, "lira-offline">): number[] {
  switch (attack) {
    // The loss's order equals the order of φ = log p_y − log(1 − p_y) (a monotone map of p_y), which keeps its
    // resolution where p_y rounds to 1; likewise the confidence's order equals that of its log-odds.
    case "loss": return o.map((e) => e.phi);
    case "confidence": return o.map((e) => e.confLogit ?? e.conf);
    case "entropy": return o.map((e) => e.negEntropy);
    case "modified-entropy": return o.map((e) => e.negMentr);
  }
}

/**
 * Offline LiRA scores: `phiTarget[i]` the target's φ on example i, `phiRefs[r][i]` reference model r's φ on
 * the same example (every reference model was trained without it). Needs at least 2 reference models.
 */
export function liraOfflineScores(phiTarget: number[], phiRefs: number[][]): { scores: number[]; means: number[]; sigma: number } {
  const R = phiRefs.length;
  if (R < 2) throw new Error("offline LiRA needs at least 2 reference models");
  const n = phiTarget.length;
  const means = new Array<number>(n).fill(0);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let r = 0; r < R; r++) m += phiRefs[r]![i]!;
    m /= R;
    means[i] = m;
    for (let r = 0; r < R; r++) ss += (phiRefs[r]![i]! - m) ** 2;
  }
  // Pooled within-example variance (R − 1 degrees of freedom per example), floored to avoid a zero σ.
  const sigma = Math.max(1e-3, Math.sqrt(ss / (n * (R - 1))));
  // The score is the standardised distance z = (φ − μ)/σ; the one-sided p-value 1 − Φ(z) orders examples the
  // same way, but Φ saturates at 1 in floating point and would tie the strongest members.
  return { scores: phiTarget.map((p, i) => (p - means[i]!) / sigma), means, sigma };
}

/**
 * The reference models' training pool: every example of the member and non-member datasets except the
 * target examples; reference model k trains on `trainSize` of them drawn without replacement (seeded).
 * Returns indices into each dataset.
 */
export function referenceTrainingSet(o: { memberCount: number; nonMemberCount: number; memberTargets: number[]; nonMemberTargets: number[]; trainSize: number; seed: number; reference: number }): { member: number[]; nonMember: number[] } {
  const tm = new Set(o.memberTargets), tn = new Set(o.nonMemberTargets);
  const pool: [0 | 1, number][] = [];
  for (let i = 0; i < o.memberCount; i++) if (!tm.has(i)) pool.push([0, i]);
  for (let i = 0; i < o.nonMemberCount; i++) if (!tn.has(i)) pool.push([1, i]);
  const rng = createRng(o.seed, o.reference, "privacy-reference-pool");
  const k = Math.min(o.trainSize, pool.length);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const chosen = pool.slice(0, k);
  return { member: chosen.filter((c) => c[0] === 0).map((c) => c[1]).sort((a, b) => a - b), nonMember: chosen.filter((c) => c[0] === 1).map((c) => c[1]).sort((a, b) => a - b) };
}

/** The size of that pool (for the cost shown before launch). */
export const referencePoolSize = (memberCount: number, nonMemberCount: number, targetsPerSet: number) => memberCount + nonMemberCount - 2 * targetsPerSet;

// ---- Aggregation -------------------------------------------------------------------------------------

export interface AttackResult extends MembershipMetrics {
  attack: PrivacyAttack;
  label: string;
  perClass: { label: string; members: number; nonMembers: number; auc: number | null; advantage: number | null }[];
}

/** Metrics of one attack's scores, overall and per class (a class needs ≥ 5 members and non-members). */
export function attackResult(attack: PrivacyAttack, memberScores: number[], nonMemberScores: number[], memberLabels: number[], nonMemberLabels: number[], classLabels: string[]): AttackResult {
  const overall = membershipMetrics(memberScores, nonMemberScores);
  const perClass = classLabels.map((label, c) => {
    const ms = memberScores.filter((_, i) => memberLabels[i] === c);
    const ns = nonMemberScores.filter((_, i) => nonMemberLabels[i] === c);
    if (ms.length < 5 || ns.length < 5) return { label, members: ms.length, nonMembers: ns.length, auc: null, advantage: null };
    const m = membershipMetrics(ms, ns, { fprs: [], rocPoints: 2 });
    return { label, members: ms.length, nonMembers: ns.length, auc: m.auc, advantage: m.advantage };
  }).filter((p) => p.members + p.nonMembers > 0);
  return { attack, label: PRIVACY_ATTACK_LABELS[attack], ...overall, perClass };
}
