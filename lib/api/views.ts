import { ENDPOINT_FORMAT, getEndpointSummary } from "../registry/endpoints";
import { z } from "zod";
import { EvaluationKindSchema } from "../evaluations/kinds";
import { db } from "../db/client";
import { NotFoundError, ValidationError } from "../errors";
import type { TeamContext } from "../teams/access";
import { verifyTeamChain } from "../audit/log";
import { evaluationForApi } from "../evaluations/api-view";
import { verdictLabel } from "../engine/verdict-words";
import { evaluationRecords } from "../evaluations/results";
import { loadPreviewer, nextRuns } from "../evaluations/schedules";
import { statusesForModel } from "../compliance/posture";
import { FrameworkIdSchema, FrameworkListSchema, type FrameworkId } from "../compliance/catalog";
import type { GateVerdict } from "../compliance/gate";
import { gateForVersion } from "../operations/gate-check";
import type { ModelCard } from "../registry/model-card";
import type { ReliabilityReport } from "../engine/reliability";
import type { AttackSuite } from "../engine/suite";
import type { RobustnessMetrics } from "./responses";
import { decodeCursor, pageOf, PageQuerySchema } from "./pagination";
import { resolveDatasetVersion, resolveModelVersion, VersionRefSchema, type VersionRef } from "./refs";

// What REST API v1 answers for each resource: plain JSON, every query scoped to the token's team.

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const lower = <S extends string>(s: S) => s.toLowerCase() as Lowercase<S>;

// ---- Models and datasets -------------------------------------------------------------------------

export const ListQuerySchema = PageQuerySchema.extend({ q: z.string().trim().max(100).optional() });

/** One page of the team's active models or datasets by name (matching `q`), each with its latest stored version. */
function registryPageQuery(ctx: TeamContext, q: z.infer<typeof ListQuerySchema>) {
  const after = decodeCursor(q.cursor);
  return {
    where: { teamId: ctx.team.id, archivedAt: null, ...(q.q ? { name: { contains: q.q, mode: "insensitive" as const } } : {}), ...(after ? { name: { gt: String(after.k) } } : {}) },
    orderBy: { name: "asc" as const },
    take: q.limit + 1,
    include: { versions: { where: { storedAt: { not: null } }, orderBy: { version: "desc" as const }, take: 1 } },
  };
}

export async function listModelsApi(ctx: TeamContext, q: z.infer<typeof ListQuerySchema>) {
  const rows = await db.model.findMany(registryPageQuery(ctx, q));
  const page = pageOf(rows, q.limit, (m) => ({ k: m.name, id: m.id }));
  return { data: page.data.map((m) => ({ id: m.id, name: m.name, description: m.description, latestVersion: m.versions[0] ? modelVersionView(m.versions[0]) : null, updatedAt: iso(m.updatedAt) })), nextCursor: page.nextCursor };
}

function modelVersionView(v: { id: string; version: number; format?: string; riskTier: string; owner: string; manifestDigest: string; totalBytes: number; status: string; createdAt: Date; evaluatedAt: Date | null; card?: unknown }) {
  // Cards are stored as ModelCardSchema parsed them (lib/registry).
  const card = v.card ? (v.card as ModelCard) : undefined;
  return { id: v.id, version: v.version, ...(v.format ? { format: v.format } : {}), riskTier: lower(v.riskTier), owner: v.owner, digest: v.manifestDigest, bytes: v.totalBytes, status: lower(v.status), createdAt: iso(v.createdAt), evaluatedAt: iso(v.evaluatedAt), ...(card ? { card } : {}) };
}

export async function getModelApi(ctx: TeamContext, name: string) {
  const m = await db.model.findFirst({
    where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } },
    include: { versions: { where: { storedAt: { not: null } }, orderBy: { version: "desc" } } },
  });
  if (!m) throw new NotFoundError(`The model "${name}"`);
  return { id: m.id, name: m.name, description: m.description, archived: m.archivedAt !== null, versions: m.versions.map((v) => modelVersionView(v)), createdAt: iso(m.createdAt) };
}

export async function getModelVersionApi(ctx: TeamContext, ref: VersionRef) {
  const { model, version } = await resolveModelVersion(ctx, ref);
  const files = await db.modelVersionFile.findMany({ where: { modelVersionId: version.id }, orderBy: { path: "asc" }, select: { path: true, role: true, sha256: true, size: true } });
  // An endpoint version shows its settings, never its credential.
  const endpoint = version.format === ENDPOINT_FORMAT ? await getEndpointSummary(ctx, version.id) : undefined;
  return { model: { id: model.id, name: model.name }, ...modelVersionView({ ...version, card: version.card }), engineInfo: version.engineInfo, files, ...(endpoint ? { endpoint } : {}) };
}

function datasetVersionView(v: { id: string; version: number; format: string; licence: string; personalData: string; split: string; sampleCount: number; sampleShape: number[]; classLabels: string[]; tensorDigest: string; manifestDigest: string; totalBytes: number; status: string; createdAt: Date }) {
  return { id: v.id, version: v.version, format: lower(v.format), licence: v.licence, personalData: v.personalData, split: lower(v.split), samples: v.sampleCount, sampleShape: v.sampleShape, classLabels: v.classLabels, tensorDigest: v.tensorDigest, manifestDigest: v.manifestDigest, bytes: v.totalBytes, status: lower(v.status), createdAt: iso(v.createdAt) };
}

export async function listDatasetsApi(ctx: TeamContext, q: z.infer<typeof ListQuerySchema>) {
  const rows = await db.dataset.findMany(registryPageQuery(ctx, q));
  const page = pageOf(rows, q.limit, (d) => ({ k: d.name, id: d.id }));
  return { data: page.data.map((d) => ({ id: d.id, name: d.name, description: d.description, latestVersion: d.versions[0] ? datasetVersionView(d.versions[0]) : null })), nextCursor: page.nextCursor };
}

export async function getDatasetApi(ctx: TeamContext, name: string) {
  const d = await db.dataset.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, include: { versions: { where: { storedAt: { not: null } }, orderBy: { version: "desc" } } } });
  if (!d) throw new NotFoundError(`The dataset "${name}"`);
  return { id: d.id, name: d.name, description: d.description, archived: d.archivedAt !== null, versions: d.versions.map(datasetVersionView), createdAt: iso(d.createdAt) };
}

export async function getDatasetVersionApi(ctx: TeamContext, ref: VersionRef) {
  const { dataset, version } = await resolveDatasetVersion(ctx, ref);
  return { dataset: { id: dataset.id, name: dataset.name }, ...datasetVersionView(version), card: version.card, warnings: version.warnings };
}

// ---- Evaluations ---------------------------------------------------------------------------------

export const EvaluationListQuerySchema = PageQuerySchema.extend({
  status: z
    .enum(["queued", "running", "aggregating", "completed", "failed", "cancelled"], { error: "status is one of queued, running, aggregating, completed, failed, cancelled" })
    .transform((s) => s.toUpperCase() as Uppercase<typeof s>)
    .optional(),
  model: VersionRefSchema.optional(),
  kind: EvaluationKindSchema.optional(),
});

export async function listEvaluationsApi(ctx: TeamContext, q: z.infer<typeof EvaluationListQuerySchema>) {
  const after = decodeCursor(q.cursor);
  let modelVersionId: string | undefined;
  if (q.model) modelVersionId = (await resolveModelVersion(ctx, q.model)).version.id;
  const rows = await db.evaluation.findMany({
    where: { teamId: ctx.team.id, ...(q.kind ? { kind: q.kind } : {}), ...(q.status ? { status: q.status } : {}), ...(modelVersionId ? { modelVersionId } : {}), ...(after ? { number: { lt: Number(after.k) } } : {}) },
    orderBy: { number: "desc" },
    take: q.limit + 1,
    select: { id: true, number: true, kind: true, status: true, preset: true, modelId: true, modelVersionId: true, datasetVersionId: true, sampleCount: true, shardCount: true, shardsDone: true, cleanAccuracy: true, headlineRobust: true, verdict: true, createdAt: true, finishedAt: true, createdByLabel: true },
  });
  const page = pageOf(rows, q.limit, (e) => ({ k: e.number, id: e.id }));
  const versions = await db.modelVersion.findMany({ where: { teamId: ctx.team.id, id: { in: page.data.map((e) => e.modelVersionId) } }, select: { id: true, version: true, model: { select: { name: true } } } });
  const byId = new Map(versions.map((v) => [v.id, v]));
  return {
    data: page.data.map((e) => ({
      id: e.id, number: e.number, kind: e.kind, status: lower(e.status), preset: e.preset,
      model: byId.has(e.modelVersionId) ? `${byId.get(e.modelVersionId)!.model.name}@${byId.get(e.modelVersionId)!.version}` : null,
      samples: e.sampleCount, progress: e.shardCount ? e.shardsDone / e.shardCount : 0,
      cleanAccuracy: e.cleanAccuracy, headlineRobustAccuracy: e.headlineRobust, verdict: e.verdict, verdictLabel: e.verdict ? verdictLabel(e.verdict) : null, createdBy: e.createdByLabel, createdAt: iso(e.createdAt), finishedAt: iso(e.finishedAt),
    })),
    nextCursor: page.nextCursor,
  };
}

export async function evaluationResultsApi(ctx: TeamContext, number: number) {
  const summary = await evaluationForApi(ctx, number);
  if (summary.status !== "completed") throw new ValidationError(`Evaluation #${number} is ${summary.status}; results exist once it has completed.`);
  if (summary.kind !== "robustness") return kindResultsApi(ctx, number);
  const r = await evaluationRecords(ctx, number);
  const ev = r.evaluation;
  // The JSON columns hold what the aggregate step wrote with these types (lib/evaluations/run.ts); the API tests check each answer against the schemas.
  return { number: ev.number, kind: "robustness" as const, cleanAccuracyWarning: summary.results?.cleanAccuracyWarning ?? null, metrics: ev.metrics as z.input<typeof RobustnessMetrics>, reliability: ev.reliability as ReliabilityReport, provenance: ev.provenance, suite: ev.suite as AttackSuite, comparison: ev.comparison, classLabels: r.classLabels, records: r.records };
}

/** Results of an evaluation of another kind (lib/evaluations/kinds.ts): its metrics, reliability, provenance and config. */
async function kindResultsApi(ctx: TeamContext, number: number) {
  const ev = await db.evaluation.findFirst({ where: { teamId: ctx.team.id, number }, select: { number: true, kind: true, metrics: true, reliability: true, provenance: true, suite: true } });
  const kind: "privacy" | "integrity" | null = ev?.kind === "privacy" || ev?.kind === "integrity" ? ev.kind : null;
  if (!ev || !kind) throw new NotFoundError("This evaluation");
  return { number: ev.number, kind, metrics: ev.metrics, reliability: ev.reliability, provenance: ev.provenance, config: ev.suite };
}

// ---- Schedules -----------------------------------------------------------------------------------

function scheduleView(s: { id: string; name: string; modelId: string; modelVersionId: string | null; datasetVersionId: string; preset: string; sampleCount: number; seed: number; cron: string; timezone: string; paused: boolean; createdAt: Date; lastRunAt: Date | null }, modelName: string | undefined) {
  return { id: s.id, name: s.name, model: modelName ?? null, modelId: s.modelId, modelVersionId: s.modelVersionId, datasetVersionId: s.datasetVersionId, preset: s.preset, samples: s.sampleCount, seed: s.seed, cron: s.cron, timezone: s.timezone, paused: s.paused, nextRunAt: s.paused ? null : iso(nextRuns(s.cron, s.timezone)[0]), lastRunAt: iso(s.lastRunAt), createdAt: iso(s.createdAt) };
}

export async function listSchedulesApi(ctx: TeamContext, q: z.infer<typeof PageQuerySchema>) {
  await loadPreviewer();
  const after = decodeCursor(q.cursor);
  const rows = await db.schedule.findMany({
    where: { teamId: ctx.team.id, ...(after ? { OR: [{ createdAt: { lt: new Date(String(after.k)) } }, { createdAt: new Date(String(after.k)), id: { lt: after.id } }] } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
  });
  const page = pageOf(rows, q.limit, (s) => ({ k: s.createdAt.toISOString(), id: s.id }));
  const names = new Map((await db.model.findMany({ where: { teamId: ctx.team.id, id: { in: page.data.map((s) => s.modelId) } }, select: { id: true, name: true } })).map((m) => [m.id, m.name]));
  return { data: page.data.map((s) => scheduleView(s, names.get(s.modelId))), nextCursor: page.nextCursor };
}

export async function getScheduleApi(ctx: TeamContext, id: string) {
  await loadPreviewer();
  const s = await db.schedule.findFirst({ where: { id, teamId: ctx.team.id } });
  if (!s) throw new NotFoundError("This schedule");
  const m = await db.model.findFirst({ where: { id: s.modelId, teamId: ctx.team.id }, select: { name: true } });
  return scheduleView(s, m?.name);
}

// ---- Alerts --------------------------------------------------------------------------------------

export const AlertListQuerySchema = PageQuerySchema.extend({ state: z.enum(["open", "acknowledged", "all"], { error: "state is open, acknowledged or all" }).default("open") });

export async function listAlertsApi(ctx: TeamContext, q: z.infer<typeof AlertListQuerySchema>) {
  const after = decodeCursor(q.cursor);
  const rows = await db.regressionAlert.findMany({
    where: {
      teamId: ctx.team.id,
      ...(q.state === "open" ? { acknowledgedAt: null } : q.state === "acknowledged" ? { acknowledgedAt: { not: null } } : {}),
      ...(after ? { OR: [{ createdAt: { lt: new Date(String(after.k)) } }, { createdAt: new Date(String(after.k)), id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    include: { evaluation: { select: { number: true } } },
  });
  const page = pageOf(rows, q.limit, (a) => ({ k: a.createdAt.toISOString(), id: a.id }));
  const names = new Map((await db.model.findMany({ where: { teamId: ctx.team.id, id: { in: page.data.map((a) => a.modelId) } }, select: { id: true, name: true } })).map((m) => [m.id, m.name]));
  return { data: page.data.map((a) => alertView(a, names.get(a.modelId))), nextCursor: page.nextCursor };
}

type AlertRow = { id: string; modelId: string; summary: string; details: unknown; createdAt: Date; acknowledgedAt: Date | null; acknowledgedByLabel: string | null; acknowledgementNote: string | null; evaluation: { number: number } };
function alertView(a: AlertRow, modelName: string | undefined) {
  return { id: a.id, model: modelName ?? null, evaluation: a.evaluation.number, summary: a.summary, details: a.details, createdAt: iso(a.createdAt), acknowledged: a.acknowledgedAt ? { at: iso(a.acknowledgedAt), by: a.acknowledgedByLabel, note: a.acknowledgementNote } : null };
}

export async function getAlertApi(ctx: TeamContext, id: string) {
  const a = await db.regressionAlert.findFirst({ where: { id, teamId: ctx.team.id }, include: { evaluation: { select: { number: true } } } });
  if (!a) throw new NotFoundError("This alert");
  const m = await db.model.findFirst({ where: { id: a.modelId, teamId: ctx.team.id }, select: { name: true } });
  return alertView(a, m?.name);
}

// ---- Compliance: control status and the release gate ----------------------------------------------

export const ControlsQuerySchema = z.object({
  model: VersionRefSchema,
  framework: FrameworkIdSchema.optional(),
});

export async function controlsApi(ctx: TeamContext, q: z.infer<typeof ControlsQuerySchema>) {
  const { model, version } = await resolveModelVersion(ctx, q.model);
  const latest = await db.modelVersion.findFirst({ where: { teamId: ctx.team.id, modelId: model.id, status: "ACTIVE", storedAt: { not: null } }, orderBy: { version: "desc" }, select: { id: true } });
  // Control status is assessed for a model's current (latest active) version, as on the dashboard.
  if (latest?.id !== version.id) throw new ValidationError(`Control status is assessed for the current version of "${model.name}" (the latest active one), not version ${version.version}. Use ${model.name}@latest, or the gate for an older version.`, { model: "not the current version" });
  const statuses = await statusesForModel(ctx, model.id, q.framework as FrameworkId | undefined);
  return {
    model: `${model.name}@${version.version}`,
    framework: q.framework ?? null,
    controls: statuses.map((s) => ({ control: s.control, framework: s.framework, id: s.controlId, status: s.status, reason: s.reason, next: s.next, attestation: s.attestation.state, evidence: s.findings.flatMap((f) => f.links.map((l) => ({ type: l.type, label: l.label, ...(l.digest ? { digest: l.digest } : {}) }))), policyVersion: s.policyVersion, catalogVersion: s.catalogVersion, computedAt: iso(s.computedAt) })),
  };
}

export const GateQuerySchema = z.object({
  model: VersionRefSchema,
  frameworks: FrameworkListSchema.describe("Comma-separated framework ids, bundled or the team's own (custom-…): one more check each, failing while any of its controls is failing or stale for the model (its current version only)."),
});

export interface GateAnswer extends GateVerdict {
  model: string;
  digest: string;
  tier: string;
  policyVersion: number | null;
  /** SHA-256 of the evidence the verdict stood on (the same hash a deployment records). */
  evidenceHash: string;
}

export async function gateApi(ctx: TeamContext, q: Omit<z.infer<typeof GateQuerySchema>, "frameworks"> & { frameworks?: FrameworkId[] }, now = new Date()): Promise<GateAnswer> {
  const { model, version } = await resolveModelVersion(ctx, q.model);
  const g = await gateForVersion(ctx, version, now, q.frameworks);
  return { model: `${model.name}@${version.version}`, digest: version.manifestDigest, tier: g.tier, policyVersion: g.policyVersion, evidenceHash: g.evidenceHash, ...g.verdict };
}

// ---- Audit ----------------------------------------------------------------------------------------

export async function auditVerifyApi(ctx: TeamContext) {
  const [v, head] = await Promise.all([verifyTeamChain(ctx), db.auditEvent.findFirst({ where: { teamId: ctx.team.id }, orderBy: { seq: "desc" }, select: { seq: true, hash: true, createdAt: true } })]);
  return { ...v, head: head ? { seq: head.seq, hash: head.hash, at: iso(head.createdAt) } : null };
}
