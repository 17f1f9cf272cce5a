import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { useTempStore } from "../registry/test-helpers";
import { useTeamWithDemoModel } from "../operations/test-helpers";
import { createEvaluation } from "./create";
import { runShardJob, type ShardExecutor } from "./run";
import type { ShardOutput } from "./shard-io";

// Shards of one evaluation landing at the same moment (several workers finishing together): every landing is
// counted, and exactly one of them starts the aggregate step. The engine is replaced by an executor that
// returns at once, so the landings really overlap; everything else (database, queue, run.ts) is real.

useTempStore();
const demo = useTeamWithDemoModel("landing");

describe("landing shard results", () => {
  it("counts every shard when the last ones land together, and starts the aggregate step once", { timeout: 120_000 }, async () => {
    for (let round = 0; round < 3; round++) {
      const ev = await createEvaluation(demo.team.ctx("ENGINEER"), { modelVersionId: demo.modelVersionId, datasetVersionId: demo.datasetVersionId, preset: "quick", sampleCount: 48, seed: round, shardSize: 6, linfEpsilons: [0.1], customSuite: undefined });
      const shards = await db.evaluationShard.findMany({ where: { evaluationId: ev.id }, orderBy: { index: "asc" } });
      expect(shards).toHaveLength(8);
      // Every executor waits until all eight have started, then all return together.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let started = 0;
      const execute: ShardExecutor = async () => {
        if (++started === shards.length) release();
        await gate;
        const output = { records: [], backend: { backend: "cpu", tfjsVersion: "test" }, timings: {}, gradientStats: {}, gallery: [] };
        return output as unknown as ShardOutput;
      };
      const results = await Promise.all(shards.map((s) => runShardJob({ teamId: demo.team.team.id, evaluationId: ev.id, shardId: s.id }, { workerId: `w${s.index}`, retryCount: 0, retryLimit: 2 }, execute)));
      expect(results).toEqual(shards.map(() => "done"));
      const after = await db.evaluation.findUniqueOrThrow({ where: { id: ev.id } });
      expect(after.shardsDone, `round ${round}`).toBe(8);
      expect(after.status).toBe("AGGREGATING");
      const jobs = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = 'evaluation-aggregate' AND data->>'evaluationId' = ${ev.id}`;
      expect(Number(jobs[0]!.n)).toBe(1);
    }
  });
});
