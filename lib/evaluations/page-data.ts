import { db } from "../db/client";
import { assertCan, type TeamContext } from "../teams/access";
import { openAlerts } from "./webhook";

// What the evaluation pages and the dashboard read, each team-scoped through the caller's context.

/** The dashboard: open regression alerts, the latest evaluations, and the labels they need. */
export async function dashboardEvaluations(ctx: TeamContext, take = 5) {
  assertCan(ctx, "team.read");
  const teamId = ctx.team.id;
  const [alerts, recent] = await Promise.all([
    openAlerts(ctx),
    db.evaluation.findMany({ where: { teamId }, orderBy: { number: "desc" }, take, select: { id: true, number: true, status: true, modelId: true, modelVersionId: true, cleanAccuracy: true, headlineRobust: true, verdict: true, createdAt: true } }),
  ]);
  const [models, versions, numbers] = await Promise.all([
    db.model.findMany({ where: { teamId, id: { in: recent.map((r) => r.modelId) } }, select: { id: true, name: true } }),
    db.modelVersion.findMany({ where: { teamId, id: { in: recent.map((r) => r.modelVersionId) } }, select: { id: true, version: true } }),
    db.evaluation.findMany({ where: { teamId, id: { in: alerts.map((a) => a.evaluationId) } }, select: { id: true, number: true } }),
  ]);
  return {
    alerts,
    recent,
    modelNames: new Map(models.map((m) => [m.id, m.name])),
    versionNumbers: new Map(versions.map((v) => [v.id, v.version])),
    evaluationNumbers: new Map(numbers.map((e) => [e.id, e.number])),
  };
}

/** A model's page: its open regression alerts and its latest evaluations. */
export async function modelEvaluations(ctx: TeamContext, modelId: string, take = 10) {
  assertCan(ctx, "team.read");
  const teamId = ctx.team.id;
  const [alerts, evaluations, versions] = await Promise.all([
    openAlerts(ctx, modelId),
    db.evaluation.findMany({ where: { teamId, modelId }, orderBy: { number: "desc" }, take, select: { id: true, number: true, status: true, preset: true, modelVersionId: true, cleanAccuracy: true, headlineRobust: true, verdict: true, createdAt: true } }),
    db.modelVersion.findMany({ where: { teamId, modelId }, select: { id: true, version: true } }),
  ]);
  return { alerts, evaluations, versionNumbers: new Map(versions.map((v) => [v.id, v.version])) };
}

/** The team's models by name, for filters and pickers (archived ones only when asked). */
export async function teamModelNames(ctx: TeamContext, opts: { includeArchived: boolean }) {
  assertCan(ctx, "team.read");
  return db.model.findMany({ where: { teamId: ctx.team.id, ...(opts.includeArchived ? {} : { archivedAt: null }) }, select: { id: true, name: true }, orderBy: { name: "asc" } });
}

/** The latest evaluations started by schedules (the schedules page shows each schedule's last run). */
export async function scheduledRuns(ctx: TeamContext, take = 200) {
  assertCan(ctx, "team.read");
  return db.evaluation.findMany({ where: { teamId: ctx.team.id, scheduleId: { not: null } }, select: { id: true, number: true, status: true }, orderBy: { number: "desc" }, take });
}

/** One schedule of the team, or null. */
export async function findSchedule(ctx: TeamContext, id: string) {
  assertCan(ctx, "team.read");
  return db.schedule.findFirst({ where: { id, teamId: ctx.team.id } });
}

/** The launch form: the versions that can be evaluated, and the sizes of the given dataset versions. */
export async function launchChoices(ctx: TeamContext) {
  assertCan(ctx, "team.read");
  return db.modelVersion.findMany({
    where: { teamId: ctx.team.id, storedAt: { not: null }, status: "ACTIVE" },
    orderBy: [{ model: { name: "asc" } }, { version: "desc" }],
    select: { id: true, version: true, modelId: true, riskTier: true, card: true, format: true, model: { select: { name: true } } },
  });
}
export async function datasetSizes(ctx: TeamContext, datasetVersionIds: string[]) {
  assertCan(ctx, "team.read");
  return db.datasetVersion.findMany({ where: { teamId: ctx.team.id, id: { in: datasetVersionIds } }, select: { id: true, sampleCount: true } });
}
