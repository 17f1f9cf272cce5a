// Membership-inference metrics: pure functions of attack scores (higher = "more likely a member").
//
// - ROC curve and AUC (Mann–Whitney: ties count one half), with a 95% interval by Hanley & McNeil (1982):
//   SE² = [A(1−A) + (m−1)(Q1−A²) + (n−1)(Q2−A²)] / (m n), Q1 = A/(2−A), Q2 = 2A²/(1+A), the normal
//   approximation clipped to [0, 1]. It assumes independent examples; it is a sampling interval only.
// - Membership advantage (Yeom et al. 2018): max over thresholds of TPR − FPR.
// - TPR at a fixed low FPR α (Carlini et al. 2022): the threshold is set on the non-members so that at
//   most k = ⌊α·N⌋ of them score above it; the TPR is the share of members above it, with an exact
//   Clopper–Pearson 95% interval over the members (the threshold's own sampling error is not included).
//   With fewer than ⌈1/α⌉ non-members no threshold has FPR in (0, α]: the figure is "not resolvable".

export interface RocPoint { fpr: number; tpr: number }

export interface Interval { low: number; high: number }

export interface TprAtFpr {
  fpr: number;
  resolvable: boolean;
  /** Non-members needed to resolve this FPR (⌈1/α⌉). */
  nonMembersNeeded: number;
  /** null when not resolvable. */
  tpr: number | null;
  ci: Interval | null;
  /** Members above the threshold, and false positives allowed (k). */
  truePositives: number | null;
  falsePositivesAllowed: number;
}

export interface MembershipMetrics {
  members: number;
  nonMembers: number;
  auc: number;
  aucCi: Interval;
  advantage: number;
  tprAt: TprAtFpr[];
  /** ROC curve, at most `rocPoints` points (always containing (0,0) and (1,1)). */
  roc: RocPoint[];
}

export const LOW_FPRS = [0.01, 0.001] as const;

/** AUC as the probability that a random member scores above a random non-member (ties: one half). */
export function aucOf(members: ArrayLike<number>, nonMembers: ArrayLike<number>): number {
  const m = members.length, n = nonMembers.length;
  if (m === 0 || n === 0) return Number.NaN;
  // Rank-sum over the pooled, sorted scores with average ranks for ties.
  const all: { s: number; member: boolean }[] = [];
  for (let i = 0; i < m; i++) all.push({ s: members[i]!, member: true });
  for (let i = 0; i < n; i++) all.push({ s: nonMembers[i]!, member: false });
  all.sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.s === all[i]!.s) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.member) rankSum += avg;
    i = j + 1;
  }
  return (rankSum - (m * (m + 1)) / 2) / (m * n);
}

/** Hanley–McNeil 95% interval of an AUC from m members (positives) and n non-members. */
export function hanleyMcNeil(auc: number, m: number, n: number, z = 1.959964): Interval {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v = (auc * (1 - auc) + (m - 1) * (q1 - auc * auc) + (n - 1) * (q2 - auc * auc)) / (m * n);
  const se = Math.sqrt(Math.max(0, v));
  return { low: Math.max(0, auc - z * se), high: Math.min(1, auc + z * se) };
}

/** The ROC curve: one point per distinct threshold (predict "member" when score ≥ threshold). */
export function rocCurve(members: ArrayLike<number>, nonMembers: ArrayLike<number>): RocPoint[] {
  const m = members.length, n = nonMembers.length;
  const all: { s: number; member: boolean }[] = [];
  for (let i = 0; i < m; i++) all.push({ s: members[i]!, member: true });
  for (let i = 0; i < n; i++) all.push({ s: nonMembers[i]!, member: false });
  all.sort((a, b) => b.s - a.s);
  const pts: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0, fp = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) {
      if (all[j]!.member) tp++;
      else fp++;
      j++;
    }
    pts.push({ fpr: n ? fp / n : 0, tpr: m ? tp / m : 0 });
    i = j;
  }
  return pts;
}

/** Keeps at most `max` points of a ROC curve, spread along it, with both ends. */
export function thinRoc(points: RocPoint[], max = 200): RocPoint[] {
  if (points.length <= max) return points;
  const out: RocPoint[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

export function membershipAdvantage(roc: RocPoint[]): number {
  return roc.reduce((a, p) => Math.max(a, p.tpr - p.fpr), 0);
}

// ---- Exact binomial (Clopper–Pearson) interval -----------------------------------------------------

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (Lentz's method). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (bt * betaCf(a, b, x)) / a : 1 - (bt * betaCf(b, a, 1 - x)) / b;
}

/** The p-quantile of Beta(a, b), by bisection (monotone, 1e-12). */
export function betaQuantile(p: number, a: number, b: number): number {
  let lo = 0, hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (betaInc(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Exact (Clopper–Pearson) two-sided interval for x successes in n trials. */
export function clopperPearson(x: number, n: number, level = 0.95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const a = (1 - level) / 2;
  return { low: x === 0 ? 0 : betaQuantile(a, x, n - x + 1), high: x === n ? 1 : betaQuantile(1 - a, x + 1, n - x) };
}

/** TPR at FPR ≤ α, thresholded on the non-members (see the top of this file). */
export function tprAtFpr(members: ArrayLike<number>, nonMembers: ArrayLike<number>, alpha: number): TprAtFpr {
  const n = nonMembers.length, m = members.length;
  const needed = Math.ceil(1 / alpha - 1e-9);
  const k = Math.floor(alpha * n + 1e-9);
  if (n < needed || k < 1 || m === 0) return { fpr: alpha, resolvable: false, nonMembersNeeded: needed, tpr: null, ci: null, truePositives: null, falsePositivesAllowed: k };
  const neg = Array.from(nonMembers).sort((a, b) => b - a);
  // Members strictly above the (k+1)-th highest non-member score: at most k non-members are at or above any
  // threshold just above it (ties at that score are all excluded, so the FPR never exceeds α).
  const cut = neg[k]!;
  let tp = 0;
  for (let i = 0; i < m; i++) if (members[i]! > cut) tp++;
  return { fpr: alpha, resolvable: true, nonMembersNeeded: needed, tpr: tp / m, ci: clopperPearson(tp, m), truePositives: tp, falsePositivesAllowed: k };
}

export function membershipMetrics(members: ArrayLike<number>, nonMembers: ArrayLike<number>, opts: { fprs?: readonly number[]; rocPoints?: number } = {}): MembershipMetrics {
  const auc = aucOf(members, nonMembers);
  const roc = rocCurve(members, nonMembers);
  return {
    members: members.length,
    nonMembers: nonMembers.length,
    auc,
    aucCi: hanleyMcNeil(auc, members.length, nonMembers.length),
    advantage: membershipAdvantage(roc),
    tprAt: (opts.fprs ?? LOW_FPRS).map((a) => tprAtFpr(members, nonMembers, a)),
    roc: thinRoc(roc, opts.rocPoints ?? 200),
  };
}

/** The standard normal CDF (Abramowitz–Stegun 7.1.26 on erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

// ---- What chance gives, and what the sample could have detected ---------------------------------------
//
// A membership figure means little without what guessing gives at the same sample size: an attack that knows
// nothing still scores AUC ≈ 0.5, a TPR equal to the FPR, and a positive membership advantage (a maximum over
// thresholds is never below 0). These helpers give the chance levels and intervals the readings quote.

/** The p-quantile of the standard normal (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs p in (0, 1); got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Hanley–McNeil interval at any two-sided level (e.g. 1 − 0.05/k for the best of k attacks). */
export function aucInterval(auc: number, m: number, n: number, level = 0.95): Interval {
  return hanleyMcNeil(auc, m, n, normalQuantile(1 - (1 - level) / 2));
}

/**
 * Interval of a membership advantage (max over thresholds of TPR − FPR) from m members and n non-members.
 * By the Dvoretzky–Kiefer–Wolfowitz inequality (Massart's constant) each empirical distribution function lies
 * within ε = √(ln(4/α)/(2·size)) of the true one with probability 1 − α/2, everywhere; the advantage is a
 * supremum of their difference, so the true advantage lies within ε_m + ε_n of the measured one. Distribution-
 * free and conservative (the true coverage is above the level).
 */
export function advantageInterval(advantage: number, m: number, n: number, level = 0.95): Interval {
  if (m <= 0 || n <= 0) return { low: 0, high: 1 };
  const alpha = 1 - level;
  const eps = Math.sqrt(Math.log(4 / alpha) / (2 * m)) + Math.sqrt(Math.log(4 / alpha) / (2 * n));
  return { low: Math.max(0, advantage - eps), high: Math.min(1, advantage + eps) };
}

/**
 * The advantage guessing reaches: with no leakage at all (members and non-members scored alike), the best of
 * `attacks` attacks shows an advantage above this value with probability at most α. One-sided two-sample
 * Kolmogorov–Smirnov bound P(D⁺ > t) ≤ exp(−2 t² mn/(m+n)), Bonferroni over the attacks.
 */
export function chanceAdvantage(m: number, n: number, alpha = 0.05, attacks = 1): number {
  if (m <= 0 || n <= 0) return 1;
  return Math.min(1, Math.sqrt((Math.log(attacks / alpha) / 2) * ((m + n) / (m * n))));
}

/**
 * The smallest AUC this sample detects with the given power: the AUC A for which the lower end of the two-sided
 * Hanley–McNeil interval at level 1 − α clears 0.5 in `power` of repeated measurements, i.e.
 * A − 0.5 ≥ (z_{1−α/2} + z_{power}) · SE(A). Bisection on (0.5, 1).
 */
export function minimumDetectableAuc(m: number, n: number, alpha = 0.05, power = 0.8): number {
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const se = (a: number) => {
    const q1 = a / (2 - a), q2 = (2 * a * a) / (1 + a);
    return Math.sqrt(Math.max(0, (a * (1 - a) + (m - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (m * n)));
  };
  let lo = 0.5, hi = 1;
  if (1 - 0.5 < z * se(1 - 1e-9)) return 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (mid - 0.5 >= z * se(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
