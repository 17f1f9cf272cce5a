import { z } from "zod";
import { FrameworkIdSchema } from "../compliance/catalog";
import { EngineMetricsSchema, ExampleRecordSchema, ReliabilityReportSchema, ReplaySummarySchema } from "../engine/results-schema";
import { AttackSuiteSchema } from "../engine/suite";
import { ModelCardSchema } from "../registry/model-card";
import { ThreatModelSchema } from "../evaluations/threat-model";
import { SuspectRowSchema } from "../evaluations/integrity-reading";
import { ConnectionTestResultSchema } from "../registry/endpoints";
import { QueryCostSchema } from "../evaluations/blackbox";
import { HardeningParamsSchema } from "../engine/training/harden-params";

// The JSON bodies REST API v1 answers, one zod schema per operation (lib/api/operations.ts `response`).
// Route handlers are type-checked against them (app/_lib/api.ts), the OpenAPI document's response
// schemas are generated from them (lib/api/openapi.ts), and the API tests validate every real answer
// against them (lib/api/contract.ts). Deep fields (metrics, per-example records, checks, cards, replay,
// threat model, query cost) use the schemas the engine's and registry's own types are inferred from.
// Still open (any JSON, documented in docs/): dataset cards, engine info, provenance, comparison, the
// beyond-worst-case figures (calibration, corruptions, OOD) and the metrics of privacy and integrity results.

const DateTime = z.iso.datetime().meta({ description: "ISO 8601 date-time, UTC." });
const Digest = z.string().regex(/^[0-9a-f]{64}$/).meta({ description: "SHA-256, 64 lowercase hexadecimal characters." });
/** A value whose shape depends on the evaluation kind or card (documented in docs/); any JSON. */
const Open = z.unknown();
const NextCursor = z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last page. Opaque: send it back unchanged." });
const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: NextCursor });

/** Every error: RFC 9457 problem details (application/problem+json). */
export const ProblemResponse = z.object({
  type: z.string().optional().meta({ description: "Always about:blank: the status and title say what kind of error it is." }),
  title: z.string().meta({ description: "The status in words, e.g. Not found." }),
  status: z.number().int().meta({ description: "The HTTP status." }),
  detail: z.string().meta({ description: "What went wrong and what to do, in one or two sentences." }),
  errors: z.record(z.string(), z.string()).optional().meta({ description: "For invalid input: the message for each field, by field name." }),
}).meta({ description: "An error, as RFC 9457 problem details.", examples: [{ type: "about:blank", title: "Not found", status: 404, detail: "The model \"digits-cnn\" was not found." }] });

export const MeResponse = z.object({
  team: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  role: z.enum(["ADMIN", "ENGINEER", "REVIEWER", "VIEWER"]),
  token: z.string().meta({ description: "How the token appears in the audit log: api-token:<name> (<prefix>…)." }),
  tokenId: z.string(),
  expiresAt: DateTime.nullable().meta({ description: "When the token stops working; null if it never expires." }),
});

// ---- Models and datasets -------------------------------------------------------------------------

export const ModelVersionSummary = z.object({
  id: z.string(),
  version: z.number().int(),
  format: z.string().optional().meta({ description: "How the model is stored or reached, e.g. tfjs-layers, ensemble, http-endpoint." }),
  riskTier: z.string(),
  owner: z.string(),
  digest: Digest,
  bytes: z.number().int(),
  status: z.string(),
  createdAt: DateTime.nullable(),
  evaluatedAt: DateTime.nullable(),
  card: ModelCardSchema.optional(),
});

export const ModelListResponse = page(z.object({ id: z.string(), name: z.string(), description: z.string(), latestVersion: ModelVersionSummary.nullable(), updatedAt: DateTime.nullable() }));
export const ModelResponse = z.object({ id: z.string(), name: z.string(), description: z.string(), archived: z.boolean(), versions: z.array(ModelVersionSummary), createdAt: DateTime.nullable() });

const EndpointSummary = z.object({
  url: z.string(), method: z.string(), authKind: z.string(), authHeader: z.string().nullable(), credentialStored: z.boolean(), requestTemplate: z.string(),
  responseMapping: z.object({ kind: z.enum(["scores", "label"]), path: z.string() }),
  batchSize: z.number(), timeoutMs: z.number(), requestsPerSecond: z.number(), concurrency: z.number(), maxRetries: z.number(),
});
export const ModelVersionResponse = z.intersection(ModelVersionSummary, z.object({
  model: z.object({ id: z.string(), name: z.string() }),
  engineInfo: Open,
  files: z.array(z.object({ path: z.string(), role: z.string(), sha256: Digest, size: z.number().int() })),
  endpoint: EndpointSummary.nullable().optional().meta({ description: "Endpoint versions only: the settings, never the credential." }),
}));
export const UploadedModelVersionResponse = z.intersection(ModelVersionResponse, z.object({
  warnings: z.array(z.string()),
  ignoredFiles: z.array(z.string()).meta({ description: "Files of the upload that are not part of the model (e.g. a README), not stored." }),
}));

export const ConnectionTestResponse = ConnectionTestResultSchema;

export const DatasetVersionSummary = z.object({
  id: z.string(), version: z.number().int(), format: z.string(), licence: z.string(), personalData: z.string(), split: z.string(),
  samples: z.number().int(), sampleShape: z.array(z.number().int()), classLabels: z.array(z.string()), tensorDigest: Digest, manifestDigest: Digest,
  bytes: z.number().int(), status: z.string(), createdAt: DateTime.nullable(),
});
export const DatasetListResponse = page(z.object({ id: z.string(), name: z.string(), description: z.string(), latestVersion: DatasetVersionSummary.nullable() }));
export const DatasetResponse = z.object({ id: z.string(), name: z.string(), description: z.string(), archived: z.boolean(), versions: z.array(DatasetVersionSummary), createdAt: DateTime.nullable() });
export const DatasetVersionResponse = z.intersection(DatasetVersionSummary, z.object({ dataset: z.object({ id: z.string(), name: z.string() }), card: Open, warnings: Open }));
export const UploadedDatasetVersionResponse = z.intersection(DatasetVersionResponse, z.object({ warnings: z.array(z.string()) }));

// ---- Evaluations ---------------------------------------------------------------------------------

const EvaluationStatus = z.enum(["queued", "running", "aggregating", "completed", "failed", "cancelled"]);
const Verdict = z.enum(["reliable", "questionable", "unreliable"]);
const ReliabilitySummary = z.object({ verdict: Verdict, label: z.string(), reasons: z.array(z.string()) }).nullable();
const Norm = z.enum(["linf", "l2"]);

export const EvaluationListResponse = page(z.object({
  id: z.string(), number: z.number().int(), kind: z.string(), status: EvaluationStatus, preset: z.string(),
  model: z.string().nullable().meta({ description: "name@version" }), samples: z.number().int(), progress: z.number().min(0).max(1),
  cleanAccuracy: z.number().nullable(), headlineRobustAccuracy: z.number().nullable(), verdict: z.string().nullable().meta({ description: "reliable, questionable or unreliable; null before completion." }), verdictLabel: z.string().nullable(),
  createdBy: z.string(), createdAt: DateTime.nullable(), finishedAt: DateTime.nullable(),
}));

/** The checks' verdict of a privacy or integrity evaluation, as stored (reliable, questionable or unreliable). */
const KindReliability = z.object({ verdict: z.string(), label: z.string(), reasons: z.array(z.string()) }).nullable();
const Interval = z.object({ low: z.number(), high: z.number() });
/** The figures of a privacy evaluation clients print; the rest (interpretation per class, LiRA) is in docs/privacy.md. */
const PrivacySummary = z.object({
  members: z.number().int(),
  nonMembers: z.number().int(),
  reading: z.string(),
  attacks: z.array(z.object({
    attack: z.string(), auc: z.number(), aucCi: Interval, advantage: z.number(), advantageCi: Interval, chanceAdvantage: z.number(),
    tprAt: z.array(z.object({ fpr: z.number(), resolvable: z.boolean(), tpr: z.number().nullable(), ci: Interval.nullable(), nonMembersNeeded: z.number() }).loose()),
  }).loose()),
  interpretation: z.object({ attacksTried: z.number().int(), adjustedLevel: z.number() }).loose(),
  reliability: KindReliability,
}).loose();
/** The figures of an integrity scan clients print; the rest is in docs/integrity.md. */
const IntegritySummary = z.object({
  evidence: z.object({ suspectedMislabelShare: z.number().nullable(), flaggedClasses: z.array(z.string()), liveBackdoors: z.array(z.string()), leakageGroups: z.number().int().nullable() }).loose(),
  reading: z.array(z.string()),
  reliability: KindReliability,
  backdoor: z.object({
    triggerTests: z.array(z.object({ target: z.string(), patch: z.string(), kind: z.string(), flipRate: z.number(), interval: z.array(z.number()), controlRate: z.number(), controlInterval: z.array(z.number()), live: z.boolean() }).loose()),
  }).loose().nullable(),
}).loose();

export const EvaluationResponse = z.object({
  id: z.string(),
  number: z.number().int().meta({ description: "The team's evaluation number, used in every address (/evaluations/{number})." }),
  kind: z.string().meta({ description: "robustness, privacy or integrity." }),
  status: EvaluationStatus,
  model: z.object({ id: z.string().optional(), name: z.string().optional(), version: z.number().int().optional(), digest: z.string().optional() }),
  dataset: z.object({ id: z.string().optional(), name: z.string().optional(), version: z.number().int().optional(), digest: z.string().optional() }),
  preset: z.string(),
  samples: z.number().int(),
  seed: z.number().int(),
  progress: z.object({ fraction: z.number().min(0).max(1), shardsDone: z.number().int(), shardCount: z.number().int(), etaSeconds: z.number().nullable() }),
  failureReason: z.string().nullable(),
  cancelledBy: z.string().nullable(),
  results: z.object({
    cleanAccuracyWarning: z.object({ status: z.enum(["fail", "warn"]), headline: z.string(), explanation: z.string() }).nullable(),
    cleanAccuracy: z.number(),
    worstCase: z.array(z.object({ norm: Norm, eps: z.number(), robustAccuracy: z.number(), robust: z.number() })),
    attacks: z.array(z.object({ attack: z.string(), norm: Norm, eps: z.number(), robustAccuracy: z.number() })),
    reliability: ReliabilitySummary,
    replay: ReplaySummarySchema.nullable().meta({ description: "Every counted break replayed on the reference; null for evaluations completed before the replay existed." }),
  }).nullable().meta({ description: "Robustness evaluations, once completed; else null." }),
  integrity: IntegritySummary.nullable().meta({ description: "Integrity scans, once completed (docs/integrity.md); else null." }),
  privacy: PrivacySummary.nullable().meta({ description: "Privacy evaluations, once completed (docs/privacy.md); else null." }),
  threatModel: ThreatModelSchema.nullable().meta({ description: "White-box, or black-box with the endpoint host and query budgets; null before completion." }),
  regressionAlerts: z.array(z.object({ id: z.string(), summary: z.string(), acknowledged: z.boolean() })),
  createdAt: DateTime,
  finishedAt: DateTime.nullable(),
});
export const CreatedEvaluationResponse = z.intersection(EvaluationResponse, z.object({
  warnings: z.array(z.string()),
  queryCost: QueryCostSchema.optional().meta({ description: "Black-box evaluations: the upper bound of queries and requests sent to the endpoint." }),
  privacyCost: z.object({ summary: z.string() }).loose().optional().meta({ description: "Privacy evaluations: the reference-model training they launch, summed up in `summary`." }),
  integrityCost: z.object({ summary: z.string() }).loose().optional().meta({ description: "Integrity scans: the cross-validation training they launch, summed up in `summary`." }),
}));

/** A robustness evaluation's metrics: the engine's aggregate, and the beyond-worst-case figures beside it. */
export const RobustnessMetrics = z.intersection(EngineMetricsSchema, z.object({
  calibration: Open.optional().meta({ description: "Calibration, clean and under attack (docs/robustness.md); null when the suite did not ask for it." }),
  corruptions: Open.optional().meta({ description: "Common-corruption accuracy per corruption and severity; null when not run." }),
  ood: Open.optional().meta({ description: "Out-of-distribution detection (MSP and energy AUROC); null when not run." }),
}));
const RobustnessResults = z.object({
  number: z.number().int(),
  kind: z.literal("robustness"),
  cleanAccuracyWarning: z.object({ status: z.enum(["fail", "warn"]), headline: z.string(), explanation: z.string() }).nullable(),
  metrics: RobustnessMetrics,
  reliability: ReliabilityReportSchema.meta({ description: "The evaluation's checks: verdict, reasons and each check (see getEvaluation)." }),
  provenance: Open,
  suite: AttackSuiteSchema,
  comparison: Open.meta({ description: "Against the previous evaluation of the model with the same suite; null when there is none." }),
  classLabels: z.array(z.string()),
  records: z.array(ExampleRecordSchema).meta({ description: "One record per example: its label, clean prediction and each attack's outcome." }),
});
const KindResults = z.object({
  number: z.number().int(),
  kind: z.enum(["privacy", "integrity"]).meta({ description: "Evaluations of another kind than robustness answer metrics, reliability, provenance and config (docs/privacy.md, docs/integrity.md)." }),
  metrics: Open,
  reliability: Open,
  provenance: Open,
  config: Open,
});
export const EvaluationResultsResponse = z.discriminatedUnion("kind", [RobustnessResults, KindResults]);

export const SuspectsResponse = z.object({
  total: z.number().int(),
  data: z.array(SuspectRowSchema),
  nextCursor: NextCursor,
});

// ---- Schedules -----------------------------------------------------------------------------------

export const ScheduleResponse = z.object({
  id: z.string(), name: z.string(), model: z.string().nullable(), modelId: z.string(), modelVersionId: z.string().nullable().meta({ description: "null: the model's latest active version at each run." }),
  datasetVersionId: z.string(), preset: z.string(), samples: z.number().int(), seed: z.number().int(),
  cron: z.string().meta({ description: "5-field cron expression (minute hour day-of-month month day-of-week), e.g. 0 3 * * 1." }),
  timezone: z.string().meta({ description: "IANA time zone the cron expression is read in." }),
  paused: z.boolean(), nextRunAt: DateTime.nullable(), lastRunAt: DateTime.nullable(), createdAt: DateTime.nullable(),
});
export const ScheduleListResponse = page(ScheduleResponse);

// ---- Hardening runs ------------------------------------------------------------------------------

const HardeningCostFields = {
  wallSeconds: z.number().optional().meta({ description: "Wall time over all worker attempts, in seconds." }),
  epochs: z.number().int().optional(),
  examples: z.number().int().optional().meta({ description: "Training examples seen, summed over the epochs." }),
  attackGradients: z.number().int().optional().meta({ description: "Examples × attack steps: the gradient evaluations of the training attack." }),
  weightGradients: z.number().int().optional().meta({ description: "Gradient evaluations of the weight updates." }),
  gradientsPerSecond: z.number().optional(),
  backend: z.string().optional().meta({ description: "The TensorFlow.js backend the worker trained on (tensorflow, wasm, cpu)." }),
  cpuModel: z.string().optional(),
  cores: z.number().int().optional(),
  workerId: z.string().optional().meta({ description: "The worker that finished the run." }),
  attempts: z.number().int().optional().meta({ description: "Worker attempts that trained part of the run (more than one after a lost worker)." }),
};
export const HardeningRunResponse = z.object({
  id: z.string(),
  status: z.enum(["queued", "running", "completed", "failed", "cancelled"]),
  model: z.object({ id: z.string(), name: z.string() }),
  parentVersion: z.object({ id: z.string(), version: z.number().int() }).meta({ description: "Lineage: the version hardened." }),
  datasetVersion: z.object({ id: z.string(), name: z.string(), version: z.number().int() }).meta({ description: "Lineage: the training dataset version." }),
  hardenedVersion: z.object({ id: z.string(), version: z.number().int() }).nullable().meta({ description: "Lineage: the version the run registered; null until it completes." }),
  evaluations: z.array(z.object({ number: z.number().int(), status: EvaluationStatus })).meta({ description: "The hardened version's evaluations, oldest first: first the re-evaluations the run queued with the parent's suites (GET /evaluations/{number})." }),
  trainCount: z.number().int().meta({ description: "Examples of the dataset version used (the first trainCount), held-out validation included." }),
  params: HardeningParamsSchema,
  progress: z.object({
    epoch: z.number().int().meta({ description: "Epochs finished (k of n)." }),
    epochs: z.number().int().meta({ description: "Epochs asked for (n); early stopping may end the run sooner." }),
    examplesDone: z.number().int().meta({ description: "Examples trained in the current epoch." }),
    examplesPerEpoch: z.number().int(),
  }),
  estimate: z.object({
    attackGradients: z.number().meta({ description: "Training examples × attack steps × epochs." }),
    weightGradients: z.number().meta({ description: "One per training example per epoch (two for TRADES)." }),
    validationGradients: z.number().meta({ description: "Of the held-out examples' robust accuracy after each epoch." }),
    estimatedSeconds: z.number().meta({ description: "The gradient evaluations at `rate`, on one worker." }),
    rate: z.number().meta({ description: "Gradient evaluations per second assumed." }),
    rateSource: z.enum(["measured", "default"]).meta({ description: "measured: the median of the team's finished runs; default: the demo CNN's rate on the native backend." }),
    summary: z.string(),
  }).meta({ description: "The cost stated before launch." }),
  cost: z.object(HardeningCostFields).nullable().meta({ description: "The measured cost: partial while running (wall time so far), complete once the run has completed; null before the first epoch." }),
  error: z.string().nullable(),
  cancelRequested: z.boolean(),
  createdAt: DateTime, startedAt: DateTime.nullable(), finishedAt: DateTime.nullable(),
});
export const HardeningRunListResponse = page(HardeningRunResponse);

// ---- Compliance ----------------------------------------------------------------------------------

export const ControlsResponse = z.object({
  model: z.string().meta({ description: "name@version assessed (the current version)." }),
  framework: FrameworkIdSchema.nullable(),
  controls: z.array(z.object({
    control: z.string(), framework: z.string(), id: z.string(),
    status: z.string().meta({ description: "satisfied, partial, failing, not-assessed or stale." }),
    reason: z.string(), next: z.string().nullable(), attestation: z.string(),
    evidence: z.array(z.object({ type: z.string(), label: z.string(), digest: z.string().optional() })),
    policyVersion: z.number().int().nullable(), catalogVersion: z.string(), computedAt: DateTime.nullable(),
  })),
});

const GateCheck = z.object({
  id: z.string().meta({ description: "Stable id: suite, reliability, threshold:<norm>:<eps>, clean-accuracy, freshness, regression." }),
  label: z.string(),
  outcome: z.enum(["pass", "fail"]),
  detail: z.string(),
});
export const GateResponse = z.object({
  model: z.string().meta({ description: "name@version" }),
  digest: Digest,
  tier: z.string(),
  policyVersion: z.number().int().nullable(),
  evidenceHash: Digest.meta({ description: "SHA-256 of the evidence the verdict stood on (the same hash a deployment records)." }),
  pass: z.boolean(),
  evaluationNumber: z.number().int().nullable(),
  checks: z.array(GateCheck),
});

// ---- Alerts --------------------------------------------------------------------------------------

const Acknowledgement = z.object({ at: DateTime.nullable(), by: z.string().nullable(), note: z.string().nullable() }).nullable();
export const AlertResponse = z.object({ id: z.string(), model: z.string().nullable(), evaluation: z.number().int(), summary: z.string(), details: Open, createdAt: DateTime.nullable(), acknowledged: Acknowledgement });
export const AlertListResponse = page(AlertResponse);

// ---- Reports -------------------------------------------------------------------------------------

export const ReportResponse = z.object({
  id: z.string(), number: z.number().int(), label: z.string().meta({ description: "e.g. R-3" }), title: z.string(),
  status: z.enum(["queued", "generating", "draft", "approved", "failed", "changes_requested"]),
  scope: z.object({ models: z.union([z.literal("all"), z.array(z.string())]), frameworks: z.array(FrameworkIdSchema), period: z.object({ from: z.string().nullable(), to: z.string().nullable() }) }),
  createdBy: z.string(), createdById: z.string().nullable(), createdAt: DateTime, generatedAt: DateTime.nullable(), failureReason: z.string().nullable(),
  snapshotSha256: Digest.nullable(), draftPdfSha256: Digest.nullable(), approvedPdfSha256: Digest.nullable(), approvedBy: z.string().nullable(), approvedAt: DateTime.nullable(),
  approvalComment: z.string().nullable(),
  reviewer: z.object({ id: z.string(), label: z.string(), requestedAt: DateTime.nullable() }).nullable().meta({ description: "The member the author asked to review it (null: any reviewer)." }),
  changesRequested: z.object({ by: z.string(), byId: z.string().nullable(), at: DateTime, reason: z.string() }).nullable().meta({ description: "A reviewer sent it back: who, when, why." }),
  revisionOfId: z.string().nullable().meta({ description: "The report this one revises." }),
});
export const ReportListResponse = page(ReportResponse);
const ChainVerdict = z.object({
  intact: z.boolean(), count: z.number().int(), head: z.string().optional(),
  brokenAt: z.object({ seq: z.number().int(), id: z.string().optional(), reason: z.string() }).optional(),
});
export const VerifyReportResponse = z.object({
  sha256: Digest, match: z.boolean(), message: z.string(),
  report: z.intersection(ReportResponse, z.object({ edition: z.enum(["draft", "approved"]), recordedInAuditLog: z.boolean() })).nullable(),
  chain: ChainVerdict,
});
export const AuditVerifyResponse = ChainVerdict.extend({ head: z.union([z.string(), z.object({ seq: z.number().int(), hash: z.string(), at: DateTime.nullable() })]).nullable() });

// ---- Deployments and monitoring --------------------------------------------------------------------

const Environment = z.object({ id: z.string(), name: z.string(), description: z.string(), createdAt: DateTime.nullable() });
export const EnvironmentListResponse = z.object({ data: z.array(Environment) });
export const EnvironmentResponse = Environment;
const Decision = z.object({
  id: z.string(), kind: z.string(), environment: z.string(), version: z.number().int(), gatePassed: z.boolean(), override: z.string().nullable(),
  evidenceHash: z.string(), policyVersion: z.number().int().nullable(), note: z.string(), by: z.string(), at: DateTime.nullable(),
});
export const DeploymentsResponse = z.object({
  model: z.string(),
  environments: z.array(z.object({ environment: z.string(), version: z.number().int(), digest: z.string(), since: DateTime.nullable(), kind: z.string(), gatePassed: z.boolean(), deploymentId: z.string() })),
  history: z.array(Decision),
});
export const PromoteResponse = Decision.extend({ model: z.string(), gate: z.object({ pass: z.boolean(), checks: z.array(GateCheck) }) });
export const RollbackResponse = Decision.extend({ model: z.string(), fromVersion: z.number().int(), toVersion: z.number().int() });
export const OverrideResponse = z.object({ id: z.string(), model: z.string(), environment: z.string(), reason: z.string(), expiresAt: DateTime.nullable(), evidenceHash: z.string(), by: z.string(), createdAt: DateTime.nullable() });
export const MonitoringReferenceResponse = z.object({
  model: z.string(), version: z.number().int(), environment: z.string(), dataset: z.string(), evaluation: z.number().int(),
  features: z.object({ kind: z.enum(["tabular", "image-statistics"]), items: z.array(z.object({ name: z.string(), edges: z.array(z.number()), mean: z.number(), variance: z.number() })) }),
  inputRange: z.object({ min: z.number(), max: z.number() }),
  classLabels: z.array(z.string()),
  confidenceEdges: z.array(z.number()),
  limits: z.object({ maxBatchCount: z.number().int() }),
});
export const MonitoringBatchResponse = z.object({
  batchId: z.string(),
  scores: z.object({
    inputs: z.array(z.object({ name: z.string(), psi: z.number(), ks: z.number(), pValue: z.number(), mean: z.number(), variance: z.number() })),
    predictionPsi: z.number().nullable(),
    confidence: z.object({ mean: z.number(), dropPp: z.number() }).nullable(),
    attack: Open,
    signals: z.record(z.string(), z.string().nullable()),
  }),
  alerts: z.object({ opened: z.array(z.string()), updated: z.array(z.string()), resolved: z.array(z.string()) }),
});
const MonitoringAlert = z.object({
  id: z.string(), signal: z.string(), severity: z.string(), summary: z.string(), environment: z.string(), model: z.string(), version: z.number().int(),
  openedAt: DateTime.nullable(), lastSeenAt: DateTime.nullable(), batches: z.number().int(), acknowledged: Acknowledgement, resolvedAt: DateTime.nullable(),
});
export const MonitoringAlertListResponse = z.object({ data: z.array(MonitoringAlert) });
export const MonitoringAlertResponse = MonitoringAlert;

// ---- Outbound hosts ------------------------------------------------------------------------------

const OutboundHost = z.object({ id: z.string(), host: z.string(), allowPrivate: z.boolean(), ports: z.array(z.number().int()), createdAt: DateTime });
export const OutboundHostListResponse = z.object({ hosts: z.array(OutboundHost) });
export const OutboundHostResponse = OutboundHost;

// ---- A team's own catalogs ------------------------------------------------------------------------

export const TeamCatalogResponse = z.object({
  framework: z.string().meta({ description: "The framework id (custom-…) its controls carry in statuses, reports and OSCAL exports." }),
  version: z.number().int().meta({ description: "Upload number of this framework: 1, 2, …; the newest is the one assessed." }),
  current: z.boolean(), title: z.string(), shortName: z.string(), catalogVersion: z.string().meta({ description: "The catalog's own metadata version." }),
  controls: z.number().int(), sha256: Digest, uploadedBy: z.string(), uploadedAt: DateTime,
  restoredFrom: z.number().int().nullable().meta({ description: "A rollback's version: the earlier version whose content it assesses again; null for an upload." }),
});
export const TeamCatalogListResponse = z.object({ catalogs: z.array(TeamCatalogResponse) });

const MappingEntry = z.object({
  control: z.string().meta({ description: "The control's id in the catalog (its label)." }),
  evidence: z.string().meta({ description: "A Bulwark evidence kind, E1…E15." }),
  relation: z.enum(["direct", "supporting"]),
  scope: z.string().nullable(), reason: z.string().nullable(),
});
export const CatalogMappingResponse = z.object({
  format: z.literal("bulwark-catalog-mapping/1"), framework: z.string(), catalogVersion: z.number().int(), title: z.string(), entries: z.array(MappingEntry),
});
export const CatalogMappingUploadResponse = z.object({
  framework: z.string(), catalogVersion: z.number().int().meta({ description: "The catalog version the mapping was checked against (the current one)." }),
  entries: z.number().int(), added: z.number().int(), changed: z.number().int(), removed: z.number().int(),
});
export const CatalogDeleteResponse = z.object({
  framework: z.string(), versions: z.number().int().meta({ description: "Versions deleted." }), mappings: z.number().int().meta({ description: "Evidence mapping rows deleted with it." }),
});
