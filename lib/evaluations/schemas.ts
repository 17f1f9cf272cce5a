import { z } from "zod";
import { EVALUATION_KINDS, KindFilterSchema } from "./kinds";

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
  kind: KindFilterSchema,
});
export type EvaluationListFilter = z.infer<typeof EvaluationListFilterSchema>;

// ---- Evaluation kinds (lib/evaluations/kinds.ts) -----------------------------------------------------

const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const optionalId = z.preprocess(emptyToUndefined, z.string().trim().min(1).max(64).optional());
const optionalInt = (min: number, max: number, what: string) =>
  z.preprocess(emptyToUndefined, z.coerce.number({ error: `${what} is a whole number` }).int({ error: `${what} is a whole number` }).min(min, { error: `${what}: at least ${min}` }).max(max, { error: `${what}: at most ${max.toLocaleString("en")}` }).optional());

/** The robustness form and API as before, with its kind named. */
export const CreateRobustnessEvaluationSchema = CreateEvaluationSchema.extend({ kind: z.literal("robustness").optional() });

/** Reference models the offline LiRA attack trains: default and ceiling. */
export const PRIVACY_DEFAULT_REFERENCE_MODELS = 4;
export const PRIVACY_MAX_REFERENCE_MODELS = 16;
export const PRIVACY_DEFAULT_SAMPLES = 500;

/**
 * A membership-inference (privacy) evaluation. Members: a dataset version the model was trained on
 * (default: the card's training-data lineage); non-members: a held-out version of the same distribution.
 * `samplesPerSet` members and as many non-members are drawn (stratified by class, seeded). LiRA's
 * reference models (0 = LiRA off) train on data disjoint from every target example.
 */
export const CreatePrivacyEvaluationSchema = z.object({
  kind: z.literal("privacy"),
  modelVersionId: z.string().trim().min(1, { error: "Choose a model version" }),
  memberDatasetVersionId: optionalId,
  nonMemberDatasetVersionId: z.string({ error: "Choose the held-out (non-member) dataset version" }).trim().min(1, { error: "Choose the held-out (non-member) dataset version" }).max(64),
  samplesPerSet: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The samples per set is a whole number" }).int({ error: "The samples per set is a whole number" }).min(20, { error: "At least 20 members and 20 non-members" }).max(5000, { error: "At most 5,000 per set" }).default(PRIVACY_DEFAULT_SAMPLES)),
  referenceModels: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The number of reference models is a whole number" }).int({ error: "The number of reference models is a whole number" }).min(0, { error: "0 (LiRA off) or 2 to 16" }).refine((v) => v !== 1, { error: "LiRA needs at least 2 reference models (or 0 to turn it off)" }).max(PRIVACY_MAX_REFERENCE_MODELS, { error: `At most ${PRIVACY_MAX_REFERENCE_MODELS} reference models` }).default(PRIVACY_DEFAULT_REFERENCE_MODELS)),
  /** Epochs per reference model (default: the card's training epochs, else 5). */
  referenceEpochs: optionalInt(1, 50, "The reference epochs"),
  /** Examples per reference model's training set (default: the member dataset's size, at most the disjoint pool). */
  referenceTrainSize: optionalInt(50, 200_000, "The reference training size"),
  seed: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The seed is a whole number" }).int().min(0).max(2 ** 31 - 1, { error: "At most 2147483647" }).default(0)),
});
export type CreatePrivacyEvaluation = z.output<typeof CreatePrivacyEvaluationSchema>;

export const INTEGRITY_DEFAULT_FOLDS = 5;
export const INTEGRITY_DEFAULT_EPOCHS = 3;

/**
 * A training-data integrity scan (lib/evaluations/integrity.ts): the model version and the dataset version it
 * was trained on (default: the card's training-data lineage), optionally a held-out version (train/test
 * leakage, clean inputs for the trigger test). `sampleCount` scans a stratified subset of the training data
 * (default: all of it). `folds` = 0 skips the cross-validation (no likely-mislabelled scan); otherwise the
 * model's architecture is retrained `folds` times for `epochs` epochs (its cost is stated before launch).
 */
export const CreateIntegrityEvaluationSchema = z.object({
  kind: z.literal("integrity"),
  modelVersionId: z.string({ error: "Choose a model version" }).trim().min(1, { error: "Choose a model version" }).max(64),
  trainingDatasetVersionId: optionalId,
  heldOutDatasetVersionId: optionalId,
  sampleCount: optionalInt(20, 200_000, "The number of training examples"),
  folds: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The number of folds is a whole number" }).int({ error: "The number of folds is a whole number" }).min(0, { error: "At least 0 (0 skips cross-validation)" }).max(10, { error: "At most 10 folds" }).refine((v) => v !== 1, { error: "Cross-validation needs at least 2 folds (or 0 to skip it)" }).default(INTEGRITY_DEFAULT_FOLDS)),
  epochs: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The number of epochs is a whole number" }).int({ error: "The number of epochs is a whole number" }).min(1, { error: "At least 1 epoch" }).max(50, { error: "At most 50 epochs" }).default(INTEGRITY_DEFAULT_EPOCHS)),
  expectedPoisonFraction: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The expected poison fraction is a number" }).min(0.01, { error: "At least 0.01" }).max(0.5, { error: "At most 0.5" }).default(0.1)),
  seed: z.preprocess(emptyToUndefined, z.coerce.number({ error: "The seed is a whole number" }).int().min(0).max(2 ** 31 - 1, { error: "At most 2147483647" }).default(0)),
});
export type CreateIntegrityEvaluation = z.output<typeof CreateIntegrityEvaluationSchema>;

/** Any kind: the schema is chosen by `kind` (absent = robustness). */
export const CreateAnyEvaluationSchema = z.discriminatedUnion("kind", [CreateRobustnessEvaluationSchema, CreatePrivacyEvaluationSchema, CreateIntegrityEvaluationSchema], {
  error: `The kind is one of ${EVALUATION_KINDS.join(", ")}`,
});
export type CreateAnyEvaluation = z.output<typeof CreateAnyEvaluationSchema>;
