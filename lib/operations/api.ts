import { z } from "zod";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
import { resolveModelVersion, VersionRefSchema } from "../api/refs";
import { createEnvironment, createGateOverride, currentDeployments, deploymentHistory, listEnvironments, promoteVersion, rollbackDeployment } from "./deployments";
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
  const envs = await listEnvironments(ctx.team.id);
  return { data: envs.map((e) => ({ id: e.id, name: e.name, description: e.description, createdAt: iso(e.createdAt) })) };
}

export async function createEnvironmentApi(ctx: TeamContext, input: z.output<typeof CreateEnvironmentSchema>) {
  const e = await createEnvironment(ctx, input);
  return { id: e.id, name: e.name, description: e.description, createdAt: iso(e.createdAt) };
}

/** What each environment runs for the model, and the decisions that got it there. */
export async function deploymentStatusApi(ctx: TeamContext, q: z.output<typeof DeploymentQuerySchema>) {
  const model = await modelByName(ctx, q.model);
  const [current, history] = await Promise.all([currentDeployments(ctx.team.id, model.id), deploymentHistory(ctx.team.id, model.id)]);
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
