import { z } from "zod";
import type { BeyondMetrics } from "../engine/beyond";
import { fmtEps, normLabel } from "./format";

// The report's "beyond the worst case" part of an evaluation: calibration clean and under attack,
// common-corruption accuracy, out-of-distribution detection, as snapshot data (drawn by pdf-beyond.ts).

const CalibrationRowSchema = z.object({
  inputs: z.string(), accuracy: z.number(), meanConfidence: z.number(), ece: z.number(), mce: z.number(),
  brier: z.number().nullable(), nll: z.number().nullable(), confidentWrongShare: z.number(),
});
const DiagramSchema = z.object({ name: z.string(), bins: z.array(z.object({ meanConfidence: z.number().nullable(), accuracy: z.number().nullable(), count: z.number().int() })) });

export const BeyondSnapshotSchema = z.object({
  calibration: z.object({ binning: z.string(), rows: z.array(CalibrationRowSchema), diagram: z.array(DiagramSchema) }).nullable(),
  corruptions: z.object({
    severities: z.array(z.number().int()), cleanAccuracy: z.number(), meanAccuracy: z.number(), mCE: z.number(), relativeMCE: z.number(), definition: z.string(),
    rows: z.array(z.object({ label: z.string(), accuracy: z.array(z.number()), meanAccuracy: z.number(), relativeError: z.number() })),
  }).nullable(),
  /** Inference latency and throughput per backend, measured by the engine processes that ran the shards. */
  inference: z.array(z.object({ backend: z.string(), latencyMs: z.number(), throughputPerSecond: z.number(), batchSize: z.number().int() })).optional(),
  ood: z.object({
    source: z.enum(["synthetic", "dataset"]), idExamples: z.number().int(), oodExamples: z.number().int(), highConfidenceShare: z.number(), highConfidenceThreshold: z.number(),
    scores: z.array(z.object({ score: z.enum(["msp", "energy"]), auroc: z.number(), fprAt95Tpr: z.number() })),
    notes: z.array(z.string()).optional(),
  }).nullable(),
});
export type BeyondSnapshot = z.infer<typeof BeyondSnapshotSchema>;

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
const r4n = (v: number | null) => (v === null ? null : r4(v));

/** Stored metrics -> the report's plain data; null when the evaluation has none of the three parts. */
export function beyondSnapshot(metrics: Partial<BeyondMetrics> | null, provenance?: { inference?: { backend: string; latencyMs: number; throughputPerSecond: number; batchSize: number }[] } | null): BeyondSnapshot | null {
  const { calibration, corruptions, ood } = metrics ?? {};
  const inference = provenance?.inference?.map((c) => ({ backend: c.backend, latencyMs: r4(c.latencyMs), throughputPerSecond: Math.round(c.throughputPerSecond), batchSize: c.batchSize }));
  if (!calibration && !corruptions && !ood && !inference?.length) return null;
  const row = (inputs: string, r: NonNullable<BeyondMetrics["calibration"]>["clean"]) => ({
    inputs, accuracy: r4(r.accuracy), meanConfidence: r4(r.meanConfidence), ece: r4(r.ece), mce: r4(r.mce), brier: r4n(r.brier), nll: r4n(r.nll), confidentWrongShare: r4(r.confidentWrongShare),
  });
  const strongest = calibration ? [...new Map(calibration.underAttack.map((u) => [u.attack, u])).values()] : [];
  const bins = (b: NonNullable<BeyondMetrics["calibration"]>["clean"]["bins"]) => b.map((x) => ({ meanConfidence: r4n(x.meanConfidence), accuracy: r4n(x.accuracy), count: x.count }));
  return {
    ...(inference?.length ? { inference } : {}),
    calibration: calibration ? {
      binning: calibration.clean.binning,
      rows: [row("clean", calibration.clean), ...calibration.underAttack.map((u) => row(`${u.attack} ${normLabel(u.norm)} ε=${fmtEps(u.eps)}`, u))],
      diagram: [{ name: "clean", bins: bins(calibration.clean.bins) }, ...strongest.map((u) => ({ name: `${u.attack} ε=${fmtEps(u.eps)}`, bins: bins(u.bins) }))],
    } : null,
    corruptions: corruptions ? {
      severities: corruptions.severities, cleanAccuracy: r4(corruptions.cleanAccuracy), meanAccuracy: r4(corruptions.meanAccuracy), mCE: r4(corruptions.mCE), relativeMCE: r4(corruptions.relativeMCE), definition: corruptions.definition,
      rows: corruptions.rows.map((r) => ({ label: r.label, accuracy: r.accuracy.map(r4), meanAccuracy: r4(r.meanAccuracy), relativeError: r4(r.relativeError) })),
    } : null,
    ood: ood ? {
      source: ood.source, idExamples: ood.idExamples, oodExamples: ood.oodExamples, highConfidenceShare: r4(ood.highConfidenceShare), highConfidenceThreshold: ood.highConfidenceThreshold,
      scores: ood.scores.map((s) => ({ score: s.score, auroc: r4(s.auroc), fprAt95Tpr: r4(s.fprAt95Tpr) })),
      ...(ood.notes?.length ? { notes: ood.notes } : {}),
    } : null,
  };
}
