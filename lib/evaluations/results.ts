import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
import type { ExampleRecord } from "../engine/shard";
import type { ShardOutput } from "./shard-io";

/** All per-example records of a team's completed evaluation, in index order (for downloads). */
export async function evaluationRecords(ctx: TeamContext, number: number): Promise<{ evaluation: { id: string; number: number; metrics: unknown; reliability: unknown; provenance: unknown; suite: unknown; comparison: unknown }; records: ExampleRecord[]; classLabels: string[] }> {
  if (!Number.isSafeInteger(number) || number < 1) throw new NotFoundError("This evaluation");
  const ev = await db.evaluation.findFirst({ where: { teamId: ctx.team.id, number }, include: { shards: { select: { result: true } } } });
  if (!ev) throw new NotFoundError("This evaluation");
  if (ev.status !== "COMPLETED") throw new NotFoundError("Results of this evaluation");
  // Per-example attack records exist for robustness evaluations only; other kinds answer with their metrics.
  if (ev.kind !== "robustness") throw new NotFoundError(`Per-example attack records of this ${ev.kind} evaluation`);
  const mv = await db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ctx.team.id }, select: { card: true } });
  const records = ev.shards.flatMap((s) => (s.result as unknown as ShardOutput).records).sort((a, b) => a.index - b.index);
  return {
    evaluation: { id: ev.id, number: ev.number, metrics: ev.metrics, reliability: ev.reliability, provenance: ev.provenance, suite: ev.suite, comparison: ev.comparison },
    records,
    classLabels: (mv.card as { classLabels: string[] }).classLabels,
  };
}
