import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
import { currentDeployments, deploymentHistory, lastPassingDeployment, listEnvironments, overridesForModel } from "./deployments";
import { gateForVersion } from "./gate-check";

// Read models for the operations pages. Every query is scoped to the viewer's team.

export async function operationsOverview(ctx: TeamContext) {
  const [environments, current, models] = await Promise.all([
    listEnvironments(ctx),
    currentDeployments(ctx),
    db.model.findMany({ where: { teamId: ctx.team.id, archivedAt: null }, select: { id: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  return { environments, models: models.map((m) => ({ ...m, deployed: current.filter((c) => c.modelId === m.id) })) };
}

/** Everything the model's operations page shows: versions with their gate now, environments, history, overrides. */
export async function modelOperations(ctx: TeamContext, modelId: string, now = new Date()) {
  const model = await db.model.findFirst({ where: { id: modelId, teamId: ctx.team.id }, select: { id: true, name: true } });
  if (!model) throw new NotFoundError("This model");
  const versions = await db.modelVersion.findMany({ where: { teamId: ctx.team.id, modelId, storedAt: { not: null }, status: "ACTIVE" }, orderBy: { version: "desc" }, take: 10 });
  const [environments, current, history, overrides, gates] = await Promise.all([
    listEnvironments(ctx),
    currentDeployments(ctx, modelId),
    deploymentHistory(ctx, modelId),
    overridesForModel(ctx, modelId, now),
    Promise.all(versions.map((v) => gateForVersion(ctx, v, now))),
  ]);
  const envRows = await Promise.all(
    environments.map(async (e) => {
      const cur = current.find((c) => c.environmentId === e.id) ?? null;
      const target = cur ? await lastPassingDeployment(ctx, e.id, modelId, cur.modelVersionId) : null;
      const targetVersion = target ? history.find((h) => h.id === target.id)?.version ?? null : null;
      return { id: e.id, name: e.name, description: e.description, current: cur, rollbackTo: targetVersion };
    }),
  );
  return {
    model,
    versions: versions.map((v, i) => ({ id: v.id, version: v.version, digest: v.manifestDigest, riskTier: v.riskTier, gate: gates[i]! })),
    environments: envRows,
    history,
    overrides,
  };
}
