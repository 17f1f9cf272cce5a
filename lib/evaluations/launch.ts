import type { Prisma } from "../db/generated/client";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import type { TeamScope } from "../teams/context";
import { NotFoundError, ValidationError } from "../errors";
import { markVersionsEvaluated } from "../registry/commit";
import { queueEvaluationShards } from "./queue-shards";

// What launching an evaluation of any kind shares: who may, which model version, and the one transaction that
// stores it with its shards, marks what it reads as evaluated, audits it and queues its shards.

/** `scheduleId` is set when a schedule fires it; a higher priority runs first. */
export interface LaunchOptions {
  scheduleId?: string;
  priority?: number;
  /**
   * The evaluation repeats an earlier one's suite (passed as a custom suite): it keeps that suite's preset
   * label, so a re-evaluation of a quick suite reads as quick, not custom.
   */
  repeatsPreset?: "quick" | "standard" | "custom";
}

/** The model version an evaluation is launched on: the team's, stored and not archived. */
export async function launchableModelVersion(ctx: TeamScope, modelVersionId: string) {
  const mv = await db.modelVersion.findFirst({ where: { id: modelVersionId, teamId: ctx.team.id, storedAt: { not: null } }, include: { model: { select: { id: true, name: true } } } });
  if (!mv) throw new NotFoundError("This model version");
  if (mv.status === "ARCHIVED") throw new ValidationError("This model version is archived; choose an active version.", { modelVersionId: "Archived version" });
  return mv;
}

type EvaluationColumns = Omit<Prisma.EvaluationUncheckedCreateInput, "teamId" | "number" | "shardCount" | "scheduleId" | "createdById" | "createdByLabel" | "shards" | "suite"> & { suite: object };

/**
 * Stores a new evaluation in one transaction: the team's next number, its shards, the versions it reads marked
 * evaluated (immutable from now on), `evaluation.create` audited with `{ number, ...details, scheduleId }`, and
 * one job per shard queued (if the queue refuses, nothing is stored).
 */
export async function insertEvaluation(
  ctx: TeamScope,
  opts: LaunchOptions,
  o: {
    columns: EvaluationColumns & { modelVersionId: string; datasetVersionId: string };
    shards: { index: number; start: number; end: number; progressTotal?: number }[];
    /** Dataset versions it reads besides `columns.datasetVersionId`. */
    alsoReads?: string[];
    details: Record<string, unknown>;
  },
): Promise<{ id: string; number: number }> {
  const teamId = ctx.team.id;
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
    const last = await tx.evaluation.findFirst({ where: { teamId }, orderBy: { number: "desc" }, select: { number: true } });
    const e = await tx.evaluation.create({
      data: {
        ...o.columns,
        suite: o.columns.suite as Prisma.InputJsonValue,
        teamId,
        number: (last?.number ?? 0) + 1,
        shardCount: o.shards.length,
        scheduleId: opts.scheduleId ?? null,
        createdById: ctx.actor.userId,
        createdByLabel: ctx.actor.label,
        shards: { create: o.shards.map((s) => ({ teamId, ...s })) },
      },
      include: { shards: { select: { id: true } } },
    });
    await markVersionsEvaluated(tx, teamId, { modelVersionId: o.columns.modelVersionId, datasetVersionId: o.columns.datasetVersionId });
    for (const id of o.alsoReads ?? []) await markVersionsEvaluated(tx, teamId, { datasetVersionId: id });
    await appendAudit(tx, {
      teamId,
      actor: ctx.actor,
      action: "evaluation.create",
      subjectType: "Evaluation",
      subjectId: e.id,
      details: { number: e.number, ...o.details, scheduleId: opts.scheduleId ?? null },
    });
    await queueEvaluationShards(tx, { id: e.id, teamId, shards: e.shards }, opts.priority ?? 0);
    return { id: e.id, number: e.number };
  });
}
