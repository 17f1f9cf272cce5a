import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { db } from "./db/client";
import { checkHealth } from "./health";

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
});
