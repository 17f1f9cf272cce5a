import { z } from "zod";

export const PRESETS = ["quick", "standard", "custom"] as const;
export type Preset = (typeof PRESETS)[number];

const optionalNumberList = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const parts = v.split(/[\s,;]+/).filter(Boolean).map((p) => (p.includes("/") ? Number(p.split("/")[0]) / Number(p.split("/")[1]) : Number(p)));
    if (parts.some((n) => !Number.isFinite(n) || n <= 0)) {
      ctx.addIssue({ code: "custom", message: "Use positive numbers separated by commas, e.g. 0.1, 0.2, 0.3 or 8/255" });
      return z.NEVER;
    }
    return parts;
  });

/** What an engineer chooses when launching an evaluation (form, API, schedules). */
export const CreateEvaluationSchema = z.object({
  modelVersionId: z.string().trim().min(1, { error: "Choose a model version" }),
  datasetVersionId: z.string().trim().min(1, { error: "Choose a dataset version" }),
  preset: z.enum(PRESETS, { error: "Choose quick, standard or custom" }),
  /** Custom suite as JSON (lib/engine/suite AttackSuiteSchema), only for preset "custom". */
  customSuite: z.string().trim().max(20_000).optional(),
  /** Overrides the preset's Linf budgets. */
  linfEpsilons: optionalNumberList,
  sampleCount: z
    .union([z.literal("all"), z.literal(""), z.coerce.number({ error: "Enter a number of samples or leave empty for all" }).int().min(1, { error: "At least 1 sample" }).max(100_000, { error: "At most 100,000 samples" })])
    .transform((v) => (v === "" ? "all" : v)),
  seed: z.coerce.number({ error: "The seed is a whole number" }).int().min(0).max(2 ** 31 - 1, { error: "At most 2147483647" }).default(0),
  shardSize: z.coerce.number({ error: "The shard size is a number of samples" }).int().min(10, { error: "At least 10 samples per shard" }).max(10_000, { error: "At most 10,000 samples per shard" }).default(200),
  /** Also run the common corruptions (every one that applies to the input shape, five severities). A form checkbox sends "on". */
  corruptions: z.preprocess((v) => (v === undefined || v === "" ? undefined : v === true || v === "on" || v === "true"), z.boolean().optional()),
  /** Out-of-distribution check: none, synthetic noise images, or an OOD dataset version (oodDatasetVersionId). */
  ood: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["none", "synthetic", "dataset"], { error: "Choose none, synthetic or dataset" }).optional()),
  oodDatasetVersionId: z.string().trim().max(64).optional(),
});
export type CreateEvaluationInput = z.input<typeof CreateEvaluationSchema>;
export type CreateEvaluation = z.output<typeof CreateEvaluationSchema>;

export const CancelEvaluationSchema = z.object({ evaluationId: z.string().min(1) });

export const EvaluationListFilterSchema = z.object({
  model: z.string().trim().max(60).optional(),
  status: z.enum(["QUEUED", "RUNNING", "AGGREGATING", "COMPLETED", "FAILED", "CANCELLED", ""]).optional().catch(undefined),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(1),
});
export type EvaluationListFilter = z.infer<typeof EvaluationListFilterSchema>;
