import type { Prisma } from "../db/generated/client";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import { ConflictError, NotFoundError } from "../errors";
import type { EvaluationListFilter } from "./schemas";
import type { TeamScope } from "../teams/context";

export const EVALUATION_PAGE_SIZE = 25;

/** Cancel: queued shards are dropped when a worker picks them up; running ones stop at their next batch. */
export async function cancelEvaluation(ctx: TeamContext, evaluationId: string) {
  assertCan(ctx, "evaluation.cancel");
  await db.$transaction(async (tx) => {
    const ev = await tx.evaluation.findFirst({ where: { id: evaluationId, teamId: ctx.team.id }, select: { id: true, number: true, status: true } });
    if (!ev) throw new NotFoundError("This evaluation");
    const moved = await tx.evaluation.updateMany({
      where: { id: ev.id, status: { in: ["QUEUED", "RUNNING", "AGGREGATING"] } },
      data: { status: "CANCELLED", cancelledAt: new Date(), cancelledById: ctx.actor.userId, cancelledByLabel: ctx.actor.label, finishedAt: new Date() },
    });
    if (moved.count === 0) throw new ConflictError(`Evaluation #${ev.number} has already ${ev.status.toLowerCase() === "completed" ? "completed" : `ended (${ev.status.toLowerCase()})`}; there is nothing to cancel.`);
    await tx.evaluationShard.updateMany({ where: { evaluationId: ev.id, status: "QUEUED" }, data: { status: "CANCELLED" } });
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "evaluation.cancel", subjectType: "Evaluation", subjectId: ev.id, details: { number: ev.number, was: ev.status } });
  });
}

export async function listEvaluations(ctx: TeamContext, f: EvaluationListFilter) {
  const where: Prisma.EvaluationWhereInput = {
    teamId: ctx.team.id,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.model ? { modelId: f.model } : {}),
    ...(f.from || f.to ? { createdAt: { ...(f.from ? { gte: new Date(`${f.from}T00:00:00Z`) } : {}), ...(f.to ? { lte: new Date(`${f.to}T23:59:59.999Z`) } : {}) } } : {}),
  };
  const page = f.page ?? 1;
  // Two steps: the page's numbers first (an index-only walk of (teamId, number) when unfiltered), then
  // those rows. One query with OFFSET made PostgreSQL read and sort every row of the team for deep pages
  // (150 ms at 10,000 evaluations; rows carry their sample indices).
  const [numbers, total] = await Promise.all([
    db.evaluation.findMany({ where, orderBy: { number: "desc" }, take: EVALUATION_PAGE_SIZE, skip: (page - 1) * EVALUATION_PAGE_SIZE, select: { number: true } }),
    db.evaluation.count({ where }),
  ]);
  const rows = await db.evaluation.findMany({ where: { teamId: ctx.team.id, number: { in: numbers.map((n) => n.number) } }, orderBy: { number: "desc" }, select: evaluationSummarySelect });
  const names = await modelNames(ctx.team.id, rows);
  const versions = new Map((await db.modelVersion.findMany({ where: { teamId: ctx.team.id, id: { in: rows.map((r) => r.modelVersionId) } }, select: { id: true, version: true } })).map((v) => [v.id, v.version]));
  const headlines = await kindHeadlines(ctx, rows);
  return { rows: rows.map((r) => ({ ...r, modelName: names.get(r.modelId) ?? "(deleted)", modelVersion: versions.get(r.modelVersionId) ?? null, headline: headlines.get(r.id) ?? null })), total, page, pages: Math.max(1, Math.ceil(total / EVALUATION_PAGE_SIZE)) };
}

/**
 * Headline figures of the non-robustness rows of a list (kinds.ts): the small evidence object their
 * aggregation wrote (e.g. privacy: AUC, TPR at low FPR). Robustness rows use cleanAccuracy/headlineRobust.
 */
export async function kindHeadlines(scope: TeamScope, rows: { id: string; kind: string; status: string }[]): Promise<Map<string, Record<string, unknown>>> {
  const teamId = scope.team.id;
  const ids = rows.filter((r) => r.kind !== "robustness" && r.status === "COMPLETED").map((r) => r.id);
  if (ids.length === 0) return new Map();
  const found = await db.evaluation.findMany({ where: { teamId, id: { in: ids } }, select: { id: true, evidence: true } });
  return new Map(found.map((e) => [e.id, ((e.evidence as { metrics?: { evidence?: Record<string, unknown> } } | null)?.metrics?.evidence ?? {}) as Record<string, unknown>]));
}

export const evaluationSummarySelect = {
  id: true,
  number: true,
  kind: true,
  status: true,
  preset: true,
  modelId: true,
  modelVersionId: true,
  sampleCount: true,
  shardCount: true,
  shardsDone: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  createdByLabel: true,
  cleanAccuracy: true,
  headlineRobust: true,
  verdict: true,
  failureReason: true,
  scheduleId: true,
} satisfies Prisma.EvaluationSelect;

async function modelNames(teamId: string, rows: { modelId: string }[]) {
  const models = await db.model.findMany({ where: { teamId, id: { in: [...new Set(rows.map((r) => r.modelId))] } }, select: { id: true, name: true } });
  return new Map(models.map((m) => [m.id, m.name]));
}

export async function getEvaluation(ctx: TeamContext, number: number) {
  if (!Number.isSafeInteger(number) || number < 1) throw new NotFoundError("This evaluation");
  const ev = await db.evaluation.findFirst({ where: { teamId: ctx.team.id, number }, include: { shards: { orderBy: { index: "asc" }, omit: { result: true } } } });
  if (!ev) throw new NotFoundError("This evaluation");
  const [mv, dv, model, alerts] = await Promise.all([
    db.modelVersion.findFirst({ where: { id: ev.modelVersionId, teamId: ctx.team.id }, select: { id: true, version: true, manifestDigest: true, card: true, riskTier: true } }),
    db.datasetVersion.findFirst({ where: { id: ev.datasetVersionId, teamId: ctx.team.id }, select: { id: true, version: true, tensorDigest: true, datasetId: true, dataset: { select: { name: true } } } }),
    db.model.findFirst({ where: { id: ev.modelId, teamId: ctx.team.id }, select: { id: true, name: true } }),
    db.regressionAlert.findMany({ where: { teamId: ctx.team.id, evaluationId: ev.id } }),
  ]);
  const previous = ev.previousEvaluationId ? await db.evaluation.findFirst({ where: { id: ev.previousEvaluationId, teamId: ctx.team.id }, select: { number: true } }) : null;
  return { ev, mv, dv, model, alerts, previous };
}

/** Live progress for the page's poller: shards, work units, rate and ETA. */
export async function evaluationProgress(ctx: TeamContext, number: number) {
  if (!Number.isSafeInteger(number) || number < 1) throw new NotFoundError("This evaluation");
  const ev = await db.evaluation.findFirst({
    where: { teamId: ctx.team.id, number },
    select: { id: true, status: true, shardCount: true, shardsDone: true, sampleCount: true, startedAt: true, finishedAt: true, failureReason: true, cancelledByLabel: true, shards: { orderBy: { index: "asc" }, select: { index: true, status: true, progressDone: true, progressTotal: true, start: true, end: true, workerId: true, attempts: true, error: true, durationMs: true } } },
  });
  if (!ev) throw new NotFoundError("This evaluation");
  let fraction = 0;
  // Shards are weighted by their width (work units; for robustness the samples, summing to sampleCount).
  const width = ev.shards.reduce((a, s) => a + (s.end - s.start), 0);
  for (const s of ev.shards) {
    const w = (s.end - s.start) / Math.max(1, width);
    fraction += s.status === "DONE" ? w : s.status === "RUNNING" && s.progressTotal > 0 ? (w * s.progressDone) / s.progressTotal : 0;
  }
  if (ev.status === "COMPLETED") fraction = 1;
  const elapsed = ev.startedAt ? ((ev.finishedAt ?? new Date()).getTime() - ev.startedAt.getTime()) / 1000 : 0;
  const samplesPerSecond = elapsed > 0 ? (fraction * ev.sampleCount) / elapsed : null;
  const etaSeconds = samplesPerSecond && fraction > 0.02 && ev.status === "RUNNING" ? ((1 - fraction) * ev.sampleCount) / samplesPerSecond : null;
  return { status: ev.status, fraction, shardsDone: ev.shardsDone, shardCount: ev.shardCount, samplesPerSecond, etaSeconds, elapsedSeconds: elapsed, failureReason: ev.failureReason, cancelledBy: ev.cancelledByLabel, shards: ev.shards };
}
