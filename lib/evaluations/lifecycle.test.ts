import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { useSeededTeam } from "../../test/seeded-team";
import { testDatabaseUrl } from "../../test/db-per-file";
import { workerPool } from "../../test/workers";
import { useTempStore } from "../registry/test-helpers";
import { createEvaluation } from "./create";
import { cancelEvaluation } from "./manage";
import { acknowledgeAlert } from "./webhook";
import { verifyTeamChain } from "../audit/log";
import { systemContext } from "../teams/context";

// The real thing: worker processes (pg-boss on this test's PostgreSQL), engine child processes,
// the demo CNN and the demo MNIST evaluation split.

const { dir } = useTempStore();
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

const finished = (id: string) =>
  waitFor(`evaluation ${id} to finish`, async () => {
    const e = await db.evaluation.findUniqueOrThrow({ where: { id } });
    return ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
  });

const seeded = useSeededTeam("evals", stopWorkers);

const input = (over: Record<string, unknown> = {}) => ({
  modelVersionId: seeded.modelVersionId,
  datasetVersionId: seeded.datasetVersionId,
  preset: "quick" as const,
  sampleCount: 60,
  seed: 11,
  shardSize: 20,
  linfEpsilons: [0.1, 0.3],
  customSuite: undefined,
  ...over,
});

let workerB: ReturnType<typeof startWorker> | undefined;

describe("evaluation lifecycle on real workers", () => {
  it("survives a worker killed mid-shard with metrics identical to an uninterrupted run", { timeout: 900_000 }, async () => {
    const ctx = seeded.team.ctx("ENGINEER");
    // Uninterrupted reference run on one worker (B). It stays up for the crash run and the next test: every
    // worker start is a process and, at its first shard, an engine process loading TensorFlow.
    workerB = startWorker();
    const ref = await createEvaluation(ctx, input());
    const refDone = await finished(ref.id);
    expect(refDone.status).toBe("COMPLETED");

    // Same evaluation on two workers (B and a new A, ready before it is queued); A is killed while it holds a
    // running shard.
    const a = startWorker();
    const idA = await a.id;
    const crash = await createEvaluation(ctx, input());
    const victim = await waitFor("a shard running on worker A", () =>
      db.evaluationShard.findFirst({ where: { evaluationId: crash.id, workerId: idA, status: "RUNNING", progressDone: { gt: 0 } } }),
    );
    a.child.kill("SIGKILL");
    const crashDone = await finished(crash.id);
    expect(crashDone.status).toBe("COMPLETED");

    const shards = await db.evaluationShard.findMany({ where: { evaluationId: crash.id }, orderBy: { index: "asc" } });
    expect(shards.every((s) => s.status === "DONE")).toBe(true);
    expect(crashDone.shardsDone).toBe(crashDone.shardCount);
    const retried = shards.find((s) => s.id === victim.id)!;
    expect(retried.attempts).toBeGreaterThanOrEqual(2);
    expect(retried.workerId).not.toBe(idA);
    // No example counted twice: every sample appears exactly once across shard results.
    const indices = shards.flatMap((s) => (s.result as { records: { index: number }[] }).records.map((r) => r.index));
    expect(indices).toHaveLength(crashDone.sampleCount);
    expect(new Set(indices).size).toBe(crashDone.sampleCount);
    expect(crashDone.metrics).toEqual(refDone.metrics);
    expect(crashDone.verdict).toBe(refDone.verdict);
    // The second run compared itself with the first: same numbers, no regression alert.
    expect(crashDone.previousEvaluationId).toBe(ref.id);
    expect(await db.regressionAlert.count({ where: { evaluationId: crash.id } })).toBe(0);
    expect((await verifyTeamChain(systemContext(seeded.team.team.id, "job"))).intact).toBe(true);
  });

  it("raises a regression alert when robust accuracy drops between runs, and a reviewer acknowledges it", { timeout: 900_000 }, async () => {
    // Measured, not constructed: the adversarially trained v2 first, then the standard v1 on the same
    // samples and suite (as when a retrained model silently loses its robustness). On the worker left running
    // by the test above (worker B); one is started if that test did not leave one.
    const versions = await db.modelVersion.findMany({ where: { teamId: seeded.team.team.id }, orderBy: { version: "asc" } });
    expect(versions.length).toBeGreaterThanOrEqual(2);
    if (!workerB || workerB.child.exitCode !== null || workerB.child.signalCode) startWorker();
    const robust = await createEvaluation(seeded.team.ctx("ENGINEER"), input({ modelVersionId: versions[1]!.id, seed: 5 }));
    expect((await finished(robust.id)).status).toBe("COMPLETED");
    const weaker = await createEvaluation(seeded.team.ctx("ENGINEER"), input({ modelVersionId: versions[0]!.id, seed: 5 }));
    const done = await finished(weaker.id);
    expect(done.status).toBe("COMPLETED");
    expect(done.previousEvaluationId).toBe(robust.id);
    const alert = await db.regressionAlert.findFirstOrThrow({ where: { evaluationId: weaker.id } });
    expect(alert.summary).toMatch(/robust accuracy fell by \d+\.\d points/);
    expect(alert.previousEvaluationId).toBe(robust.id);
    await expect(acknowledgeAlert(seeded.team.ctx("ENGINEER"), { alertId: alert.id, note: "expected" })).rejects.toThrow(/role/);
    await acknowledgeAlert(seeded.team.ctx("REVIEWER"), { alertId: alert.id, note: "v1 is the pre-hardening model; kept out of production" });
    const acked = await db.regressionAlert.findUniqueOrThrow({ where: { id: alert.id } });
    expect(acked.acknowledgedByLabel).toBe(seeded.team.users.REVIEWER.email);
    const actions = (await db.auditEvent.findMany({ where: { teamId: seeded.team.team.id }, select: { action: true } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["regression.detect", "alert.acknowledge"]));
    // Other examples (a smaller sample): not compared, so no alert from sampling noise.
    const fewer = await finished((await createEvaluation(seeded.team.ctx("ENGINEER"), input({ modelVersionId: versions[0]!.id, seed: 5, sampleCount: 20 }))).id);
    expect(fewer.status).toBe("COMPLETED");
    expect(fewer.previousEvaluationId).toBeNull();
    expect(await db.regressionAlert.count({ where: { evaluationId: fewer.id } })).toBe(0);
    // The worker's heartbeat names the backend its engine processes loaded, not the preference ("auto").
    const ranOn = (await db.evaluationShard.findFirstOrThrow({ where: { evaluationId: weaker.id } })).backend!.split(" ")[0];
    await waitFor("the heartbeat to name the backend", async () => (await db.workerHeartbeat.findMany()).some((h) => h.backend === ranOn));
    expect(["tensorflow", "wasm", "cpu"]).toContain(ranOn);
    await stopWorkers();
  });

  it("ends an evaluation as failed, with the reason, when a shard always fails", { timeout: 900_000 }, async () => {
    // A memory limit no TensorFlow.js process fits in: every attempt is killed by the limit.
    startWorker({ BULWARK_SHARD_MEMORY_MB: "128" });
    const ev = await createEvaluation(seeded.team.ctx("ENGINEER"), input({ sampleCount: 20, shardSize: 20 }));
    const done = await finished(ev.id);
    expect(done.status).toBe("FAILED");
    expect(done.failureReason).toMatch(/Shard 1 of 1 failed after 3 attempts: the model needs more than 128 MiB of memory/);
    const shard = await db.evaluationShard.findFirstOrThrow({ where: { evaluationId: ev.id } });
    expect(shard.status).toBe("FAILED");
    expect(shard.attempts).toBe(3);
    await stopWorkers();
  });

  it("cancels: records who cancelled, and no shard result lands afterwards", { timeout: 900_000 }, async () => {
    const ctx = seeded.team.ctx("ENGINEER");
    const ev = await createEvaluation(ctx, input({ sampleCount: 60, shardSize: 20 }));
    await cancelEvaluation(ctx, ev.id);
    startWorker();
    const done = await finished(ev.id);
    expect(done.status).toBe("CANCELLED");
    expect(done.cancelledByLabel).toBe(seeded.team.users.ENGINEER.email);
    // Give the worker time to drain the queued shard jobs: each is dropped, none runs.
    await waitFor("shards to be dropped", async () => (await db.evaluationShard.count({ where: { evaluationId: ev.id, status: "CANCELLED" } })) === 3);
    expect(await db.evaluationShard.count({ where: { evaluationId: ev.id, status: "DONE" } })).toBe(0);
    await expect(cancelEvaluation(ctx, ev.id)).rejects.toThrow(/nothing to cancel/);
    // Viewers cannot cancel, other teams cannot see it.
    const other = await makeTeam("other");
    await expect(cancelEvaluation(other.ctx("ADMIN"), ev.id)).rejects.toThrow(/not found/);
    await expect(cancelEvaluation(seeded.team.ctx("VIEWER"), ev.id)).rejects.toThrow(/role/);
    await stopWorkers();
  });
});
