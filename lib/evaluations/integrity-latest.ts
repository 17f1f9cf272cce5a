import { db } from "../db/client";
import type { TeamScope } from "../teams/context";

/**
 * The newest integrity scan of a dataset version (as the training data scanned), for the dataset page: its
 * status and, once completed, the E15 figures. Scoped by the team inside the query; null when none.
 */
export async function latestIntegrityScanOf(ctx: TeamScope, datasetVersionId: string) {
  const ev = await db.evaluation.findFirst({
    where: { teamId: ctx.team.id, kind: "integrity", datasetVersionId },
    orderBy: { number: "desc" },
    select: { id: true, number: true, status: true, createdAt: true, finishedAt: true, verdict: true, evidence: true, modelId: true, modelVersionId: true },
  });
  if (!ev) return null;
  const [mv, model] = await Promise.all([
    db.modelVersion.findFirst({ where: { id: ev.modelVersionId, teamId: ctx.team.id }, select: { version: true } }),
    db.model.findFirst({ where: { id: ev.modelId, teamId: ctx.team.id }, select: { name: true } }),
  ]);
  const e = ((ev.evidence ?? {}) as { metrics?: { evidence?: { suspectedMislabelShare?: number | null; flaggedClasses?: string[]; liveBackdoors?: string[]; leakageGroups?: number | null; samples?: number } } }).metrics?.evidence ?? null;
  return { number: ev.number, status: ev.status, createdAt: ev.createdAt, finishedAt: ev.finishedAt, verdict: ev.verdict, model: model && mv ? `${model.name} v${mv.version}` : "a deleted model", evidence: e };
}
