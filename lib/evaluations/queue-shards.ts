import { db } from "../db/client";
import { getQueue, QUEUES } from "../jobs/queue";
import type { ShardJob } from "../jobs/payloads";

/**
 * Queues one job per shard of a just-created evaluation (any kind). If the queue refuses, the evaluation is
 * marked failed with the reason, so no evaluation waits forever for shards nobody will run.
 * Someone waiting at the screen goes before scheduled and seeded runs (higher priority runs first).
 */
export async function queueEvaluationShards(evaluation: { id: string; teamId: string; shards: { id: string }[] }, priority = 0): Promise<void> {
  try {
    const boss = await getQueue();
    await boss.insert(
      QUEUES.shard,
      evaluation.shards.map((s) => ({ data: { teamId: evaluation.teamId, evaluationId: evaluation.id, shardId: s.id } satisfies ShardJob, singletonKey: s.id, priority })),
    );
  } catch (e) {
    await db.evaluation.update({ where: { id: evaluation.id }, data: { status: "FAILED", failureReason: `Could not queue the shards: ${(e as Error).message}`, finishedAt: new Date() } });
    throw e;
  }
}
