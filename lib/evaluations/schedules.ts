import { z } from "zod";
import type { Prisma } from "../db/generated/client";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { systemContext } from "../teams/context";
import { NotFoundError, ValidationError } from "../errors";
import { getQueue } from "../jobs/queue";
import { JOBS, type ScheduleFireJob } from "../jobs/catalog";
import { createEvaluation } from "./create";

// Schedules re-evaluate a model on a cron expression, through pg-boss's scheduler (one entry per
// schedule, keyed by its id). Every change is audited.

export const CRON_PRESETS = { daily: "0 3 * * *", weekly: "0 3 * * 1" } as const;

const CronSchema = z
  .string()
  .trim()
  .transform((v): string => (v in CRON_PRESETS ? CRON_PRESETS[v as keyof typeof CRON_PRESETS] : v))
  .pipe(z.string().regex(/^(\S+\s+){4}\S+$/, { error: "Use daily, weekly or a 5-field cron expression such as 0 3 * * 1" }))
  .meta({ description: "daily (0 3 * * *), weekly (0 3 * * 1) or a 5-field cron expression: minute hour day-of-month month day-of-week, read in the schedule's timezone.", examples: ["0 3 * * 1"] });

export const ScheduleInputSchema = z.object({
  name: z.string().trim().min(1, { error: "Name the schedule" }).max(80),
  modelId: z.string().trim().min(1, { error: "Choose a model" }),
  /** Empty: always the latest active version. */
  modelVersionId: z.string().trim().optional().transform((v) => v || undefined),
  datasetVersionId: z.string().trim().min(1, { error: "Choose a dataset version" }),
  preset: z.enum(["quick", "standard"], { error: "Choose quick or standard" }),
  sampleCount: z.coerce.number({ error: "Enter a number of samples" }).int().min(1).max(100_000),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0),
  cron: CronSchema,
  timezone: z.string().trim().min(1).max(60).default("UTC"),
});
export type ScheduleInput = z.infer<typeof ScheduleInputSchema>;

export function nextRuns(cron: string, timezone: string, count = 1): Date[] {
  // previewSchedule is a pure computation in pg-boss (no database needed).
  try {
    return previewer(cron, timezone, count);
  } catch {
    return [];
  }
}
let previewer: (cron: string, tz: string, count: number) => Date[] = () => [];
/** Wired by getQueue's first use; kept injectable so pages need no running queue to render. */
export async function loadPreviewer() {
  const boss = await getQueue();
  previewer = (cron, tz, count) => boss.previewSchedule(cron, { tz, count } as never).slice(0, count);
}

async function register(s: { id: string; teamId: string; cron: string; timezone: string; paused: boolean }) {
  const boss = await getQueue();
  if (s.paused) {
    await boss.unschedule(JOBS.scheduleFire.name, s.id).catch(() => {});
    return;
  }
  try {
    await boss.schedule(JOBS.scheduleFire.name, s.cron, JOBS.scheduleFire.schema.parse({ teamId: s.teamId, scheduleId: s.id } satisfies ScheduleFireJob), { tz: s.timezone, key: s.id });
  } catch (e) {
    throw new ValidationError(`The schedule was refused: ${(e as Error).message}`, { cron: (e as Error).message });
  }
}

async function checkTargets(ctx: TeamContext, input: ScheduleInput) {
  const model = await db.model.findFirst({ where: { id: input.modelId, teamId: ctx.team.id } });
  if (!model) throw new NotFoundError("This model");
  if (input.modelVersionId && !(await db.modelVersion.findFirst({ where: { id: input.modelVersionId, teamId: ctx.team.id, modelId: model.id } }))) {
    throw new ValidationError("That version does not belong to the model.", { modelVersionId: "Choose a version of this model" });
  }
  if (!(await db.datasetVersion.findFirst({ where: { id: input.datasetVersionId, teamId: ctx.team.id } }))) throw new NotFoundError("This dataset version");
  return model;
}

export async function createSchedule(ctx: TeamContext, input: ScheduleInput) {
  assertCan(ctx, "schedule.manage");
  await checkTargets(ctx, input);
  const s = await db.$transaction(async (tx) => {
    const row = await tx.schedule.create({
      data: { teamId: ctx.team.id, name: input.name, modelId: input.modelId, modelVersionId: input.modelVersionId ?? null, datasetVersionId: input.datasetVersionId, preset: input.preset, suite: {} as Prisma.InputJsonValue, sampleCount: input.sampleCount, seed: input.seed, cron: input.cron, timezone: input.timezone, createdById: ctx.actor.userId },
    });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "schedule.create", subjectType: "Schedule", subjectId: row.id, details: { name: input.name, cron: input.cron, preset: input.preset, modelId: input.modelId } });
    return row;
  });
  try {
    await register(s);
  } catch (e) {
    // Not half-stored: a schedule pg-boss refused is removed again, with its own audit record.
    await db.$transaction(async (tx) => {
      await tx.schedule.delete({ where: { id: s.id } });
      await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "schedule.delete", subjectType: "Schedule", subjectId: s.id, details: { reason: "refused by the scheduler" } });
    });
    throw e;
  }
  return s;
}

export async function setSchedulePaused(ctx: TeamContext, scheduleId: string, paused: boolean) {
  assertCan(ctx, "schedule.manage");
  const s = await db.$transaction(async (tx) => {
    const row = await tx.schedule.findFirst({ where: { id: scheduleId, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This schedule");
    const updated = await tx.schedule.update({ where: { id: row.id }, data: { paused } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: paused ? "schedule.pause" : "schedule.resume", subjectType: "Schedule", subjectId: row.id, details: { name: row.name } });
    return updated;
  });
  await register(s);
}

export async function updateSchedule(ctx: TeamContext, scheduleId: string, input: ScheduleInput) {
  assertCan(ctx, "schedule.manage");
  await checkTargets(ctx, input);
  const s = await db.$transaction(async (tx) => {
    const row = await tx.schedule.findFirst({ where: { id: scheduleId, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This schedule");
    const updated = await tx.schedule.update({ where: { id: row.id }, data: { name: input.name, modelId: input.modelId, modelVersionId: input.modelVersionId ?? null, datasetVersionId: input.datasetVersionId, preset: input.preset, sampleCount: input.sampleCount, seed: input.seed, cron: input.cron, timezone: input.timezone } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "schedule.update", subjectType: "Schedule", subjectId: row.id, details: { name: input.name, cron: input.cron, preset: input.preset } });
    return updated;
  });
  await register(s);
}

export async function deleteSchedule(ctx: TeamContext, scheduleId: string) {
  assertCan(ctx, "schedule.manage");
  await db.$transaction(async (tx) => {
    const row = await tx.schedule.findFirst({ where: { id: scheduleId, teamId: ctx.team.id } });
    if (!row) throw new NotFoundError("This schedule");
    await tx.schedule.delete({ where: { id: row.id } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "schedule.delete", subjectType: "Schedule", subjectId: row.id, details: { name: row.name } });
  });
  const boss = await getQueue();
  await boss.unschedule(JOBS.scheduleFire.name, scheduleId).catch(() => {});
}

export async function listSchedules(ctx: TeamContext) {
  const rows = await db.schedule.findMany({ where: { teamId: ctx.team.id }, orderBy: { createdAt: "desc" } });
  const models = await db.model.findMany({ where: { teamId: ctx.team.id, id: { in: rows.map((r) => r.modelId) } }, select: { id: true, name: true } });
  const names = new Map(models.map((m) => [m.id, m.name]));
  return rows.map((r) => ({ ...r, modelName: names.get(r.modelId) ?? "(deleted)", nextRun: r.paused ? null : (nextRuns(r.cron, r.timezone)[0] ?? null) }));
}

/** A schedule's cron came due: evaluate the pinned or latest active version. */
export async function fireSchedule(job: ScheduleFireJob) {
  const s = await db.schedule.findFirst({ where: { id: job.scheduleId, teamId: job.teamId } });
  if (!s || s.paused) return null;
  const version = s.modelVersionId
    ? await db.modelVersion.findFirst({ where: { id: s.modelVersionId, teamId: s.teamId, storedAt: { not: null } } })
    : await db.modelVersion.findFirst({ where: { modelId: s.modelId, teamId: s.teamId, status: "ACTIVE", storedAt: { not: null } }, orderBy: { version: "desc" } });
  if (!version) return null;
  const created = await createEvaluation(
    systemContext(s.teamId, "schedule", `schedule: ${s.name}`),
    { modelVersionId: version.id, datasetVersionId: s.datasetVersionId, preset: s.preset as "quick" | "standard", sampleCount: s.sampleCount, seed: s.seed, shardSize: 200, linfEpsilons: undefined, customSuite: undefined },
    { scheduleId: s.id },
  );
  await db.schedule.update({ where: { id: s.id }, data: { lastRunAt: new Date(), lastEvaluationId: created.id } });
  return created;
}
