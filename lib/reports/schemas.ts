import { z } from "zod";
import { FrameworkIdSchema } from "../compliance/catalog";
import { BeyondSnapshotSchema } from "./beyond-snapshot";
import { CostOfRobustnessSchema } from "./cost-snapshot";
import { IntegritySnapshotSchema } from "./integrity-snapshot";
import { PrivacySnapshotSchema } from "./privacy-snapshot";
import { STATUSES } from "../compliance/engine-types";

// What a report is made of. Input schemas (create, approve, verify) are shared by server actions, the
// REST API and the worker; the snapshot schema is the frozen, versioned content of a report. A stored
// snapshot is plain JSON: change it only by adding a new version, never by editing version 1.

export const SNAPSHOT_SCHEMA = "bulwark.report" as const;
export const SNAPSHOT_VERSION = 1 as const;

/** The frameworks a report covers when the request names none. */
export const DEFAULT_REPORT_FRAMEWORKS = ["nist-ai-rmf", "iso-42001"] as const;

const dateOnly = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "Use a date like 2026-01-31" });
const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const CreateReportSchema = z
  .object({
    title: z.preprocess(emptyToUndefined, z.string().trim().min(3, { error: "The title needs at least 3 characters" }).max(160, { error: "The title is at most 160 characters" }).optional()),
    /** Models in scope; absent or empty: every active model of the team. */
    modelIds: z.array(z.string().trim().min(1).max(40)).max(100, { error: "At most 100 models per report" }).optional(),
    frameworks: z.array(FrameworkIdSchema).max(40).optional(),
    /** Evaluations finished in [periodFrom, periodTo] (UTC days, both included); absent: no bound. */
    periodFrom: z.preprocess(emptyToUndefined, dateOnly.optional()),
    periodTo: z.preprocess(emptyToUndefined, dateOnly.optional()),
  })
  .superRefine((v, ctx) => {
    if (v.periodFrom && v.periodTo && v.periodFrom > v.periodTo) ctx.addIssue({ code: "custom", path: ["periodTo"], message: "The end of the period is before its start" });
  });
export type CreateReportInput = z.input<typeof CreateReportSchema>;

/**
 * The report form: checkboxes named `model:<id>` and `framework:<id>` (FormData flattened to an object),
 * turned into CreateReportSchema's input.
 */
export const CreateReportFormSchema = z
  .preprocess((raw) => {
    const f = (raw ?? {}) as Record<string, unknown>;
    return {
      title: f.title,
      modelIds: f.scope === "some" ? Object.keys(f).filter((k) => k.startsWith("model:")).map((k) => k.slice(6)) : undefined,
      frameworks: Object.keys(f).filter((k) => k.startsWith("framework:")).map((k) => k.slice(10)),
      periodFrom: f.periodFrom,
      periodTo: f.periodTo,
    };
  }, CreateReportSchema)
  .superRefine((v, ctx) => {
    if (v.modelIds && v.modelIds.length === 0) ctx.addIssue({ code: "custom", path: ["modelIds"], message: "Choose at least one model, or all models" });
    if (!v.frameworks || v.frameworks.length === 0) ctx.addIssue({ code: "custom", path: ["frameworks"], message: "Choose at least one framework" });
  });

export const ApproveReportSchema = z.object({
  reportId: z.string().trim().min(1).max(40),
  /** The snapshot hash the reviewer saw; approval is refused if it is not the report's. */
  snapshotSha256: z.preprocess(emptyToUndefined, z.string().trim().toLowerCase().regex(/^[0-9a-f]{64}$/, { error: "A SHA-256 is 64 hexadecimal characters" }).optional()),
  /** What the reviewer says with the approval: recorded, audited and printed on the sign-off page. */
  comment: z.preprocess(emptyToUndefined, z.string().trim().max(2000, { error: "The comment is at most 2,000 characters" }).optional()),
});

const reportIdField = z.string().trim().min(1).max(40);

/** A reviewer sends a draft back: the reason is required, shown to the author and audited. */
export const RequestChangesSchema = z.object({
  reportId: reportIdField,
  reason: z.string({ error: "Say what needs to change" }).trim().min(10, { error: "Say what needs to change (at least 10 characters)" }).max(2000, { error: "The reason is at most 2,000 characters" }),
  /** The snapshot hash the reviewer saw, as for approval. */
  snapshotSha256: ApproveReportSchema.shape.snapshotSha256,
});

/** The author asks a named member to review: by user id (forms) or e-mail (API). */
export const RequestReviewSchema = z
  .object({
    reportId: reportIdField,
    reviewerId: z.preprocess(emptyToUndefined, z.string().trim().min(1).max(40).optional()),
    reviewer: z.preprocess(emptyToUndefined, z.string().trim().toLowerCase().max(320).optional()),
  })
  .refine((v) => v.reviewerId || v.reviewer, { path: ["reviewerId"], message: "Choose a reviewer" });

/** The author revises a report changes were requested of: a new report with the same scope (and a title). */
export const ReviseReportSchema = z.object({
  reportId: reportIdField,
  title: CreateReportSchema.shape.title,
});

export const Sha256Schema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, { error: "A SHA-256 is 64 hexadecimal characters (0-9, a-f)" });

export const ListReportsSchema = z.object({
  cursor: z.string().trim().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

// ---- The snapshot ----------------------------------------------------------------------------------

const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
const sha = z.string().regex(/^[0-9a-f]{64}$/);
const StatusSchema = z.enum(STATUSES);
const CountsSchema = z.object({ satisfied: z.number().int(), partial: z.number().int(), failing: z.number().int(), stale: z.number().int(), not_assessed: z.number().int() });
const NormSchema = z.enum(["linf", "l2"]);
const VerdictSchema = z.enum(["reliable", "questionable", "unreliable"]);

export const ReportScopeSchema = z.object({
  models: z.union([z.literal("all"), z.array(z.string()).min(1)]),
  frameworks: z.array(FrameworkIdSchema).min(1),
  period: z.object({ from: dateOnly.nullable(), to: dateOnly.nullable() }),
});
export type ReportScope = z.infer<typeof ReportScopeSchema>;

const DatasetRefSchema = z.object({
  versionId: z.string(),
  label: z.string(),
  tensorDigest: z.string(),
  manifestDigest: z.string(),
  licence: z.string(),
  personalData: z.string(),
  source: z.string(),
  legalBasis: z.string(),
  sampleCount: z.number().int(),
  split: z.string(),
});

const GalleryItemSchema = z.object({
  index: z.number().int(),
  label: z.string(),
  cleanPred: z.string(),
  cleanConf: z.number(),
  advPred: z.string(),
  advConf: z.number(),
  attack: z.string(),
  norm: NormSchema,
  eps: z.number(),
  shape: z.array(z.number().int()),
  /** Pixels in the card's value range, rounded to 3 decimals. */
  original: z.array(z.number()),
  adversarial: z.array(z.number()),
});

const EvaluationSnapshotSchema = z.object({
  id: z.string(),
  number: z.number().int(),
  modelId: z.string(),
  modelLabel: z.string(),
  modelDigest: z.string(),
  finishedAt: iso,
  createdBy: z.string(),
  scheduled: z.boolean(),
  preset: z.string(),
  seed: z.number().int(),
  samples: z.number().int(),
  /** The attack suite exactly as stored (lib/engine/suite AttackSuiteSchema). */
  suite: z.unknown(),
  inputRange: z.object({ min: z.number(), max: z.number() }),
  dataset: DatasetRefSchema,
  cleanAccuracy: z.number(),
  cleanCorrect: z.number().int(),
  attacks: z.array(z.object({
    attack: z.string(), kind: z.string(), family: z.string(), norm: NormSchema, eps: z.number(),
    robustAccuracy: z.number(), successRate: z.number(), broken: z.number().int(), attacked: z.number().int(),
    meanQueries: z.number(), medianPerturbation: z.number().nullable(),
  })),
  worstCase: z.array(z.object({ norm: NormSchema, eps: z.number(), robustAccuracy: z.number(), robust: z.number().int() })),
  perClass: z.array(z.object({ label: z.string(), count: z.number().int(), cleanAccuracy: z.number(), robustAccuracy: z.record(z.string(), z.number()) })),
  curves: z.array(z.object({ attack: z.string(), norm: NormSchema, points: z.array(z.object({ eps: z.number(), robustAccuracy: z.number() })) })),
  reliability: z.object({
    verdict: VerdictSchema,
    reasons: z.array(z.string()),
    checks: z.array(z.object({ id: z.string(), title: z.string(), status: z.enum(["pass", "warn", "fail"]), explanation: z.string() })),
  }).nullable(),
  /** Every counted break replayed on the reference; absent for evaluations completed before the replay existed. */
  replay: z.object({
    replayed: z.number().int(),
    notReproduced: z.array(z.object({ index: z.number().int(), attack: z.string(), norm: NormSchema, eps: z.number() })),
    survivors: z.number().int(),
  }).optional(),
  provenance: z.object({
    backend: z.string().nullable(),
    tfjsVersion: z.string().nullable(),
    simd: z.boolean().nullable(),
    threads: z.number().nullable(),
    kernelPatches: z.array(z.string()),
    backends: z.array(z.string()),
    workers: z.array(z.string()),
    shards: z.number().int(),
  }),
  comparison: z.object({
    previousNumber: z.number().int(),
    tolerancePp: z.number(),
    clean: z.object({ label: z.string(), before: z.number(), after: z.number(), delta: z.number() }),
    worstCase: z.array(z.object({ label: z.string(), before: z.number(), after: z.number(), delta: z.number() })),
    regressions: z.array(z.object({ label: z.string(), before: z.number(), after: z.number(), delta: z.number() })),
  }).nullable(),
  gallery: z.array(GalleryItemSchema),
  /** Calibration, corruptions and OOD (absent in snapshots frozen before they existed). */
  beyond: BeyondSnapshotSchema.nullable().optional(),
  /** White-box, or black-box with the endpoint and its query budget (absent in snapshots frozen before it existed). */
  threatModel: z.string().optional(),
});
export type EvaluationSnapshot = z.infer<typeof EvaluationSnapshotSchema>;

/** Per environment: the recorded decision that put the current version there, and its production monitoring. */
const OperationsSnapshotSchema = z.object({
  environments: z.array(z.object({
    environment: z.string(),
    version: z.number().int(),
    decision: z.string(),
    gatePassed: z.boolean(),
    overrideReason: z.string().nullable(),
    evidenceSha256: z.string(),
    at: iso,
    by: z.string(),
    batches: z.number().int(),
    lastBatchAt: iso.nullable(),
    openAlerts: z.array(z.object({ signal: z.string(), severity: z.string(), summary: z.string(), acknowledged: z.boolean() })),
  })),
});
export type OperationsSnapshot = z.infer<typeof OperationsSnapshotSchema>;

const ModelSnapshotSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  versionId: z.string(),
  label: z.string(),
  manifestDigest: z.string(),
  tier: z.string(),
  owner: z.string(),
  registeredAt: iso,
  card: z.object({
    task: z.string(),
    inputShape: z.array(z.number().int()),
    inputRange: z.object({ min: z.number(), max: z.number() }),
    classLabels: z.array(z.string()),
    intendedUse: z.string(),
    outOfScopeUse: z.string(),
    knownLimitations: z.string(),
    trainingMethod: z.string(),
    preprocessingNote: z.string(),
  }),
  files: z.array(z.object({ path: z.string(), sha256: z.string(), size: z.number().int() })),
  trainingDataset: DatasetRefSchema.nullable(),
  /** Evaluations of this model in the report, newest first (numbers into `evaluations`). */
  evaluationNumbers: z.array(z.number().int()),
  /** Where the model runs and how it is watched, at the time of the report (absent in snapshots frozen before it existed). */
  operations: OperationsSnapshotSchema.optional(),
  /** The newest training-data integrity scan of this version (absent in snapshots frozen before it existed). */
  integrity: IntegritySnapshotSchema.nullable().optional(),
  /** The newest membership-inference evaluation of this version (absent in snapshots frozen before it existed). */
  privacy: PrivacySnapshotSchema.nullable().optional(),
});
export type ModelSnapshot = z.infer<typeof ModelSnapshotSchema>;

const ControlSnapshotSchema = z.object({
  control: z.string(),
  framework: FrameworkIdSchema,
  controlId: z.string(),
  title: z.string(),
  modelId: z.string().nullable(),
  modelLabel: z.string(),
  status: StatusSchema,
  reason: z.string(),
  next: z.string().nullable(),
  evidence: z.array(z.object({ type: z.string(), label: z.string(), digest: z.string().nullable() })),
});
export type ControlSnapshot = z.infer<typeof ControlSnapshotSchema>;

export const ReportSnapshotSchema = z.object({
  schema: z.literal(SNAPSHOT_SCHEMA),
  version: z.literal(SNAPSHOT_VERSION),
  report: z.object({ id: z.string(), number: z.number().int(), title: z.string(), generatedAt: iso, generatedBy: z.object({ userId: z.string().nullable(), label: z.string() }) }),
  team: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  scope: ReportScopeSchema.extend({ modelLabels: z.array(z.string()) }),
  versions: z.object({ app: z.string(), catalog: z.string(), policy: z.number().int().nullable(), renderer: z.string() }),
  policy: z.object({
    version: z.number().int().nullable(),
    segregationOfDuties: z.boolean(),
    tiers: z.array(z.object({
      tier: z.string(),
      thresholds: z.array(z.object({ norm: NormSchema, eps: z.number(), min: z.number() })),
      minCleanAccuracy: z.number().nullable(),
      requiredVerdict: z.string(),
      maxEvidenceAgeDays: z.number().int(),
      minSampleCount: z.number().int(),
      minAttacks: z.number().int(),
      requireIterative: z.boolean(),
    })),
  }),
  auditChain: z.object({ intact: z.boolean(), count: z.number().int(), head: z.string().nullable(), brokenAt: z.string().nullable() }),
  posture: z.array(z.object({ framework: FrameworkIdSchema, name: z.string(), version: z.string(), counts: CountsSchema, total: z.number().int() })),
  keyRisks: z.array(z.object({ controlId: z.string(), status: StatusSchema, sentence: z.string() })),
  changes: z.object({
    previous: z.object({ id: z.string(), number: z.number().int(), generatedAt: iso, snapshotSha256: sha, status: z.string() }).nullable(),
    frameworks: z.array(z.object({ framework: FrameworkIdSchema, name: z.string(), before: CountsSchema.nullable(), after: CountsSchema })),
    controls: z.array(z.object({ controlId: z.string(), framework: FrameworkIdSchema, modelLabel: z.string(), from: StatusSchema.nullable(), to: StatusSchema })),
    controlChangeCount: z.number().int(),
    newEvaluations: z.array(z.number().int()),
  }),
  models: z.array(ModelSnapshotSchema),
  evaluations: z.array(EvaluationSnapshotSchema),
  /** Per model in scope: its versions compared (absent in snapshots frozen before it existed). */
  costOfRobustness: z.array(CostOfRobustnessSchema).optional(),
  alerts: z.array(z.object({ id: z.string(), modelLabel: z.string(), evaluationNumber: z.number().int().nullable(), previousNumber: z.number().int().nullable(), summary: z.string(), createdAt: iso, acknowledged: z.boolean(), acknowledgedBy: z.string().nullable(), note: z.string().nullable() })),
  controls: z.array(ControlSnapshotSchema),
  attestations: z.array(z.object({
    id: z.string(), control: z.string(), controlId: z.string(), model: z.string().nullable(), statement: z.string(), by: z.string(),
    attestedAt: iso, expiresAt: iso, state: z.enum(["valid", "expired", "revoked"]), revokedBy: z.string().nullable(), revokeReason: z.string().nullable(),
    files: z.array(z.object({ name: z.string(), sha256: z.string() })),
  })),
});
export type ReportSnapshot = z.infer<typeof ReportSnapshotSchema>;

/** The edition of a PDF: the draft, or the approved one with its sign-off. */
export type ReportEdition =
  | { status: "draft" }
  | { status: "approved"; approvedBy: string; approvedAt: string; draftPdfSha256: string; comment?: string };
