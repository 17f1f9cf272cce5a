import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "./db/client";
import { checkHealth } from "./health";
import { HEARTBEAT_SECONDS, WORKER_ALIVE_SECONDS } from "./jobs/constants";
import { beat } from "../workers/heartbeat";

// Worker liveness as /api/health reports it, on a real database.

afterEach(async () => {
  await db.workerHeartbeat.deleteMany({});
});

describe("checkHealth", () => {
  it("does not count a crashed worker of this machine that beat moments ago (one was restarted in its place)", async () => {
    // A process that has exited: its pid is free (a crashed worker).
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"]).stdout.toString().trim();
    const now = new Date();
    await db.workerHeartbeat.createMany({
      data: [
        { id: "crashed", hostname: hostname(), pid: Number(gone), startedAt: now, lastSeenAt: now, backend: "cpu", concurrency: 1 },
        { id: "restarted", hostname: hostname(), pid: process.pid, startedAt: now, lastSeenAt: now, backend: "cpu", concurrency: 1 },
      ],
    });
    expect((await checkHealth()).workers.alive).toBe(1);
  });

  it("counts a worker on another machine by its heartbeat alone", async () => {
    const now = new Date();
    await db.workerHeartbeat.create({ data: { id: "remote", hostname: `${hostname()}-elsewhere`, pid: 1, startedAt: now, lastSeenAt: now, backend: "cpu", concurrency: 1 } });
    expect(await checkHealth()).toMatchObject({ status: "ok", workers: { alive: 1 } });
  });

  it("a crashed worker on another machine counts for at most 15 s after its last beat (one seen 20 s ago does not), and health says when it was last seen", async () => {
    expect(WORKER_ALIVE_SECONDS).toBe(15);
    expect(WORKER_ALIVE_SECONDS).toBe(HEARTBEAT_SECONDS * 3);
    const elsewhere = `${hostname()}-elsewhere`;
    // Written with the database's clock, as the worker's own beat does.
    const at = async (id: string, secondsAgo: number) =>
      db.$executeRaw`INSERT INTO "WorkerHeartbeat" (id, hostname, pid, "startedAt", "lastSeenAt", concurrency) VALUES (${id}, ${elsewhere}, 1, now(), (now() AT TIME ZONE 'UTC') - make_interval(secs => ${secondsAgo}), 1)`;
    await at("seen-10s-ago", 10);
    await at("seen-20s-ago", 20);
    const h = await checkHealth();
    // Ages grow while the test runs (a loaded machine may take seconds), hence ranges.
    expect(h).toMatchObject({ status: "ok", workers: { alive: 1, aliveWindowSeconds: 15 } });
    expect(h.workers.lastSeenSecondsAgo).toHaveLength(1);
    expect(h.workers.lastSeenSecondsAgo[0]).toBeGreaterThanOrEqual(10);
    expect(h.workers.lastSeenSecondsAgo[0]).toBeLessThanOrEqual(15);
    await db.workerHeartbeat.delete({ where: { id: "seen-10s-ago" } });
    const after = await checkHealth();
    expect(after).toMatchObject({ status: "degraded", workers: { alive: 0, lastSeenSecondsAgo: [] } });
    expect(after.workers.newestHeartbeatAgeSeconds).toBeGreaterThanOrEqual(20);
  });

  it("a worker's beat is dated by the database, so it reads as just seen whatever the worker machine's clock says", async () => {
    await beat("this-worker", new Date(0), "cpu", 1);
    const h = await checkHealth();
    expect(h.workers.alive).toBe(1);
    expect(h.workers.lastSeenSecondsAgo[0]).toBeLessThanOrEqual(1);
    await beat("this-worker", new Date(0), "cpu", 2);
    expect(await db.workerHeartbeat.findUniqueOrThrow({ where: { id: "this-worker" } })).toMatchObject({ concurrency: 2, pid: process.pid });
  });
});
