import type { z } from "zod";
import { db, type Prisma, type Tx } from "../db/client";
import { appendAudit } from "../audit/log";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { assertCan, type TeamContext } from "../teams/access";
import type { WebhookJob } from "../jobs/catalog";
import { sendWebhooks } from "../evaluations/webhook";
import { gateForVersion } from "./gate-check";
import type { CreateEnvironmentSchema, OverrideSchema, PromoteSchema, RollbackSchema } from "./schemas";
import type { TeamScope } from "../teams/context";

// Deployments: which model version each environment runs, as a history of recorded decisions.
// Promotion passes the policy gate (or a reviewer's unexpired override); a rollback returns the
// environment to the last version whose promotion passed the gate. Bulwark records and signals
// (audit event + webhook); the team's serving system acts on the signal.

const DAY = 86_400_000;

export async function createEnvironment(ctx: TeamContext, input: z.output<typeof CreateEnvironmentSchema>) {
  assertCan(ctx, "environment.manage");
  return db.$transaction(async (tx) => {
    const clash = await tx.environment.findFirst({ where: { teamId: ctx.team.id, name: input.name } });
    if (clash) throw new ConflictError(`The environment "${input.name}" exists already.`);
    const env = await tx.environment.create({ data: { teamId: ctx.team.id, name: input.name, description: input.description, createdById: ctx.userId } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "environment.create", subjectType: "Environment", subjectId: env.id, details: { name: env.name } });
    return env;
  });
}

export async function listEnvironments(scope: TeamScope) {
  const teamId = scope.team.id;
  return db.environment.findMany({ where: { teamId }, orderBy: { createdAt: "asc" } });
}

async function environmentByName(tx: Tx | typeof db, teamId: string, name: string) {
  const env = await tx.environment.findFirst({ where: { teamId, name } });
  if (!env) throw new NotFoundError(`The environment "${name}"`);
  return env;
}

/** The override that currently lets this version into this environment, if any. */
export async function activeOverride(scope: TeamScope, environmentId: string, modelVersionId: string, now = new Date()) {
  const teamId = scope.team.id;
  return db.gateOverride.findFirst({ where: { teamId, environmentId, modelVersionId, revokedAt: null, expiresAt: { gt: now } }, orderBy: { createdAt: "desc" } });
}

/** Queued in the decision's transaction: a recorded decision always has its signal, and a rolled-back one never does. */
function deploymentSignal(kind: string, d: { id: string; createdAt: Date; createdByLabel: string; gatePassed: boolean; evidenceHash: string; overrideId: string | null }, env: { name: string }, model: { name: string }, version: { version: number; manifestDigest: string }, from: { version: number } | null) {
  return {
    deploymentId: d.id,
    kind,
    environment: env.name,
    model: model.name,
    modelVersion: version.version,
    digest: version.manifestDigest,
    previousVersion: from?.version ?? null,
    gatePassed: d.gatePassed,
    override: d.overrideId,
    evidenceHash: d.evidenceHash,
    by: d.createdByLabel,
    at: d.createdAt.toISOString(),
  };
}

async function lockEnvironment(tx: Tx, id: string) {
  // Serialises decisions per environment: two promotions at once cannot both read the same "current".
  await tx.$queryRaw`SELECT id FROM "Environment" WHERE id = ${id} FOR UPDATE`;
}

export interface PromoteResult {
  deployment: { id: string; kind: string; gatePassed: boolean; overrideId: string | null; evidenceHash: string; createdAt: Date };
  gate: Awaited<ReturnType<typeof gateForVersion>>;
}

/**
 * Promotes a model version to an environment. The gate is evaluated now; a failing gate refuses the
 * promotion (ConflictError listing the failed checks) unless a reviewer's override for this version and
 * environment is active. Either way the decision, its gate verdict and evidence hash are recorded.
 */
export async function promoteVersion(ctx: TeamContext, input: z.output<typeof PromoteSchema>, now = new Date()): Promise<PromoteResult> {
  assertCan(ctx, "deployment.promote");
  const env = await environmentByName(db, ctx.team.id, input.environment);
  const version = await db.modelVersion.findFirst({ where: { id: input.modelVersionId, teamId: ctx.team.id, storedAt: { not: null } }, include: { model: { select: { id: true, name: true } } } });
  if (!version) throw new NotFoundError("This model version");
  if (version.status !== "ACTIVE") throw new ValidationError(`${version.model.name} v${version.version} is archived; restore it before promoting it.`, { modelVersionId: "archived" });
  const gate = await gateForVersion(ctx, version, now);
  const override = gate.verdict.pass ? null : await activeOverride(ctx, env.id, version.id, now);
  if (!gate.verdict.pass && !override) {
    const failed = gate.verdict.checks.filter((c) => c.outcome === "fail");
    throw new ConflictError(`The gate fails for ${version.model.name} v${version.version}, so it cannot be promoted to ${env.name}: ${failed.map((c) => `${c.label} — ${c.detail}`).join(" ")} A reviewer may record an override with a reason and an expiry.`);
  }
  const jobs: WebhookJob[] = [];
  const deployment = await db.$transaction(async (tx) => {
    await lockEnvironment(tx, env.id);
    const current = await tx.deployment.findFirst({ where: { teamId: ctx.team.id, environmentId: env.id, modelId: version.modelId }, orderBy: { createdAt: "desc" } });
    if (current?.modelVersionId === version.id) throw new ConflictError(`${env.name} already runs ${version.model.name} v${version.version}.`);
    const from = current ? await tx.modelVersion.findFirst({ where: { id: current.modelVersionId, teamId: ctx.team.id }, select: { version: true } }) : null;
    const d = await tx.deployment.create({
      data: {
        teamId: ctx.team.id, environmentId: env.id, modelId: version.modelId, modelVersionId: version.id, kind: "promote",
        gatePassed: gate.verdict.pass, gate: gate.verdict as unknown as Prisma.InputJsonValue, evidenceHash: gate.evidenceHash, policyVersion: gate.policyVersion,
        overrideId: override?.id ?? null, previousDeploymentId: current?.id ?? null, note: input.note, createdById: ctx.userId, createdByLabel: ctx.actor.label, createdAt: now,
      },
    });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "deployment.promote", subjectType: "Deployment", subjectId: d.id,
      details: { environment: env.name, model: version.model.name, version: version.version, previousVersion: from?.version ?? null, gatePassed: gate.verdict.pass, override: override ? { id: override.id, reason: override.reason, expiresAt: override.expiresAt.toISOString(), by: override.createdByLabel } : null, evidenceHash: gate.evidenceHash, policyVersion: gate.policyVersion, note: input.note },
    });
    jobs.push({ teamId: ctx.team.id, event: "deployment.promoted", payload: deploymentSignal("promote", d, env, version.model, version, from) });
    await sendWebhooks(tx, ctx.team.id, jobs);
    return d;
  });
  return { deployment, gate };
}

/**
 * A reviewer lets one version into one environment although its gate fails, for a limited time, with
 * the reason and the evidence hash of the failing verdict they looked at. It does not promote by itself.
 */
export async function createGateOverride(ctx: TeamContext, input: z.output<typeof OverrideSchema>, now = new Date()) {
  assertCan(ctx, "deployment.override");
  const env = await environmentByName(db, ctx.team.id, input.environment);
  const version = await db.modelVersion.findFirst({ where: { id: input.modelVersionId, teamId: ctx.team.id, storedAt: { not: null } }, include: { model: { select: { name: true } } } });
  if (!version) throw new NotFoundError("This model version");
  const gate = await gateForVersion(ctx, version, now);
  if (gate.verdict.pass) throw new ValidationError(`The gate passes for ${version.model.name} v${version.version}; no override is needed.`, { modelVersionId: "gate passes" });
  const expiresAt = new Date(now.getTime() + input.expiresInDays * DAY);
  return db.$transaction(async (tx) => {
    const o = await tx.gateOverride.create({ data: { teamId: ctx.team.id, environmentId: env.id, modelVersionId: version.id, reason: input.reason, expiresAt, evidenceHash: gate.evidenceHash, createdById: ctx.userId, createdByLabel: ctx.actor.label, createdAt: now } });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "deployment.override", subjectType: "GateOverride", subjectId: o.id,
      details: { environment: env.name, model: version.model.name, version: version.version, reason: input.reason, expiresAt: expiresAt.toISOString(), evidenceHash: gate.evidenceHash, failedChecks: gate.verdict.checks.filter((c) => c.outcome === "fail").map((c) => c.id) },
    });
    return o;
  });
}

/**
 * Rollback target: the newest promotion in this environment, of another version than the current one,
 * whose gate passed when it was promoted (promotions let through by an override do not count).
 */
export async function lastPassingDeployment(scope: TeamScope, environmentId: string, modelId: string, currentVersionId: string) {
  const teamId = scope.team.id;
  return db.deployment.findFirst({
    where: { teamId, environmentId, modelId, kind: "promote", gatePassed: true, modelVersionId: { not: currentVersionId } },
    orderBy: { createdAt: "desc" },
  });
}

/** One action: returns the environment to the last version that passed the gate, recorded and signalled. */
export async function rollbackDeployment(ctx: TeamContext, input: z.output<typeof RollbackSchema>, now = new Date()) {
  assertCan(ctx, "deployment.rollback");
  const env = await environmentByName(db, ctx.team.id, input.environment);
  const model = await db.model.findFirst({ where: { id: input.modelId, teamId: ctx.team.id }, select: { id: true, name: true } });
  if (!model) throw new NotFoundError("This model");
  const jobs: WebhookJob[] = [];
  const result = await db.$transaction(async (tx) => {
    await lockEnvironment(tx, env.id);
    const current = await tx.deployment.findFirst({ where: { teamId: ctx.team.id, environmentId: env.id, modelId: model.id }, orderBy: { createdAt: "desc" } });
    if (!current) throw new ConflictError(`${env.name} runs no version of ${model.name}; there is nothing to roll back.`);
    const target = await tx.deployment.findFirst({
      where: { teamId: ctx.team.id, environmentId: env.id, modelId: model.id, kind: "promote", gatePassed: true, modelVersionId: { not: current.modelVersionId } },
      orderBy: { createdAt: "desc" },
    });
    if (!target) throw new ConflictError(`No earlier version of ${model.name} passed the gate in ${env.name}; there is no version to roll back to.`);
    const [fromV, toV] = await Promise.all([
      tx.modelVersion.findFirstOrThrow({ where: { id: current.modelVersionId, teamId: ctx.team.id } }),
      tx.modelVersion.findFirstOrThrow({ where: { id: target.modelVersionId, teamId: ctx.team.id } }),
    ]);
    // The rollback row records the gate as it stands now (information for the auditor; a rollback is not blocked by it).
    const gate = await gateForVersion(ctx, toV, now);
    const d = await tx.deployment.create({
      data: {
        teamId: ctx.team.id, environmentId: env.id, modelId: model.id, modelVersionId: toV.id, kind: "rollback",
        gatePassed: gate.verdict.pass, gate: gate.verdict as unknown as Prisma.InputJsonValue, evidenceHash: gate.evidenceHash, policyVersion: gate.policyVersion,
        previousDeploymentId: current.id, note: input.note, createdById: ctx.userId, createdByLabel: ctx.actor.label, createdAt: now,
      },
    });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "deployment.rollback", subjectType: "Deployment", subjectId: d.id,
      details: { environment: env.name, model: model.name, fromVersion: fromV.version, toVersion: toV.version, passingPromotion: target.id, passingEvidenceHash: target.evidenceHash, gatePassesNow: gate.verdict.pass, evidenceHash: gate.evidenceHash, note: input.note },
    });
    jobs.push({ teamId: ctx.team.id, event: "deployment.rolled_back", payload: deploymentSignal("rollback", d, env, model, toV, fromV) });
    await sendWebhooks(tx, ctx.team.id, jobs);
    return { deployment: d, fromVersion: fromV.version, toVersion: toV.version };
  });
  return result;
}

/** Every decision for a model, newest first, with environment and version labels. */
export async function deploymentHistory(scope: TeamScope, modelId: string, take = 100) {
  const teamId = scope.team.id;
  const rows = await db.deployment.findMany({ where: { teamId, modelId }, orderBy: { createdAt: "desc" }, take });
  const [envs, versions, overrides] = await Promise.all([
    db.environment.findMany({ where: { teamId, id: { in: [...new Set(rows.map((r) => r.environmentId))] } }, select: { id: true, name: true } }),
    db.modelVersion.findMany({ where: { teamId, id: { in: [...new Set(rows.map((r) => r.modelVersionId))] } }, select: { id: true, version: true } }),
    db.gateOverride.findMany({ where: { teamId, id: { in: rows.flatMap((r) => (r.overrideId ? [r.overrideId] : [])) } } }),
  ]);
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  const vNum = new Map(versions.map((v) => [v.id, v.version]));
  const ov = new Map(overrides.map((o) => [o.id, o]));
  return rows.map((r) => ({ ...r, environment: envName.get(r.environmentId) ?? "?", version: vNum.get(r.modelVersionId) ?? 0, override: r.overrideId ? (ov.get(r.overrideId) ?? null) : null }));
}

/** What each environment runs now, per model (the newest decision per environment and model). */
export async function currentDeployments(scope: TeamScope, modelId?: string) {
  const teamId = scope.team.id;
  const rows = await db.deployment.findMany({
    where: { teamId, ...(modelId ? { modelId } : {}) },
    orderBy: { createdAt: "desc" },
    distinct: ["environmentId", "modelId"],
  });
  const [envs, versions, models] = await Promise.all([
    db.environment.findMany({ where: { teamId }, select: { id: true, name: true } }),
    db.modelVersion.findMany({ where: { teamId, id: { in: rows.map((r) => r.modelVersionId) } }, select: { id: true, version: true, manifestDigest: true } }),
    db.model.findMany({ where: { teamId, id: { in: rows.map((r) => r.modelId) } }, select: { id: true, name: true } }),
  ]);
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  const v = new Map(versions.map((x) => [x.id, x]));
  const m = new Map(models.map((x) => [x.id, x.name]));
  return rows.map((r) => ({ ...r, environment: envName.get(r.environmentId) ?? "?", model: m.get(r.modelId) ?? "?", version: v.get(r.modelVersionId)?.version ?? 0, digest: v.get(r.modelVersionId)?.manifestDigest ?? "" }));
}

/** Overrides recorded for a model's versions, newest first, with whether each is still active. */
export async function overridesForModel(scope: TeamScope, modelId: string, now = new Date()) {
  const teamId = scope.team.id;
  const versions = await db.modelVersion.findMany({ where: { teamId, modelId }, select: { id: true, version: true } });
  const rows = await db.gateOverride.findMany({ where: { teamId, modelVersionId: { in: versions.map((v) => v.id) } }, orderBy: { createdAt: "desc" }, take: 50 });
  const envs = await db.environment.findMany({ where: { teamId }, select: { id: true, name: true } });
  const vNum = new Map(versions.map((v) => [v.id, v.version]));
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  return rows.map((o) => ({ ...o, version: vNum.get(o.modelVersionId) ?? 0, environment: envName.get(o.environmentId) ?? "?", active: o.revokedAt === null && o.expiresAt > now }));
}
