import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { getQueue } from "../jobs/queue";
import { createQueues, JOBS, runJob } from "../jobs/catalog";
import { useTempStore } from "../registry/test-helpers";
import { useTeamWithDemoModel } from "../operations/test-helpers";
import { createEvaluation } from "./create";
import { AGGREGATE_ROUNDS, sweepStuckEvaluations } from "./run";

// Crash and poison semantics of an evaluation's jobs, on the real database and queue: the shards are queued in
// the transaction that creates the evaluation, and an aggregate step that fails every time ends the evaluation
// FAILED with the reason instead of being sent again forever.

useTempStore();
const demo = useTeamWithDemoModel("run");
const input = () => ({ modelVersionId: demo.modelVersionId, datasetVersionId: demo.datasetVersionId, preset: "quick" as const, sampleCount: 12, seed: 1, shardSize: 6, linfEpsilons: [0.1], customSuite: undefined });
const noTools = { workerId: "test", executeShard: () => Promise.reject(new Error("no engine in this test")) };

/** An evaluation whose aggregate step fails every time: AGGREGATING, but its shards never landed. */
async function poisoned() {
  const ev = await createEvaluation(demo.team.ctx("ENGINEER"), input());
  await db.$executeRawUnsafe(`DELETE FROM pgboss.job WHERE data->>'evaluationId' = $1`, ev.id);
  await db.evaluation.update({ where: { id: ev.id }, data: { status: "AGGREGATING" } });
  return ev;
}

describe("creating an evaluation", () => {
  it("when the queue refuses the shards, leaves neither the evaluation nor a job", async () => {
    const boss = await getQueue();
    const before = await db.evaluation.count({ where: { teamId: demo.team.team.id } });
    await boss.deleteQueue(JOBS.shard.name);
    try {
      await expect(createEvaluation(demo.team.ctx("ENGINEER"), input())).rejects.toThrow();
    } finally {
      await createQueues(boss);
    }
    expect(await db.evaluation.count({ where: { teamId: demo.team.team.id } })).toBe(before);
    expect(await db.auditEvent.count({ where: { teamId: demo.team.team.id, action: "evaluation.create" } })).toBe(before);
    const jobs = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND data->>'teamId' = $2`, JOBS.shard.name, demo.team.team.id);
    expect(Number(jobs[0]!.n)).toBe(0);
    // And with the queue back, the same request creates the evaluation with one job per shard.
    const ev = await createEvaluation(demo.team.ctx("ENGINEER"), input());
    const queued = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND data->>'evaluationId' = $2`, JOBS.shard.name, ev.id);
    expect(Number(queued[0]!.n)).toBe(2);
  });
});

describe("a poison aggregate step", () => {
  it("fails the evaluation with the reason on its last attempt", async () => {
    const ev = await poisoned();
    const job = { teamId: demo.team.team.id, evaluationId: ev.id };
    await expect(runJob("aggregate", job, { retryCount: 0, retryLimit: 5 }, noTools)).rejects.toThrow("aggregate started before every shard landed");
    expect((await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } })).status).toBe("AGGREGATING");
    expect(await runJob("aggregate", job, { retryCount: 5, retryLimit: 5 }, noTools)).toBe(`aggregate evaluation ${ev.id}: failed`);
    const after = await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } });
    expect(after.status).toBe("FAILED");
    expect(after.failureReason).toBe("The aggregate step failed after 6 attempts: aggregate started before every shard landed");
  });

  it("that kills its worker every time is sent again by the sweep only so often, then fails the evaluation with the last error", { timeout: 60_000 }, async () => {
    const boss = await getQueue();
    const ev = await poisoned();
    // Each round: the sweep notices the evaluation AGGREGATING with no aggregate job and sends one; the job's
    // worker dies on every attempt (here: its retries are used up at once), so the job ends failed.
    await boss.updateQueue(JOBS.aggregate.name, { retryLimit: 0 });
    try {
      await sweepStuckEvaluations(boss); // first sight
      for (let round = 1; round <= AGGREGATE_ROUNDS; round++) {
        await sweepStuckEvaluations(boss);
        const [job] = await boss.fetch(JOBS.aggregate.name);
        expect(job?.data, `round ${round}`).toEqual({ teamId: demo.team.team.id, evaluationId: ev.id });
        await boss.fail(JOBS.aggregate.name, job!.id, { message: `worker lost in round ${round}` });
        expect((await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } })).status).toBe("AGGREGATING");
      }
      await sweepStuckEvaluations(boss);
    } finally {
      await createQueues(boss);
    }
    const after = await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } });
    expect(after.status).toBe("FAILED");
    expect(after.failureReason).toBe(`The aggregate step did not complete in ${AGGREGATE_ROUNDS} jobs, each retried; it is not tried again. Last error: worker lost in round ${AGGREGATE_ROUNDS}`);
    // Nothing more is sent for it.
    await sweepStuckEvaluations(boss);
    await sweepStuckEvaluations(boss);
    expect(await boss.findJobs(JOBS.aggregate.name, { key: ev.id })).toHaveLength(AGGREGATE_ROUNDS);
  });
});
