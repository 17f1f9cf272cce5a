import { z } from "zod";
import type { Action } from "../auth/permissions";
import { CreateEvaluationSchema, CreateIntegrityEvaluationSchema, CreatePrivacyEvaluationSchema, CreateRobustnessEvaluationSchema } from "../evaluations/schemas";
import { EVALUATION_KINDS } from "../evaluations/kinds";
import { ScheduleInputSchema } from "../evaluations/schedules";
import { AcknowledgeAlertSchema } from "../evaluations/webhook";
import { PageQuerySchema } from "./pagination";
import { VersionNumberSchema, VersionRefSchema } from "./refs";
import { ApproveReportSchema, CreateReportSchema, ListReportsSchema, RequestChangesSchema, ReviseReportSchema, Sha256Schema } from "../reports/schemas";
import { CreateEnvironmentSchema } from "../operations/schemas";
import { ApiOverrideSchema, ApiPromoteSchema, ApiRollbackSchema, DeploymentQuerySchema, MonitoringAlertQuerySchema } from "../operations/api";
import { AcknowledgeMonitoringAlertSchema, BatchSchema, ReferenceQuerySchema } from "../operations/monitoring";
import { ApiAddOutboundHostSchema, ApiRegisterEndpointSchema, ApiTestConnectionSchema } from "./endpoints";
import { ENSEMBLE_COMBINES } from "../registry/model-card";
import { nameString } from "../security/control-chars";
import * as R from "./responses";
import { AlertListQuerySchema, ControlsQuerySchema, EvaluationListQuerySchema, GateQuerySchema, ListQuerySchema } from "./views";

// Every REST API v1 operation, described once: the route handlers parse with these schemas and the
// OpenAPI document (lib/api/openapi.ts) is generated from them, so the two cannot drift apart.
// A test checks that every route file under app/api/v1 matches an entry here and the other way round.

export type BodyKind = "json" | "multipart" | "pdf-or-json";

/** Error statuses an operation answers beyond the ones every operation can (401, 429, 503), with why. */
export type ErrorStatus = 400 | 403 | 404 | 409 | 413;

export interface Operation<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  id: string;
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** OpenAPI path template under /api/v1, e.g. /models/{name}. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  action: Action;
  params?: P;
  query?: Q;
  body?: B;
  bodyKind?: BodyKind;
  /** Multipart fields, documented (the body is streamed, not parsed by a schema). */
  multipartFields?: Record<string, string>;
  status: 200 | 201 | 202 | 204;
  /** The JSON body of the success answer (lib/api/responses.ts); absent for 204 and binary answers. */
  response?: R;
  /**
   * Why this operation answers each error status it can. 400 (invalid input) and 404 (a record named in
   * the address) are added from the schemas; list here the 404s for names in the query or body, 409s, …
   */
  errors?: Partial<Record<ErrorStatus, string>>;
  returns: string;
  /** Binary answer (PDF) instead of JSON. */
  produces?: string;
}

const op = <P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(o: Operation<P, Q, B, R>) => o;

/** A model or dataset name in the address: the registry's limit of 80 characters, one line. */
const Name = nameString(80);
const NameParams = z.object({ name: Name });
const VersionParams = z.object({ name: Name, version: VersionNumberSchema });
const SuspectsQuerySchema = PageQuerySchema.extend({ format: z.enum(["json", "csv"], { error: "format is json or csv" }).default("json") });
const NumberParams = z.object({ number: z.string().regex(/^\d{1,9}$/).transform(Number) });
const IdParams = z.object({ id: z.string().trim().min(1).max(40) });

/** Evaluations from CI name the model and dataset as name@version; the web form's ids work too. */
const ApiCreateRobustnessEvaluationSchema = CreateRobustnessEvaluationSchema.extend({
  modelVersionId: z.string().trim().min(1).optional(),
  datasetVersionId: z.string().trim().min(1).optional(),
  model: VersionRefSchema.optional(),
  dataset: VersionRefSchema.optional(),
  sampleCount: CreateEvaluationSchema.shape.sampleCount.default("all"),
}).superRefine((v, ctx) => {
  if (!v.model && !v.modelVersionId) ctx.addIssue({ code: "custom", path: ["model"], message: "Name the model version as model: \"name@version\"" });
  if (!v.dataset && !v.datasetVersionId) ctx.addIssue({ code: "custom", path: ["dataset"], message: "Name the dataset version as dataset: \"name@version\"" });
});

/** A privacy (membership-inference) evaluation from CI: model, memberDataset (default: the card's training data) and nonMemberDataset as name@version. */
const ApiCreatePrivacyEvaluationSchema = CreatePrivacyEvaluationSchema.extend({
  modelVersionId: z.string().trim().min(1).optional(),
  nonMemberDatasetVersionId: z.string().trim().min(1).optional(),
  model: VersionRefSchema.optional(),
  memberDataset: VersionRefSchema.optional(),
  nonMemberDataset: VersionRefSchema.optional(),
}).superRefine((v, ctx) => {
  if (!v.model && !v.modelVersionId) ctx.addIssue({ code: "custom", path: ["model"], message: "Name the model version as model: \"name@version\"" });
  if (!v.nonMemberDataset && !v.nonMemberDatasetVersionId) ctx.addIssue({ code: "custom", path: ["nonMemberDataset"], message: "Name the held-out (non-member) dataset version as nonMemberDataset: \"name@version\"" });
});

/** A training-data integrity scan from CI: model as name@version; trainingDataset (default: the card's training data) and heldOutDataset as name@version. */
const ApiCreateIntegrityEvaluationSchema = CreateIntegrityEvaluationSchema.extend({
  modelVersionId: z.string().trim().min(1).optional(),
  model: VersionRefSchema.optional(),
  trainingDataset: VersionRefSchema.optional(),
  heldOutDataset: VersionRefSchema.optional(),
}).superRefine((v, ctx) => {
  if (!v.model && !v.modelVersionId) ctx.addIssue({ code: "custom", path: ["model"], message: "Name the model version as model: \"name@version\"" });
});

/** Any evaluation kind (lib/evaluations/kinds.ts), chosen by `kind`; without it, a robustness evaluation as before. */
export const ApiCreateEvaluationSchema = z.discriminatedUnion("kind", [ApiCreateRobustnessEvaluationSchema, ApiCreatePrivacyEvaluationSchema, ApiCreateIntegrityEvaluationSchema], {
  error: `The kind is one of ${EVALUATION_KINDS.join(", ")}`,
});

/** Reports from CI name models by name; ids work too. */
export const ApiCreateReportSchema = CreateReportSchema.safeExtend({
  models: z.array(z.string().trim().min(1).max(80)).max(100, { error: "At most 100 models per report" }).optional(),
});
export const ApiApproveReportSchema = ApproveReportSchema.pick({ snapshotSha256: true, comment: true });
export const ApiRequestChangesSchema = RequestChangesSchema.pick({ reason: true, snapshotSha256: true });
/** The reviewer by e-mail (a member of the team who may approve the report). */
export const ApiRequestReviewSchema = z.object({ reviewer: z.string({ error: "The reviewer's e-mail address" }).trim().toLowerCase().max(320).pipe(z.email({ error: "The reviewer's e-mail address" })) });
export const ApiReviseReportSchema = ReviseReportSchema.pick({ title: true });
export const VerifyBodySchema = z.object({ sha256: Sha256Schema });

/** An ensemble version from CI: members as name@version (same team), the rule, optional card fields. */
export const ApiCreateEnsembleSchema = z.object({
  members: z.array(VersionRefSchema).min(2, { error: "List at least two member versions" }).max(8, { error: "At most 8 members" }),
  combine: z.enum(ENSEMBLE_COMBINES, { error: "combine is mean-probability or majority-vote" }),
  card: z.record(z.string(), z.unknown()).optional().describe("Descriptive card fields (intendedUse, outOfScopeUse, riskTier, owner, knownLimitations); missing ones come from the first member, the risk tier from the highest."),
  description: z.string().trim().max(2000).optional().describe("Description of the model, used when the name is new."),
  expectedVersion: z.number().int().positive().optional().describe("The version number this ensemble must become; otherwise 409."),
});

export const SchedulePatchSchema = z.object({ paused: z.boolean({ error: "paused is true or false" }) });
export const AcknowledgeBodySchema = AcknowledgeAlertSchema.pick({ note: true });

const UPLOAD_MODEL_FIELDS = {
  files: "One .zip, or model.json plus its weight files (repeat the field per file), or an ONNX model: one .onnx file (plus its external-data files, or all of them in one .zip).",
  card: "The model card as JSON (task, inputShape, inputRange, classLabels, intendedUse, outOfScopeUse, riskTier, owner, trainingMethod, …; for ONNX models also inputLayout NHWC|NCHW, normalization {mean, std} per channel, dimensions {name: size} fixing named dynamic input dimensions; inputShape stays channels-last, e.g. 28,28,1), or the card's fields as separate form fields.",
  description: "Optional description of the model (used when the model is created).",
  expectedVersion: "Optional: the version number this upload must become. Any other number, also one of an existing version (even with identical files), answers 409 naming the next version.",
  confirmInputScale: "Optional, true to register although the model's first layer (a Rescaling) is built for another input range than the card's (e.g. 1/255 with a 0..1 card); without it such an upload is refused with 400 naming the layer, its scale and the card's range. The confirmation is kept as a warning on the version and in the audit log.",
};
const UPLOAD_DATASET_FIELDS = {
  files: "The data files: IDX pair, one CSV, or a .zip of class folders.",
  format: "idx, csv or image-zip.",
  licence: "SPDX licence id or a licence name; personalData (yes/no/unknown), split, source and the other card fields as form fields.",
  expectedVersion: "Optional, as for models.",
};

export const OPS = {
  getMe: op({ id: "getMe", method: "GET", path: "/me", tag: "Tokens", summary: "The token's team, role and expiry", description: "Who the token acts for: its team, its role and when it expires. A cheap call to check a token before a pipeline starts.", action: "team.read", status: 200, response: R.MeResponse, returns: "The team and role this token acts for, and when the token expires." }),

  listModels: op({ id: "listModels", method: "GET", path: "/models", tag: "Models", summary: "List models", description: "The team's models that are not archived, by name, each with its latest stored version. `q` filters by a part of the name.", action: "team.read", query: ListQuerySchema, status: 200, response: R.ModelListResponse, errors: { 400: "The cursor or limit is invalid." }, returns: "A page of models with their latest version; nextCursor for the next page." }),
  getModel: op({ id: "getModel", method: "GET", path: "/models/{name}", tag: "Models", summary: "Get a model and its versions", description: "The model (the name is matched case-insensitively) with every stored version, newest first.", action: "team.read", params: NameParams, status: 200, response: R.ModelResponse, returns: "The model and every stored version." }),
  uploadModelVersion: op({ id: "uploadModelVersion", method: "POST", path: "/models/{name}/versions", tag: "Models", summary: "Upload a model version", description: "Creates the model when the name is new. The same checks as the web upload: files, weights, card, and the card's input range against the model's own Rescaling first layer.", action: "model.write", params: NameParams, bodyKind: "multipart", multipartFields: UPLOAD_MODEL_FIELDS, status: 201, response: R.UploadedModelVersionResponse, errors: { 400: "A file, the card or a field is invalid; `errors` names each. Nothing is stored.", 409: "expectedVersion is not the version this upload would become (also when re-uploading identical files as an existing version).", 413: "The upload is larger than the instance's limit per version." }, returns: "The registered version." }),
  createEnsembleVersion: op({ id: "createEnsembleVersion", method: "POST", path: "/models/{name}/ensembles", tag: "Models", summary: "Register an ensemble version", description: "A new version of the model (created when the name is new) that combines stored, active, white-box versions of this team by mean probability or majority vote. Members must share task, input shape, value range, preprocessing and class labels; a mismatch is refused naming it. Every attack of its evaluations runs against the whole ensemble (a vote's gradient attacks use the mean-probability surrogate, stated in the threat model).", action: "model.write", params: NameParams, body: ApiCreateEnsembleSchema, bodyKind: "json", status: 201, response: R.ModelVersionResponse, errors: { 404: "A member version does not exist in the token's team.", 409: "expectedVersion is not the version this ensemble would become." }, returns: "The registered ensemble version with its card (members, rule, summed training cost)." }),
  getModelVersion: op({ id: "getModelVersion", method: "GET", path: "/models/{name}/versions/{version}", tag: "Models", summary: "Get a model version", description: "One stored version (`version` is a number or `latest`) with its card, files, digests and engine information. Endpoint versions show their settings, never the credential.", action: "team.read", params: VersionParams, status: 200, response: R.ModelVersionResponse, returns: "The version with its card, files and digests." }),
  registerEndpointVersion: op({ id: "registerEndpointVersion", method: "POST", path: "/models/{name}/endpoints", tag: "Models", summary: "Register a model served over HTTP as a new version", description: "Creates the model when the name is new. The same checks as the web form: card, request template, response mapping, and the URL's host must be on the team's outbound allowlist. Bulwark only queries it (black-box). The credential (authSecret) is stored encrypted and never returned.", action: "model.write", params: NameParams, body: ApiRegisterEndpointSchema, bodyKind: "json", status: 201, response: R.ModelVersionResponse, errors: { 404: "The whiteBoxReference version does not exist in the token's team." }, returns: "The registered version, with its endpoint settings (never the credential)." }),
  testEndpointConnection: op({ id: "testEndpointConnection", method: "POST", path: "/models/{name}/versions/{version}/test-connection", tag: "Models", summary: "Test an endpoint version on a few examples", description: "Sends a few examples of the dataset to the endpoint through the guarded outbound client and reports what came back. Recorded in the audit log.", action: "model.write", params: VersionParams, body: ApiTestConnectionSchema, bodyKind: "json", status: 200, response: R.ConnectionTestResponse, errors: { 404: "The model version or the dataset version does not exist in the token's team." }, returns: "ok, or the error; answers, agreement with the dataset's labels, requests, retries and time per request." }),

  listDatasets: op({ id: "listDatasets", method: "GET", path: "/datasets", tag: "Datasets", summary: "List datasets", description: "The team's datasets that are not archived, by name, each with its latest stored version.", action: "team.read", query: ListQuerySchema, status: 200, response: R.DatasetListResponse, errors: { 400: "The cursor or limit is invalid." }, returns: "A page of datasets with their latest version." }),
  getDataset: op({ id: "getDataset", method: "GET", path: "/datasets/{name}", tag: "Datasets", summary: "Get a dataset and its versions", description: "The dataset (the name is matched case-insensitively) with every stored version, newest first.", action: "team.read", params: NameParams, status: 200, response: R.DatasetResponse, returns: "The dataset and every stored version." }),
  uploadDatasetVersion: op({ id: "uploadDatasetVersion", method: "POST", path: "/datasets/{name}/versions", tag: "Datasets", summary: "Upload a dataset version", description: "Creates the dataset when the name is new. The same checks as the web upload: format, samples, labels, licence and personal-data fields. Nothing is stored when a check fails.", action: "dataset.write", params: NameParams, bodyKind: "multipart", multipartFields: UPLOAD_DATASET_FIELDS, status: 201, response: R.UploadedDatasetVersionResponse, errors: { 400: "A file or a card field is invalid; `errors` names each. Nothing is stored.", 409: "expectedVersion is not the version this upload would become.", 413: "The upload is larger than the instance's limit per version." }, returns: "The registered version." }),
  getDatasetVersion: op({ id: "getDatasetVersion", method: "GET", path: "/datasets/{name}/versions/{version}", tag: "Datasets", summary: "Get a dataset version", description: "One stored version (`version` is a number or `latest`) with its card, digests and the warnings of its upload.", action: "team.read", params: VersionParams, status: 200, response: R.DatasetVersionResponse, returns: "The version with its card and digests." }),

  listEvaluations: op({ id: "listEvaluations", method: "GET", path: "/evaluations", tag: "Evaluations", summary: "List evaluations", description: "The team's evaluations, newest first, filtered by status, kind or model version (`model` as name@version).", action: "team.read", query: EvaluationListQuerySchema, status: 200, response: R.EvaluationListResponse, errors: { 400: "The cursor, limit, status, kind or model is invalid.", 404: "The model version named in `model` does not exist in the token's team." }, returns: "A page of evaluations, newest first. `verdict` is the result of the evaluation's own checks — reliable (shown as \"Evaluation checks passed\"), questionable (\"Evaluation checks: warnings\") or unreliable (\"Evaluation checks failed\"), with `verdictLabel` holding those words: whether the evaluation's numbers can be trusted (attack strength, gradient masking, clean accuracy above chance and in line with the card), not whether the model is robust." }),
  createEvaluation: op({ id: "createEvaluation", method: "POST", path: "/evaluations", tag: "Evaluations", summary: "Run an evaluation", description: "Queues the evaluation on the workers. The same fields and checks as the web form. `kind` chooses what is evaluated: robustness (default; attack suite on a dataset) or privacy (membership inference: model, memberDataset, nonMemberDataset); integrity is named but not available yet.", action: "evaluation.run", body: ApiCreateEvaluationSchema, bodyKind: "json", status: 201, response: R.CreatedEvaluationResponse, errors: { 400: "A field is invalid, or the model and dataset do not fit each other; `errors` names each.", 404: "The model or dataset version named does not exist in the token's team." }, returns: "The queued evaluation (poll it for progress)." }),
  getEvaluation: op({ id: "getEvaluation", method: "GET", path: "/evaluations/{number}", tag: "Evaluations", summary: "Get an evaluation: status, progress, headline results", description: "Poll this until `status` is completed, failed or cancelled. `progress.fraction` runs from 0 to 1.", action: "team.read", params: NumberParams, status: 200, response: R.EvaluationResponse, returns: "Status, progress (fraction, shards, ETA) and, once completed, the headline results. `results.reliability.verdict` (reliable | questionable | unreliable) with `label` (\"Evaluation checks passed\" / \": warnings\" / \"failed\") says whether the evaluation's own numbers can be trusted, not whether the model is robust. `results.cleanAccuracyWarning` is set when the clean accuracy cannot be told apart from chance or is far below the card's stated accuracy (likely preprocessing mismatch; the figures are then not a robustness result and the evaluation never counts as evidence), else null. results.replay: every adversarial example counted as a break was replayed through the model on the reference (white-box: the tfjs cpu backend; black-box: the endpoint) — replayed, notReplayed, notReproduced (expected empty; each entry names the example, attack, budget and the reference's class and margin, is not counted as a break, and makes the evaluation's checks fail: verdict unreliable) and survivors (indices of the examples no attack broke); null for evaluations completed before the replay existed." }),
  getEvaluationResults: op({ id: "getEvaluationResults", method: "GET", path: "/evaluations/{number}/results", tag: "Evaluations", summary: "Full results of a completed evaluation", description: "Only for a completed evaluation: any other status answers 400 naming it. Robustness evaluations answer one record per example; privacy and integrity evaluations their metrics and configuration.", action: "team.read", params: NumberParams, status: 200, response: R.EvaluationResultsResponse, errors: { 400: "The evaluation has not completed (queued, running, aggregating, failed or cancelled): results exist once it has." }, returns: "Metrics, the evaluation's checks (`reliability`: verdict, reasons, each check; see getEvaluation), `cleanAccuracyWarning` (likely preprocessing mismatch, or null), provenance, suite, comparison and one record per example. metrics.replay and the check breaks-replayed say how many breaks were replayed on the reference and which did not reproduce; an attack entry of a record carries replay (reproduced | not-reproduced)." }),
  listEvaluationSuspects: op({ id: "listEvaluationSuspects", method: "GET", path: "/evaluations/{number}/suspects", tag: "Evaluations", summary: "Suspected planted examples of an integrity scan", description: "Every training example in the small activation cluster of a flagged class, most outlying first (spectral-signature score), a page at a time; format=csv returns all of them as CSV (cells that a spreadsheet would run as formulas are prefixed with an apostrophe).", action: "team.read", params: NumberParams, query: SuspectsQuerySchema, status: 200, response: R.SuspectsResponse, errors: { 400: "The evaluation is not an integrity scan, it has not completed, or the cursor is invalid." }, returns: "total, a page of {rank, datasetIndex, label, spectralScore, spectralRank, inSpectralTop} and nextCursor; or text/csv with format=csv." }),
  cancelEvaluation: op({ id: "cancelEvaluation", method: "POST", path: "/evaluations/{number}/cancel", tag: "Evaluations", summary: "Cancel a queued or running evaluation", description: "Stops a queued or running evaluation; shards already running finish, no new one starts. An evaluation that has ended answers 409.", action: "evaluation.cancel", params: NumberParams, status: 200, response: R.EvaluationResponse, errors: { 409: "The evaluation has already ended (completed, failed or cancelled)." }, returns: "The evaluation, now cancelled." }),

  listSchedules: op({ id: "listSchedules", method: "GET", path: "/schedules", tag: "Schedules", summary: "List schedules", description: "The team's schedules, newest first, each with its next run (null when paused).", action: "team.read", query: PageQuerySchema, status: 200, response: R.ScheduleListResponse, errors: { 400: "The cursor or limit is invalid." }, returns: "A page of schedules with their next run." }),
  createSchedule: op({ id: "createSchedule", method: "POST", path: "/schedules", tag: "Schedules", summary: "Create a schedule", description: "Runs an evaluation of a model on a dataset version at each time the cron expression names (`daily`, `weekly` or 5 fields: minute hour day-of-month month day-of-week, read in `timezone`).", action: "schedule.manage", body: ScheduleInputSchema, bodyKind: "json", status: 201, response: R.ScheduleResponse, errors: { 404: "The model or dataset version does not exist in the token's team." }, returns: "The schedule." }),
  getSchedule: op({ id: "getSchedule", method: "GET", path: "/schedules/{id}", tag: "Schedules", summary: "Get a schedule", description: "The schedule with its next and last run.", action: "team.read", params: IdParams, status: 200, response: R.ScheduleResponse, returns: "The schedule." }),
  updateSchedule: op({ id: "updateSchedule", method: "PATCH", path: "/schedules/{id}", tag: "Schedules", summary: "Pause or resume a schedule", description: "`paused: true` stops new runs until resumed; running evaluations are not touched.", action: "schedule.manage", params: IdParams, body: SchedulePatchSchema, bodyKind: "json", status: 200, response: R.ScheduleResponse, returns: "The schedule." }),
  deleteSchedule: op({ id: "deleteSchedule", method: "DELETE", path: "/schedules/{id}", tag: "Schedules", summary: "Delete a schedule", description: "Removes the schedule; evaluations it started are kept.", action: "schedule.manage", params: IdParams, status: 204, returns: "Nothing." }),

  getControls: op({ id: "getControls", method: "GET", path: "/controls", tag: "Compliance", summary: "Control status of a model per framework", description: "For the current (latest active) version of the model: each mapped control's status under the team's policy, why, what to do next and the evidence. An older version answers 400 (use the gate for it).", action: "team.read", query: ControlsQuerySchema, status: 200, response: R.ControlsResponse, errors: { 400: "The model is not name@version, the version is not the model's current one, or the framework is unknown.", 404: "The model or version does not exist in the token's team." }, returns: "Each control's status, reason, next step and evidence." }),
  getGate: op({ id: "getGate", method: "GET", path: "/gate", tag: "Compliance", summary: "Release gate for a model version", description: "Whether the version meets the team's policy for its risk tier and has no open regression alert. What `bulwark gate` asks.", action: "team.read", query: GateQuerySchema, status: 200, response: R.GateResponse, errors: { 400: "The model is not name@version.", 404: "The model or version does not exist in the token's team." }, returns: "pass, and one check per policy rule with the measured figure." }),

  listAlerts: op({ id: "listAlerts", method: "GET", path: "/alerts", tag: "Alerts", summary: "List regression alerts", description: "Regression alerts raised when an evaluation of a model is worse than the previous one, newest first; `state` chooses open (default), acknowledged or all.", action: "team.read", query: AlertListQuerySchema, status: 200, response: R.AlertListResponse, errors: { 400: "The cursor, limit or state is invalid." }, returns: "A page of alerts, newest first." }),
  acknowledgeAlert: op({ id: "acknowledgeAlert", method: "POST", path: "/alerts/{id}/acknowledge", tag: "Alerts", summary: "Acknowledge a regression alert", description: "A reviewer's recorded decision about the regression, with a note. An acknowledged alert no longer fails the gate.", action: "alert.acknowledge", params: IdParams, body: AcknowledgeBodySchema, bodyKind: "json", status: 200, response: R.AlertResponse, returns: "The alert." }),

  listReports: op({ id: "listReports", method: "GET", path: "/reports", tag: "Reports", summary: "List audit reports", description: "The team's audit reports, newest first.", action: "team.read", query: ListReportsSchema, status: 200, response: R.ReportListResponse, errors: { 400: "The cursor or limit is invalid." }, returns: "A page of reports, newest first: scope, status, creator, approver, hashes." }),
  createReport: op({ id: "createReport", method: "POST", path: "/reports", tag: "Reports", summary: "Generate an audit report", description: "Freezes a snapshot of the posture for the scope and renders the draft PDF on a worker. Poll the report until its status is draft (or failed).", action: "report.create", body: ApiCreateReportSchema, bodyKind: "json", status: 201, response: R.ReportResponse, errors: { 400: "A framework or the period is invalid.", 404: "A model named in `models` does not exist in the token's team." }, returns: "The queued report." }),
  getReport: op({ id: "getReport", method: "GET", path: "/reports/{id}", tag: "Reports", summary: "Get a report", description: "Poll this after creating a report until `status` is draft (or failed).", action: "team.read", params: IdParams, status: 200, response: R.ReportResponse, returns: "Status, scope, creator, approver, snapshot and PDF hashes." }),
  approveReport: op({ id: "approveReport", method: "POST", path: "/reports/{id}/approve", tag: "Reports", summary: "Approve a draft report", description: "Binds the snapshot hash and the PDF hashes; renders the approved edition. Refused to the report's creator when the team requires segregation of duties.", action: "report.approve", params: IdParams, body: ApiApproveReportSchema, bodyKind: "json", status: 200, response: R.ReportResponse, errors: { 403: "The role does not approve reports, or the approver created the report and the team requires segregation of duties.", 409: "The report is already approved, has no draft yet, or the snapshot hash is not this report's." }, returns: "The approved report." }),
  requestReportReview: op({ id: "requestReportReview", method: "POST", path: "/reports/{id}/request-review", tag: "Reports", summary: "Ask a named reviewer to review a report", description: "The reviewer (by e-mail) must be a member who may approve the report: a compliance reviewer or admin, not its author when the team requires segregation of duties. They get an in-app notice; the team webhook gets report.review_requested.", action: "report.create", params: IdParams, body: ApiRequestReviewSchema, bodyKind: "json", status: 200, response: R.ReportResponse, returns: "The report with its reviewer." }),
  requestReportChanges: op({ id: "requestReportChanges", method: "POST", path: "/reports/{id}/request-changes", tag: "Reports", summary: "Send a draft report back with a reason", description: "The report becomes changes_requested; the reason is recorded in the audit log, shown to the author (in-app notice) and sent as report.changes_requested to the team webhook. Refused to the report's creator under segregation of duties.", action: "report.approve", params: IdParams, body: ApiRequestChangesSchema, bodyKind: "json", status: 200, response: R.ReportResponse, returns: "The report, status changes_requested, with who, when and why." }),
  reviseReport: op({ id: "reviseReport", method: "POST", path: "/reports/{id}/revise", tag: "Reports", summary: "Revise a report changes were requested of", description: "Generates a new report with the same scope from the evidence as it is now, linked to the one it revises and asked of the reviewer who sent it back.", action: "report.create", params: IdParams, body: ApiReviseReportSchema, bodyKind: "json", status: 201, response: R.ReportResponse, returns: "The new (queued) report." }),
  downloadReport: op({ id: "downloadReport", method: "GET", path: "/reports/{id}/pdf", tag: "Reports", summary: "Download the report PDF", description: "The approved edition when there is one, else the draft. X-Content-SHA256 carries the recorded hash.", action: "team.read", params: IdParams, status: 200, errors: { 404: "The report, or its PDF (still being generated, or failed), does not exist." }, returns: "The PDF.", produces: "application/pdf" }),
  verifyReport: op({ id: "verifyReport", method: "POST", path: "/reports/verify", tag: "Reports", summary: "Verify a report PDF or its SHA-256", description: "Send the PDF bytes (Content-Type: application/pdf) or JSON {\"sha256\": …}.", action: "report.verify", body: VerifyBodySchema, bodyKind: "pdf-or-json", status: 200, response: R.VerifyReportResponse, errors: { 400: "Neither a PDF nor {\"sha256\": …} was sent, or the hash is not 64 hexadecimal characters.", 413: "The file is larger than 100 MB." }, returns: "match, the report, its status, approver, and whether the audit chain is intact." }),

  listEnvironments: op({ id: "listEnvironments", method: "GET", path: "/environments", tag: "Deployments", summary: "List the team's environments", description: "The team's deployment environments (e.g. staging, production).", action: "team.read", status: 200, response: R.EnvironmentListResponse, returns: "Every environment (e.g. staging, production)." }),
  createEnvironment: op({ id: "createEnvironment", method: "POST", path: "/environments", tag: "Deployments", summary: "Create an environment", description: "A name (lowercase letters, digits, dashes) unique in the team and a description.", action: "environment.manage", body: CreateEnvironmentSchema, bodyKind: "json", status: 201, response: R.EnvironmentResponse, errors: { 409: "An environment of that name exists already." }, returns: "The environment." }),
  getDeployments: op({ id: "getDeployments", method: "GET", path: "/deployments", tag: "Deployments", summary: "What each environment runs for a model, and its deployment history", description: "For the model: the version each environment runs, and every promotion and rollback, newest first.", action: "team.read", query: DeploymentQuerySchema, status: 200, response: R.DeploymentsResponse, errors: { 404: "The model or environment does not exist in the token's team." }, returns: "The current version per environment and every recorded decision, newest first." }),
  promoteDeployment: op({ id: "promoteDeployment", method: "POST", path: "/deployments/promote", tag: "Deployments", summary: "Promote a model version to an environment", description: "Evaluates the release gate (the same as GET /gate). A failing gate answers 409 unless a reviewer's override for this version and environment is active. The decision, the verdict and its evidence hash are recorded and signalled by webhook (deployment.promoted).", action: "deployment.promote", body: ApiPromoteSchema, bodyKind: "json", status: 201, response: R.PromoteResponse, errors: { 400: "A field is invalid, or the version is archived.", 404: "The model, version or environment does not exist in the token's team.", 409: "The gate fails (and no override is active), or the environment already runs this version." }, returns: "The recorded deployment with the gate's checks." }),
  rollbackDeployment: op({ id: "rollbackDeployment", method: "POST", path: "/deployments/rollback", tag: "Deployments", summary: "Roll an environment back to the last version that passed the gate", description: "One action: the newest earlier promotion of another version whose gate passed (overridden promotions do not count). Recorded and signalled by webhook (deployment.rolled_back).", action: "deployment.rollback", body: ApiRollbackSchema, bodyKind: "json", status: 201, response: R.RollbackResponse, errors: { 404: "The model or environment does not exist in the token's team.", 409: "The environment runs no version of the model, or no earlier version passed the gate there." }, returns: "The recorded rollback, with the versions it went from and to." }),
  createGateOverride: op({ id: "createGateOverride", method: "POST", path: "/deployments/overrides", tag: "Deployments", summary: "Override a failing gate for one version and environment", description: "A reviewer's recorded exception, with a reason and an expiry (at most 90 days). It lets a later promotion through; it does not promote.", action: "deployment.override", body: ApiOverrideSchema, bodyKind: "json", status: 201, response: R.OverrideResponse, errors: { 400: "A field is invalid, or the gate passes (no override is needed).", 404: "The model, version or environment does not exist in the token's team." }, returns: "The override with its expiry and the evidence hash of the failing verdict." }),
  getMonitoringReference: op({ id: "getMonitoringReference", method: "GET", path: "/monitoring/reference", tag: "Monitoring", summary: "Reference statistics and bin edges for the deployed version", description: "What a serving system needs to summarise its traffic: the input statistics (names, bin edges from the evaluation dataset), class labels and confidence bins. See docs/monitoring.md.", action: "team.read", query: ReferenceQuerySchema, status: 200, response: R.MonitoringReferenceResponse, errors: { 400: "The environment runs no version of the model, or that version has no completed evaluation to take the reference from.", 404: "The model or environment does not exist in the token's team." }, returns: "The reference of the version the environment runs." }),
  postMonitoringBatch: op({ id: "postMonitoringBatch", method: "POST", path: "/monitoring/batches", tag: "Monitoring", summary: "Send one batch of production statistics", description: "Counts on the reference's bins, predicted-class counts and confidence counts — summaries, not inputs. Scored against the reference at once; an incident opens one alert per signal, updated by later batches, resolved after clean ones. Rate-limited per token like every call.", action: "monitoring.ingest", body: BatchSchema, bodyKind: "json", status: 201, response: R.MonitoringBatchResponse, errors: { 400: "The batch does not fit the reference, or the environment runs no version of the model; `errors` names each field.", 404: "The model or environment does not exist in the token's team." }, returns: "The batch's drift scores and the alerts it opened, updated or resolved." }),
  listMonitoringAlerts: op({ id: "listMonitoringAlerts", method: "GET", path: "/monitoring/alerts", tag: "Monitoring", summary: "List drift alerts", description: "Drift alerts of deployed versions, newest first, filtered by model and environment; `state` open (default) or all.", action: "team.read", query: MonitoringAlertQuerySchema, status: 200, response: R.MonitoringAlertListResponse, errors: { 400: "The state is invalid.", 404: "The model or environment named does not exist in the token's team." }, returns: "Open (or all) monitoring alerts, newest first." }),
  acknowledgeMonitoringAlert: op({ id: "acknowledgeMonitoringAlert", method: "POST", path: "/monitoring/alerts/{id}/acknowledge", tag: "Monitoring", summary: "Acknowledge a drift alert", description: "A recorded note on the drift alert; the alert stays until clean batches resolve it.", action: "alert.acknowledge", params: IdParams, body: AcknowledgeMonitoringAlertSchema.pick({ note: true }), bodyKind: "json", status: 200, response: R.MonitoringAlertResponse, returns: "The alert." }),

  listOutboundHosts: op({ id: "listOutboundHosts", method: "GET", path: "/outbound-hosts", tag: "Outbound hosts", summary: "The team's outbound allowlist", description: "The only hosts and ports model endpoints may be on, and the only private targets webhooks may reach (checked again after DNS resolution on every request).", action: "team.read", status: 200, response: R.OutboundHostListResponse, returns: "Every allowed host, its ports and whether private addresses are allowed for it." }),
  addOutboundHost: op({ id: "addOutboundHost", method: "POST", path: "/outbound-hosts", tag: "Outbound hosts", summary: "Allow a host", description: "Team admins only. A DNS name, a *.name wildcard (DNS names only) or an IP address, and the ports calls may use on it (default [443]); allowPrivate lets one exact host resolve to a private address (an in-house model server) when the instance allows private targets (BULWARK_OUTBOUND_ALLOW_PRIVATE). Link-local and cloud metadata addresses are never allowed. Recorded in the audit log.", action: "team.settings", body: ApiAddOutboundHostSchema, bodyKind: "json", status: 201, response: R.OutboundHostResponse, errors: { 409: "The host is already on the allowlist." }, returns: "The allowlist entry." }),
  removeOutboundHost: op({ id: "removeOutboundHost", method: "DELETE", path: "/outbound-hosts/{id}", tag: "Outbound hosts", summary: "Remove a host from the allowlist", description: "Team admins only. Endpoint versions on it can no longer be queried, from the next request on (also in running evaluations). Recorded in the audit log.", action: "team.settings", params: IdParams, status: 204, returns: "Nothing." }),

  verifyAudit: op({ id: "verifyAudit", method: "GET", path: "/audit/verify", tag: "Audit", summary: "Verify the team's audit chain", description: "Recomputes the team's hash-chained audit log and names the first broken link, if any.", action: "audit.read", status: 200, response: R.AuditVerifyResponse, returns: "intact, the number of events and, if broken, the first broken link." }),
};

export const OPERATIONS: Operation[] = Object.values(OPS);
