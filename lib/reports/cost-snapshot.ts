import { z } from "zod";
import type { VersionComparison } from "../evaluations/compare-versions";

// The report's "Cost of robustness" part: for each model in scope, its versions side by side (clean and
// robust accuracy on one shared basis, training cost from the cards, inference cost per backend), as
// snapshot data drawn by pdf-beyond.ts drawCostOfRobustness.

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

export const CostOfRobustnessSchema = z.object({
  modelId: z.string(),
  modelName: z.string(),
  /** The dataset, examples and suite every figure was measured on; null when no version has an evaluation. */
  basis: z.string().nullable(),
  otherBases: z.number().int(),
  budgets: z.array(z.object({ norm: z.string(), eps: z.number() })),
  /** Where the corruption accuracies were measured (absent in snapshots taken before they were compared). */
  corruptionBasis: z.string().nullable().optional(),
  rows: z.array(z.object({
    version: z.number().int(),
    label: z.string(),
    ensemble: z.object({ combine: z.string(), members: z.array(z.string()) }).nullable(),
    evaluationNumber: z.number().int().nullable(),
    cleanAccuracy: z.number().nullable(),
    robust: z.array(z.number().nullable()),
    /** Clean ECE and mean corruption accuracy with its evaluation (null: not measured; absent in older snapshots). */
    ece: z.number().nullable().optional(),
    corruptionAccuracy: z.number().nullable().optional(),
    corruptionEvaluationNumber: z.number().int().nullable().optional(),
    trainingMethod: z.string(),
    trainingCost: z.string().nullable(),
    inference: z.array(z.object({ backend: z.string(), latencyMs: z.number(), throughputPerSecond: z.number(), batchSize: z.number().int() })),
    note: z.string().nullable(),
  })),
});
export type CostOfRobustness = z.infer<typeof CostOfRobustnessSchema>;

/** A model's version comparison -> the report's plain data (rounded like the rest of the snapshot). */
export function costOfRobustnessSnapshot(modelId: string, c: VersionComparison & { modelName: string }): CostOfRobustness {
  return {
    modelId,
    modelName: c.modelName,
    basis: c.basis?.label ?? null,
    otherBases: c.otherBases.length,
    budgets: c.budgets,
    corruptionBasis: c.corruptionBasis?.label ?? null,
    rows: c.rows.map((r) => ({
      version: r.version, label: r.label, ensemble: r.ensemble, evaluationNumber: r.evaluation?.number ?? null,
      cleanAccuracy: r.cleanAccuracy === null ? null : r4(r.cleanAccuracy), robust: r.robust.map((v) => (v === null ? null : r4(v))),
      ece: r.ece === null ? null : r4(r.ece), corruptionAccuracy: r.corruptionAccuracy === null ? null : r4(r.corruptionAccuracy), corruptionEvaluationNumber: r.corruptionEvaluation?.number ?? null,
      trainingMethod: r.trainingMethod, trainingCost: r.trainingCostText,
      inference: r.inference.map((i) => ({ backend: i.backend, latencyMs: r4(i.latencyMs), throughputPerSecond: Math.round(i.throughputPerSecond), batchSize: i.batchSize })),
      note: r.note,
    })),
  };
}
