/*
 * "Beyond the worst case": calibration (clean and per attack budget), common-corruption accuracy and
 * out-of-distribution detection, computed from the per-example records and OOD scores of all shards.
 * Pure; absent parts (suite without corruptions or OOD, records written before these fields) give null.
 */
import { calibrationSummary, type CalibrationSummary } from "./calibration";
import { CORRUPTIONS, CORRUPTION_LABELS, SEVERITY_PARAMS, type Corruption } from "./corruption-kinds";
import { oodSummaryFromScores, HIGH_CONFIDENCE, type OodSummary } from "./ood";
import type { ExampleRecord, OodScore } from "./shard";
import { SANITY_ATTACK_ID, attackId, type AttackSuite } from "./suite";

export interface CalibrationRow extends CalibrationSummary {
  /** Share of all examples answered wrongly with top-label confidence >= 0.9. */
  confidentWrongShare: number;
}

export interface CalibrationMetrics {
  clean: CalibrationRow;
  /** The inputs each attack produced at each budget (a clean input where the example was already wrong). */
  underAttack: ({ attack: string; norm: "linf" | "l2"; eps: number } & CalibrationRow)[];
  confidentThreshold: number;
}

export interface CorruptionRow {
  corruption: Corruption;
  label: string;
  param: string;
  /** Parameter value and accuracy per severity, in the order of `severities`. */
  params: number[];
  accuracy: number[];
  meanAccuracy: number;
  /** Corruption error: mean error rate over the severities (Hendrycks & Dietterich's unnormalised CE). */
  error: number;
  /** Mean over severities of (error - clean error): the accuracy the corruption costs. */
  relativeError: number;
}

export interface CorruptionMetrics {
  severities: number[];
  cleanAccuracy: number;
  rows: CorruptionRow[];
  /** Mean corruption error over the corruptions (unnormalised: there is no AlexNet baseline to divide by). */
  mCE: number;
  /** Mean of the relative errors: mean accuracy drop from clean over corruptions and severities. */
  relativeMCE: number;
  meanAccuracy: number;
  definition: string;
}

export interface OodMetrics extends OodSummary {
  source: "synthetic" | "dataset";
  datasetVersionId?: string;
}

export interface BeyondMetrics {
  calibration: CalibrationMetrics | null;
  corruptions: CorruptionMetrics | null;
  ood: OodMetrics | null;
}

function row(records: ExampleRecord[], pick: (r: ExampleRecord) => { conf: number; correct: boolean; brier?: number; nll: number } | null, bins: number): CalibrationRow | null {
  const xs = records.map(pick);
  if (xs.some((x) => !x)) return null;
  const v = xs as { conf: number; correct: boolean; brier?: number; nll: number }[];
  const s = calibrationSummary({
    confidence: v.map((x) => x.conf), correct: v.map((x) => x.correct),
    brier: v.every((x) => x.brier !== undefined) ? v.map((x) => x.brier!) : null,
    nll: v.map((x) => x.nll),
  }, bins);
  const n = v.length;
  return { ...s, confidentWrongShare: n ? v.filter((x) => !x.correct && x.conf >= HIGH_CONFIDENCE).length / n : 0 };
}

/** Calibration clean and under each attack x budget of the suite (the sanity attack is left out). */
export function calibrationMetrics(records: ExampleRecord[], suite: AttackSuite): CalibrationMetrics | null {
  if (records.length === 0) return null;
  const bins = suite.calibrationBins;
  const clean = row(records, (r) => ({ conf: r.cleanConf, correct: r.cleanCorrect, brier: r.cleanBrier, nll: r.cleanLoss }), bins);
  if (!clean) return null;
  const underAttack: CalibrationMetrics["underAttack"] = [];
  for (const spec of suite.attacks) {
    const id = attackId(spec);
    if (id === SANITY_ATTACK_ID) continue;
    for (const eps of [...new Set(suite.epsilons[spec.norm])].sort((a, b) => a - b)) {
      const r = row(records, (rec) => {
        const a = rec.attacks.find((x) => x.attack === id && x.eps === eps);
        return a ? { conf: a.advConf, correct: a.advPred === rec.label, brier: a.brier, nll: a.loss } : null;
      }, bins);
      if (r) underAttack.push({ attack: id, norm: spec.norm, eps, ...r });
    }
  }
  return { clean, underAttack, confidentThreshold: HIGH_CONFIDENCE };
}

/** Accuracy per corruption and severity, mCE and the relative mCE against the clean accuracy. */
export function corruptionMetrics(records: ExampleRecord[], suite: AttackSuite): CorruptionMetrics | null {
  if (!suite.corruptions || records.length === 0 || records.some((r) => !r.corruptions)) return null;
  const severities = [...suite.corruptions.severities].sort((a, b) => a - b);
  const n = records.length;
  const cleanAccuracy = records.filter((r) => r.cleanCorrect).length / n;
  // In catalogue order: records stored as JSONB come back with their keys reordered.
  const kinds = CORRUPTIONS.filter((c) => c in records[0].corruptions!);
  const rows: CorruptionRow[] = kinds.map((kind) => {
    const accuracy = severities.map((_, s) => records.filter((r) => r.corruptions![kind]?.pred[s] === r.label).length / n);
    const error = accuracy.reduce((a, v) => a + (1 - v), 0) / severities.length;
    return {
      corruption: kind, label: CORRUPTION_LABELS[kind], param: SEVERITY_PARAMS[kind].param,
      params: severities.map((s) => SEVERITY_PARAMS[kind].values[s - 1]), accuracy,
      meanAccuracy: 1 - error, error, relativeError: error - (1 - cleanAccuracy),
    };
  });
  const avg = (f: (r: CorruptionRow) => number) => (rows.length ? rows.reduce((a, r) => a + f(r), 0) / rows.length : 0);
  return {
    severities, cleanAccuracy, rows,
    mCE: avg((r) => r.error), relativeMCE: avg((r) => r.relativeError), meanAccuracy: avg((r) => r.meanAccuracy),
    definition: "CE = mean error over severities; mCE = mean CE over corruptions (unnormalised, no baseline model); relative mCE = mCE minus the clean error.",
  };
}

/** OOD detection from the clean records (in-distribution) and the OOD inputs' scores. */
export function oodMetrics(records: ExampleRecord[], ood: OodScore[] | null, suite: AttackSuite): OodMetrics | null {
  if (!suite.ood || !ood || ood.length === 0 || records.length === 0 || records.some((r) => r.cleanEnergy === undefined)) return null;
  const sorted = [...ood].sort((a, b) => a.index - b.index);
  const s = oodSummaryFromScores(
    { msp: records.map((r) => r.cleanConf), energy: records.map((r) => r.cleanEnergy!) },
    { msp: sorted.map((o) => o.msp), energy: sorted.map((o) => o.energy) },
  );
  return { ...s, source: suite.ood.source, ...(suite.ood.datasetVersionId ? { datasetVersionId: suite.ood.datasetVersionId } : {}) };
}

export function beyondMetrics(records: ExampleRecord[], suite: AttackSuite, ood: OodScore[] | null): BeyondMetrics {
  return { calibration: calibrationMetrics(records, suite), corruptions: corruptionMetrics(records, suite), ood: oodMetrics(records, ood, suite) };
}
