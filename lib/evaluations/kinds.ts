import { z } from "zod";

/**
 * Evaluation kinds: what an evaluation measures. Every kind shares one lifecycle — an `Evaluation` row
 * with its `EvaluationShard` rows, pg-boss shard jobs taken by any worker, one aggregate job, progress,
 * cancel, audit events, results page, API and CLI — and differs in five places, each a small explicit
 * dispatch on `Evaluation.kind` (no registry magic: grep for the kind's name to find them all):
 *
 * 1. **Config** — the kind's zod schema for what a person chooses (the create form, `POST /evaluations`,
 *    `bulwark eval run --kind ...`). `CreateAnyEvaluationSchema` (lib/evaluations/schemas.ts) picks the schema by `kind`
 *    (absent = "robustness", so every existing client keeps working). The validated, completed config
 *    is stored in `Evaluation.suite` (for robustness: the attack suite, lib/engine/suite.ts).
 * 2. **Plan** — `createEvaluationOfKind` (lib/evaluations/create.ts) checks the inputs against the team's
 *    records (every lookup scoped by teamId), refuses with field errors before anything is stored, and
 *    plans the shards: robustness splits the sampled examples into shards of `shardSize`; privacy has one
 *    shard that scores the target model on the member and non-member samples plus one shard per
 *    reference model (each trains one model, lib/evaluations/privacy.ts). A shard's [start, end) is its
 *    range of work units; progress weights shards by that width.
 * 3. **Shard** — in the engine process (workers/shard-process.ts) `task.kind` selects what runs: the
 *    attack suite (lib/engine/shard.ts) or the kind's engine code (lib/engine/privacy/*). The output is
 *    plain JSON written once per shard (a retried shard replaces, never adds).
 * 4. **Aggregate** — `aggregateEvaluation` (lib/evaluations/run.ts) hands the shard outputs to the kind's
 *    aggregation, which returns the metrics, the reliability report (verdict + reasons), provenance and
 *    headline figures. Robustness also runs regression detection; other kinds do not compare with
 *    robustness runs.
 * 5. **Evidence** — a non-robustness kind writes a small `metrics.evidence` object (its headline figures
 *    and sample sizes); the database trigger copies only that into `Evaluation.evidence`
 *    (function bulwark_evaluation_evidence_of), tagged with the kind. lib/compliance/evidence.ts reads
 *    robustness rows for E1/E2/... and each other kind's rows separately (privacy → E7), so a privacy
 *    evaluation can never count as a robustness run. The results page (app/t/[team]/evaluations/[number])
 *    and the PDF branch on the kind as well.
 *
 * A kind that is named but not built yet is listed with `available: false` and refused at creation with
 * a clear message, so nothing half-configured is ever stored.
 */
export const EVALUATION_KINDS = ["robustness", "privacy", "integrity"] as const;
export type EvaluationKind = (typeof EVALUATION_KINDS)[number];

export interface KindInfo {
  kind: EvaluationKind;
  label: string;
  /** One line for lists and the form. */
  description: string;
  /** False: the kind is named (lists, filters) but cannot be created yet; `unavailableReason` says why. */
  available: boolean;
  unavailableReason?: string;
}

export const KINDS: Record<EvaluationKind, KindInfo> = {
  robustness: {
    kind: "robustness",
    label: "Robustness",
    description: "Adversarial attacks (white- or black-box), corruptions and out-of-distribution inputs on a dataset.",
    available: true,
  },
  privacy: {
    kind: "privacy",
    label: "Privacy (membership inference)",
    description: "Can an attacker tell whether a record was in the training data? Loss, confidence, entropy and LiRA attacks on the model's outputs.",
    available: true,
  },
  integrity: {
    kind: "integrity",
    label: "Training-data integrity",
    description: "Poisoning and backdoor scans of the training data and the model: duplicates and leakage, likely mislabelled examples, backdoor triggers.",
    available: true,
  },
};

export const kindLabel = (k: string): string => (KINDS as Record<string, KindInfo>)[k]?.label ?? k;
export const isEvaluationKind = (k: unknown): k is EvaluationKind => typeof k === "string" && (EVALUATION_KINDS as readonly string[]).includes(k);

export const EvaluationKindSchema = z.enum(EVALUATION_KINDS, { error: `The kind is one of ${EVALUATION_KINDS.join(", ")}` });

/** A list filter: one kind, or all ("" / absent). Unknown values are ignored (the list shows all). */
export const KindFilterSchema = z.preprocess((v) => (v === "" ? undefined : v), EvaluationKindSchema.optional()).catch(undefined);
