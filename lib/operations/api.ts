import { z } from "zod";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
import { resolveModelVersion, VersionRefSchema } from "../api/refs";
import { createEnvironment, createGateOverride, currentDeployments, deploymentHistory, listEnvironments, promoteVersion, rollbackDeployment } from "./deployments";
import { acknowledgeMonitoringAlert, ingestBatch, type BatchInput } from "./monitoring";
import { type CreateEnvironmentSchema, EnvironmentNameSchema, OverrideSchema, PromoteSchema, RollbackSchema } from "./schemas";

// REST API v1 adapters for deployments: CI names models as name@version and environments by name.

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const ModelName = z.string({ error: "Name the model" }).trim().min(1, { error: "Name the model" }).max(80);

export const ApiPromoteSchema = PromoteSchema.omit({ modelVersionId: true }).extend({ model: VersionRefSchema });
export const ApiRollbackSchema = RollbackSchema.omit({ modelId: true }).extend({ model: ModelName });
export const ApiOverrideSchema = OverrideSchema.omit({ modelVersionId: true }).extend({ model: VersionRefSchema });
export const DeploymentQuerySchema = z.object({ model: ModelName, environment: EnvironmentNameSchema.optional() });

async function modelByName(ctx: TeamContext, name: string) {
  const m = await db.model.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, select: { id: true, name: true } });
  if (!m) throw new NotFoundError(`The model "${name}"`);
  return m;
}

function deploymentView(d: { id: string; kind: string; environment: string; version: number; gatePassed: boolean; evidenceHash: string; policyVersion: number | null; overrideId: string | null; note: string; createdByLabel: string; createdAt: Date }) {
  return { id: d.id, kind: d.kind, environment: d.environment, version: d.version, gatePassed: d.gatePassed, override: d.overrideId, evidenceHash: d.evidenceHash, policyVersion: d.policyVersion, note: d.note, by: d.createdByLabel, at: iso(d.createdAt) };
}

export async function listEnvironmentsApi(ctx: TeamContext) {
  const envs = await listEnvironments(ctx);
  return { data: envs.map((e) => ({ id: e.id, name: e.name, description: e.description, createdAt: iso(e.createdAt) })) };
}

export async function createEnvironmentApi(ctx: TeamContext, input: z.output<typeof CreateEnvironmentSchema>) {
  const e = await createEnvironment(ctx, input);
  return { id: e.id, name: e.name, description: e.description, createdAt: iso(e.createdAt) };
}

/** What each environment runs for the model, and the decisions that got it there. */
export async function deploymentStatusApi(ctx: TeamContext, q: z.output<typeof DeploymentQuerySchema>) {
  const model = await modelByName(ctx, q.model);
  const [current, history] = await Promise.all([currentDeployments(ctx, model.id), deploymentHistory(ctx, model.id)]);
  const keep = <T extends { environment: string }>(rows: T[]) => (q.environment ? rows.filter((r) => r.environment === q.environment) : rows);
  return {
    model: model.name,
    environments: keep(current).map((c) => ({ environment: c.environment, version: c.version, digest: c.digest, since: iso(c.createdAt), kind: c.kind, gatePassed: c.gatePassed, deploymentId: c.id })),
    history: keep(history).map(deploymentView),
  };
}

export async function promoteApi(ctx: TeamContext, input: z.output<typeof ApiPromoteSchema>) {
  const { model, version } = await resolveModelVersion(ctx, input.model);
  const r = await promoteVersion(ctx, { environment: input.environment, modelVersionId: version.id, note: input.note });
  return { ...deploymentView({ ...r.deployment, environment: input.environment, version: version.version, policyVersion: r.gate.policyVersion, note: input.note, createdByLabel: ctx.actor.label }), model: model.name, gate: { pass: r.gate.verdict.pass, checks: r.gate.verdict.checks } };
}

export async function rollbackApi(ctx: TeamContext, input: z.output<typeof ApiRollbackSchema>) {
  const model = await modelByName(ctx, input.model);
  const r = await rollbackDeployment(ctx, { environment: input.environment, modelId: model.id, note: input.note });
  return { ...deploymentView({ ...r.deployment, environment: input.environment, version: r.toVersion }), model: model.name, fromVersion: r.fromVersion, toVersion: r.toVersion };
}

export async function overrideApi(ctx: TeamContext, input: z.output<typeof ApiOverrideSchema>) {
  const { model, version } = await resolveModelVersion(ctx, input.model);
  const o = await createGateOverride(ctx, { environment: input.environment, modelVersionId: version.id, reason: input.reason, expiresInDays: input.expiresInDays });
  return { id: o.id, model: `${model.name}@${version.version}`, environment: input.environment, reason: o.reason, expiresAt: iso(o.expiresAt), evidenceHash: o.evidenceHash, by: o.createdByLabel, createdAt: iso(o.createdAt) };
}

// ---- Monitoring ------------------------------------------------------------------------------------

export const MonitoringAlertQuerySchema = z.object({
  model: ModelName.optional(),
  environment: EnvironmentNameSchema.optional(),
  state: z.enum(["open", "all"], { error: "state is open or all" }).default("open"),
});

function monitoringAlertView(a: { id: string; signal: string; severity: string; summary: string; openedAt: Date; lastSeenAt: Date; batchCount: number; acknowledgedAt: Date | null; acknowledgedByLabel: string | null; acknowledgementNote: string | null; resolvedAt: Date | null }, env: string, model: string, version: number) {
  return { id: a.id, signal: a.signal, severity: a.severity, summary: a.summary, environment: env, model, version, openedAt: iso(a.openedAt), lastSeenAt: iso(a.lastSeenAt), batches: a.batchCount, acknowledged: a.acknowledgedAt ? { at: iso(a.acknowledgedAt), by: a.acknowledgedByLabel, note: a.acknowledgementNote } : null, resolvedAt: iso(a.resolvedAt) };
}

export async function listMonitoringAlertsApi(ctx: TeamContext, q: z.output<typeof MonitoringAlertQuerySchema>) {
  const model = q.model ? await modelByName(ctx, q.model) : null;
  const env = q.environment ? await db.environment.findFirst({ where: { teamId: ctx.team.id, name: q.environment } }) : null;
  if (q.environment && !env) throw new NotFoundError(`The environment "${q.environment}"`);
  const rows = await db.monitoringAlert.findMany({ where: { teamId: ctx.team.id, ...(model ? { modelId: model.id } : {}), ...(env ? { environmentId: env.id } : {}), ...(q.state === "open" ? { resolvedAt: null } : {}) }, orderBy: { openedAt: "desc" }, take: 100 });
  return { data: await Promise.all(rows.map((a) => monitoringAlertApiView(ctx, a))) };
}

async function monitoringAlertApiView(ctx: TeamContext, a: Parameters<typeof monitoringAlertView>[0] & { environmentId: string; modelId: string; modelVersionId: string }) {
  const [env, model, version] = await Promise.all([
    db.environment.findFirst({ where: { id: a.environmentId, teamId: ctx.team.id }, select: { name: true } }),
    db.model.findFirst({ where: { id: a.modelId, teamId: ctx.team.id }, select: { name: true } }),
    db.modelVersion.findFirst({ where: { id: a.modelVersionId, teamId: ctx.team.id }, select: { version: true } }),
  ]);
  return monitoringAlertView(a, env?.name ?? "?", model?.name ?? "?", version?.version ?? 0);
}

export async function acknowledgeMonitoringAlertApi(ctx: TeamContext, id: string, note: string) {
  const a = await acknowledgeMonitoringAlert(ctx, { alertId: id, note });
  return monitoringAlertApiView(ctx, a);
}

export async function ingestBatchApi(ctx: TeamContext, input: BatchInput) {
  const r = await ingestBatch(ctx, input);
  return { batchId: r.batchId, scores: r.scores, alerts: { opened: r.opened, updated: r.updated, resolved: r.resolved } };
}
