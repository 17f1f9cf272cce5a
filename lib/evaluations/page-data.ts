import { db } from "../db/client";
import { assertCan, type TeamContext } from "../teams/access";
import { OPEN_ALERTS_SHOWN, openAlerts } from "./webhook";

// What the evaluation pages and the dashboard read, each team-scoped through the caller's context.

/** The dashboard: open regression alerts with their evaluation's number, the latest evaluations with their model's name and version. */
export async function dashboardEvaluations(ctx: TeamContext, take = 5) {
  assertCan(ctx, "team.read");
  const teamId = ctx.team.id;
  // Two queries (each with its names joined in, every table scoped by the team), and only the columns the
  // dashboard shows: it is the most viewed page (issue 27).
  const [alerts, recent] = await Promise.all([
    db.$queryRaw<{ id: string; summary: string; createdAt: Date; evaluationNumber: number | null }[]>`
      SELECT a.id, a.summary, a."createdAt", e.number AS "evaluationNumber"
      FROM "RegressionAlert" a LEFT JOIN "Evaluation" e ON e.id = a."evaluationId" AND e."teamId" = a."teamId"
      WHERE a."teamId" = ${teamId} AND a."acknowledgedAt" IS NULL ORDER BY a."createdAt" DESC LIMIT ${OPEN_ALERTS_SHOWN}`,
    db.$queryRaw<{ id: string; number: number; status: string; cleanAccuracy: number | null; headlineRobust: number | null; verdict: string | null; modelName: string | null; version: number | null }[]>`
      SELECT e.id, e.number, e.status::text AS status, e."cleanAccuracy", e."headlineRobust", e.verdict, m.name AS "modelName", v.version
      FROM "Evaluation" e
      LEFT JOIN "Model" m ON m.id = e."modelId" AND m."teamId" = e."teamId"
      LEFT JOIN "ModelVersion" v ON v.id = e."modelVersionId" AND v."teamId" = e."teamId"
      WHERE e."teamId" = ${teamId} ORDER BY e.number DESC LIMIT ${take}`,
  ]);
  return { alerts, recent };
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
