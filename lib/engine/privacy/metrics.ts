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
