import { z } from "zod";
import { AttackSpecSchema, NormSchema } from "./suite";
import { CORRUPTIONS } from "./corruption-kinds";

// The shapes of what a robustness evaluation stores and REST API v1 answers: per-example records,
// the aggregated metrics, the replay summary and the evaluation's checks. One source: the engine's
// TypeScript types are inferred from these schemas (shard.ts, aggregate.ts, reliability.ts), and the
// OpenAPI document's schemas are generated from them (lib/api/responses.ts).

const AttackKindSchema = z.enum([...AttackSpecSchema.options.map((o) => o.shape.kind.value), "sanity"]);
const AttackFamilySchema = z.enum(["single-step", "iterative", "black-box", "noise", "sanity"]);
export const ReplayOutcomeSchema = z.enum(["reproduced", "not-reproduced"]).meta({ description: "A break replayed on the reference: reproduced, or not (then success is false and it is not counted)." });

export const AttackEntrySchema = z.object({
  attack: z.string().meta({ description: "The attack's id in the suite, e.g. pgd-linf-20x1." }),
  kind: AttackKindSchema,
  family: AttackFamilySchema,
  norm: NormSchema,
  eps: z.number(),
  advPred: z.number().int(),
  advConf: z.number(),
  success: z.boolean().meta({ description: "The adversarial input is misclassified (always true for an example misclassified when clean)." }),
  linf: z.number(),
  l2: z.number(),
  loss: z.number().meta({ description: "Cross-entropy of the true label at the adversarial input." }),
  brier: z.number().optional().meta({ description: "Brier score at the adversarial input (absent in records written before calibration)." }),
  queries: z.number(),
  lossTrace: z.array(z.number()).optional().meta({ description: "Attack loss at checkpoints of the kept run (iterative: 0, 1/4, 1/2, 3/4, end; square: first, last margin)." }),
  target: z.number().int().optional(),
  skipped: z.boolean().optional().meta({ description: "Not attacked because the clean input is already misclassified." }),
  replay: ReplayOutcomeSchema.optional(),
  replayPred: z.number().int().optional().meta({ description: "Not reproduced: the class found on the reference." }),
  replayMargin: z.number().optional().meta({ description: "Not reproduced: the margin z_y − max_{j≠y} z_j on the reference." }),
  replayOn: z.string().optional().meta({ description: "Which reference replayed the break." }),
});

export const GradientStatSchema = z.object({
  zeroFraction: z.number().meta({ description: "Fraction of input-gradient entries exactly zero." }),
  tinyFraction: z.number().meta({ description: "Fraction of non-zero entries below 1e-6 of the largest (float32 rounding noise)." }),
  maxAbs: z.number(),
  nonFinite: z.boolean(),
});

export const ExampleRecordSchema = z.object({
  index: z.number().int(),
  label: z.number().int(),
  cleanPred: z.number().int(),
  cleanConf: z.number(),
  cleanCorrect: z.boolean(),
  cleanLoss: z.number(),
  cleanBrier: z.number().optional().meta({ description: "Brier score of the clean prediction." }),
  cleanEnergy: z.number().optional().meta({ description: "logsumexp of the clean logits (the OOD energy score)." }),
  gradient: GradientStatSchema.optional().meta({ description: "Absent for models only queried over HTTP (black-box): they have no gradients to inspect." }),
  attacks: z.array(AttackEntrySchema),
  corruptions: z.partialRecord(z.enum(CORRUPTIONS), z.object({ pred: z.array(z.number().int()), conf: z.array(z.number()) })).optional()
    .meta({ description: "Per corruption: predicted class and top-label confidence at each severity of the suite, in order." }),
}).meta({ description: "One example: its label, the clean prediction and each attack's outcome." });

export const AttackMetricSchema = z.object({
  attack: z.string(),
  kind: AttackKindSchema,
  family: AttackFamilySchema,
  norm: NormSchema,
  eps: z.number(),
  robustAccuracy: z.number().meta({ description: "Correct and not broken by this attack, over all samples." }),
  successRate: z.number().meta({ description: "Broken among the correctly classified examples." }),
  broken: z.number().int(),
  attacked: z.number().int(),
  meanQueries: z.number(),
  medianPerturbation: z.number().nullable().meta({ description: "Median perturbation norm of the successful adversarials (in the attack's norm)." }),
});

export const WorstCasePointSchema = z.object({
  norm: NormSchema,
  eps: z.number(),
  robustAccuracy: z.number(),
  robust: z.number().int().meta({ description: "Examples no attack of the suite broke at this or any smaller budget of the same norm." }),
});

export const ClassMetricSchema = z.object({
  classIndex: z.number().int(),
  label: z.string(),
  count: z.number().int(),
  cleanAccuracy: z.number(),
  robustAccuracy: z.record(z.string(), z.number()).meta({ description: "Worst-case robust accuracy per budget, keyed norm:eps (e.g. linf:0.1)." }),
});

export const CurveSchema = z.object({
  attack: z.string(),
  norm: NormSchema,
  points: z.array(z.object({ eps: z.number(), robustAccuracy: z.number() })),
});

export const ReplaySummarySchema = z.object({
  replayed: z.number().int().meta({ description: "Breaks replayed on the reference (white-box: the tfjs cpu backend; black-box: the endpoint again)." }),
  notReplayed: z.number().int().meta({ description: "Breaks counted without a replay (records written before the replay existed); expected 0." }),
  notReproduced: z.array(z.object({
    index: z.number().int(), attack: z.string(), norm: NormSchema, eps: z.number(), advPred: z.number().int(),
    replayPred: z.number().int().optional(), margin: z.number().optional(), reference: z.string().optional(),
  })).meta({ description: "Expected empty: any entry makes the evaluation unreliable. Not counted as breaks." }),
  survivors: z.array(z.number().int()).meta({ description: "Clean-correct examples that no attack broke at any budget (index order)." }),
});

export const EngineMetricsSchema = z.object({
  samples: z.number().int(),
  cleanCorrect: z.number().int(),
  cleanAccuracy: z.number(),
  attacks: z.array(AttackMetricSchema),
  worstCase: z.array(WorstCasePointSchema).meta({ description: "Robust only if no attack of the suite broke it at this or any smaller budget of the same norm." }),
  perClass: z.array(ClassMetricSchema),
  medianMinimalBreakingEps: z.array(z.object({ norm: NormSchema, value: z.number().nullable(), unbrokenFraction: z.number() }))
    .meta({ description: "Median over correctly classified examples of the smallest swept epsilon that broke them (null: above the sweep)." }),
  curves: z.array(CurveSchema).meta({ description: "Accuracy vs epsilon, starting at the clean point eps = 0, per attack and worst-case." }),
  sanity: z.object({ eps: z.number(), robustAccuracy: z.number(), maxClassFrequency: z.number() }).nullable()
    .meta({ description: "The sanity attack at half the value range (present when the suite ran it)." }),
  replay: ReplaySummarySchema.optional().meta({ description: "Every counted break replayed on the reference, and the examples no attack broke (absent in metrics stored before the replay)." }),
});

export const CheckStatusSchema = z.enum(["pass", "warn", "fail"]);
export const ReliabilityReportSchema = z.object({
  verdict: z.enum(["reliable", "questionable", "unreliable"]),
  reasons: z.array(z.string()),
  checks: z.array(z.object({
    id: z.string(),
    title: z.string(),
    status: CheckStatusSchema,
    explanation: z.string().meta({ description: "Plain-language explanation of what was checked and what was found." }),
  })),
});
