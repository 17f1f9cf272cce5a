import type { Tx } from "../db/client";
import { send } from "../jobs/catalog";

/**
 * Queues one job per shard of an evaluation being created (any kind), in the transaction that creates it:
 * if the queue refuses, the evaluation is not created either, so none waits for shards nobody will run.
 * Someone waiting at the screen goes before scheduled and seeded runs (higher priority runs first).
 */
export async function queueEvaluationShards(tx: Tx, evaluation: { id: string; teamId: string; shards: { id: string }[] }, priority = 0): Promise<void> {
  await send(
    tx,
    "shard",
    evaluation.shards.map((s) => ({ teamId: evaluation.teamId, evaluationId: evaluation.id, shardId: s.id })),
    { singletonKey: (j) => j.shardId, priority },
  );
}
