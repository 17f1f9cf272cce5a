import type { z } from "zod";
import type { AttackMetricSchema, ClassMetricSchema, CurveSchema, EngineMetricsSchema, ReplaySummarySchema, WorstCasePointSchema } from "./results-schema";
import type { ExampleRecord } from "./shard";
import { SANITY_ATTACK_ID, attackFamily, attackId, type AttackSuite } from "./suite";

export type AttackMetric = z.infer<typeof AttackMetricSchema>;

export type WorstCasePoint = z.infer<typeof WorstCasePointSchema>;

export type ClassMetric = z.infer<typeof ClassMetricSchema>;

export type Curve = z.infer<typeof CurveSchema>;
export type CurvePoint = Curve["points"][number];

export type EngineMetrics = z.infer<typeof EngineMetricsSchema>;

export const budgetKey = (norm: string, eps: number) => `${norm}:${eps}`;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  const v = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  return Number.isFinite(v) ? v : null;
}

/** Sort by example index and refuse duplicates (a shard counted twice would silently skew every metric). */
export function orderRecords(records: ExampleRecord[]): ExampleRecord[] {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].index === sorted[i - 1].index) throw new Error(`example ${sorted[i].index} appears in more than one shard result`);
  }
  return sorted;
}

/** For each (norm, eps) of the suite, whether each example is broken at that or a smaller budget. */
export function worstCaseBroken(records: ExampleRecord[], suite: AttackSuite): Map<string, boolean[]> {
  const out = new Map<string, boolean[]>();
  for (const norm of ["linf", "l2"] as const) {
    const eps = [...new Set(suite.epsilons[norm])].sort((a, b) => a - b);
    if (!suite.attacks.some((a) => a.norm === norm)) continue;
    let prev: boolean[] = records.map((r) => !r.cleanCorrect);
    for (const e of eps) {
      const cur = records.map((r, i) => prev[i] || r.attacks.some((a) => a.attack !== SANITY_ATTACK_ID && a.norm === norm && a.eps === e && a.success));
      out.set(budgetKey(norm, e), cur);
      prev = cur;
    }
  }
  return out;
}

/** Pure: per-example records of all shards -> the evaluation's metrics. */
export function aggregateRecords(recordsIn: ExampleRecord[], suite: AttackSuite, classLabels: string[]): EngineMetrics {
  const records = orderRecords(recordsIn);
  const n = records.length;
  const cleanCorrect = records.filter((r) => r.cleanCorrect).length;
  const acc = (k: number) => (n === 0 ? 0 : k / n);
  const attacks: AttackMetric[] = [];
  const curves: Curve[] = [];
  for (const spec of suite.attacks) {
    const id = attackId(spec);
    const eps = [...new Set(suite.epsilons[spec.norm])].sort((a, b) => a - b);
    const curve: Curve = { attack: id, norm: spec.norm, points: [{ eps: 0, robustAccuracy: acc(cleanCorrect) }] };
    for (const e of eps) {
      const entries = records.map((r) => ({ r, a: r.attacks.find((x) => x.attack === id && x.eps === e) }));
      const attacked = entries.filter(({ r, a }) => r.cleanCorrect && a && !a.skipped);
      const broken = attacked.filter(({ a }) => a!.success);
      const robust = attacked.length - broken.length;
      attacks.push({
        attack: id, kind: spec.kind, family: attackFamily(spec), norm: spec.norm, eps: e,
        robustAccuracy: acc(robust),
        successRate: attacked.length ? broken.length / attacked.length : 0,
        broken: broken.length, attacked: attacked.length,
        meanQueries: attacked.length ? attacked.reduce((s, { a }) => s + a!.queries, 0) / attacked.length : 0,
        medianPerturbation: median(broken.map(({ a }) => (spec.norm === "linf" ? a!.linf : a!.l2))),
      });
      curve.points.push({ eps: e, robustAccuracy: acc(robust) });
    }
    curves.push(curve);
  }
  const wc = worstCaseBroken(records, suite);
  const worstCase: WorstCasePoint[] = [];
  for (const norm of ["linf", "l2"] as const) {
    const eps = [...new Set(suite.epsilons[norm])].sort((a, b) => a - b).filter((e) => wc.has(budgetKey(norm, e)));
    if (eps.length === 0) continue;
    const curve: Curve = { attack: "worst-case", norm, points: [{ eps: 0, robustAccuracy: acc(cleanCorrect) }] };
    for (const e of eps) {
      const robust = wc.get(budgetKey(norm, e))!.filter((b) => !b).length;
      worstCase.push({ norm, eps: e, robustAccuracy: acc(robust), robust });
      curve.points.push({ eps: e, robustAccuracy: acc(robust) });
    }
    curves.push(curve);
  }
  const perClass: ClassMetric[] = classLabels.map((label, c) => {
    const idx = records.map((r, i) => (r.label === c ? i : -1)).filter((i) => i >= 0);
    const robustAccuracy: Record<string, number> = {};
    for (const w of worstCase) {
      const broken = wc.get(budgetKey(w.norm, w.eps))!;
      robustAccuracy[budgetKey(w.norm, w.eps)] = idx.length ? idx.filter((i) => !broken[i]).length / idx.length : 0;
    }
    return {
      classIndex: c, label, count: idx.length,
      cleanAccuracy: idx.length ? idx.filter((i) => records[i].cleanCorrect).length / idx.length : 0,
      robustAccuracy,
    };
  });
  const medianMinimalBreakingEps = (["linf", "l2"] as const)
    .filter((norm) => worstCase.some((w) => w.norm === norm))
    .map((norm) => {
      const eps = worstCase.filter((w) => w.norm === norm).map((w) => w.eps);
      const mins = records.flatMap((r, i) => {
        if (!r.cleanCorrect) return [];
        const first = eps.find((e) => wc.get(budgetKey(norm, e))![i]);
        return [first ?? Infinity];
      });
      return { norm, value: median(mins), unbrokenFraction: mins.length ? mins.filter((m) => m === Infinity).length / mins.length : 0 };
    });
  let sanity: EngineMetrics["sanity"] = null;
  const sane = records.map((r) => r.attacks.find((a) => a.attack === SANITY_ATTACK_ID));
  if (n > 0 && sane.every((a) => a)) {
    const counts = new Map<number, number>();
    records.forEach((r) => counts.set(r.label, (counts.get(r.label) ?? 0) + 1));
    sanity = {
      eps: sane[0]!.eps,
      robustAccuracy: acc(records.filter((r, i) => r.cleanCorrect && !sane[i]!.success).length),
      maxClassFrequency: Math.max(...counts.values()) / n,
    };
  }
  return { samples: n, cleanCorrect, cleanAccuracy: acc(cleanCorrect), attacks, worstCase, perClass, medianMinimalBreakingEps, curves, sanity, replay: summariseReplay(records) };
}

export type ReplaySummary = z.infer<typeof ReplaySummarySchema>;

/** Sum the replay over records (from every shard): replayed, not reproduced (each named), and the survivors. */
export function summariseReplay(records: ExampleRecord[]): ReplaySummary {
  let replayed = 0, notReplayed = 0;
  const notReproduced: ReplaySummary["notReproduced"] = [];
  const survivors: number[] = [];
  for (const r of [...records].sort((a, b) => a.index - b.index)) {
    let broken = false;
    for (const a of r.attacks) {
      if (a.attack === SANITY_ATTACK_ID || a.skipped) continue;
      if (a.replay) replayed++;
      else if (a.success) notReplayed++;
      if (a.replay === "not-reproduced") {
        notReproduced.push({ index: r.index, attack: a.attack, norm: a.norm, eps: a.eps, advPred: a.advPred, replayPred: a.replayPred, margin: a.replayMargin, reference: a.replayOn });
      }
      if (a.success) broken = true;
    }
    if (r.cleanCorrect && !broken) survivors.push(r.index);
  }
  return { replayed, notReplayed, notReproduced, survivors };
}
