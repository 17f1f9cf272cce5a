import { afterAll, afterEach, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { resetEnvCache } from "../env";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { createReport } from "../reports";
import { useTempStore } from "../registry/test-helpers";
import { getQueue, startQueue, stopQueue } from "./queue";
import { JOB_NAMES, JOBS, JobPayloadError, runJob, send, type JobName } from "./catalog";

// The job catalog against the real queue: options follow the configuration on every start, a job is sent in
// the caller's transaction and checked against its schema, and jobs queued by the previous release still run.

useTempStore();
const savedTimeout = process.env.BULWARK_SHARD_TIMEOUT_MIN;
afterEach(() => {
  if (savedTimeout === undefined) delete process.env.BULWARK_SHARD_TIMEOUT_MIN;
  else process.env.BULWARK_SHARD_TIMEOUT_MIN = savedTimeout;
  resetEnvCache();
});
afterAll(() => stopQueue());

const jobsIn = async (name: string, field: string, value: string) =>
  Number((await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND data->>'${field}' = $2`, name, value))[0]!.n);

describe("queue options", () => {
  it("follow the configuration on every start, not only the first", async () => {
    const shardQueue = JOBS.shard.name;
    process.env.BULWARK_SHARD_TIMEOUT_MIN = "10";
    resetEnvCache();
    const first = await startQueue(testDatabaseUrl, { supervise: false });
    expect((await first.getQueue(shardQueue))?.expireInSeconds).toBe(10 * 60 + 120);
    // Something an older release (or an operator) wrote, which the configuration does not say.
    await first.updateQueue(JOBS.aggregate.name, { retryLimit: 1, heartbeatSeconds: 30 });
    await first.stop({ graceful: false, close: true });

    // The operator raises the shard time limit, as the runner's own error message tells them to, and restarts.
    process.env.BULWARK_SHARD_TIMEOUT_MIN = "45";
    resetEnvCache();
    const second = await startQueue(testDatabaseUrl, { supervise: false });
    try {
      expect((await second.getQueue(shardQueue))?.expireInSeconds).toBe(45 * 60 + 120);
      const aggregate = await second.getQueue(JOBS.aggregate.name);
      expect([aggregate?.retryLimit, aggregate?.heartbeatSeconds]).toEqual([JOBS.aggregate.queue().retryLimit, JOBS.aggregate.queue().heartbeatSeconds]);
      expect((await second.getQueue(shardQueue))?.deadLetter).toBe(JOBS.shardDead.name);
      // A job sent now carries the new expiry.
      const team = await makeTeam("options");
      await db.$transaction((tx) => send(tx, "shard", { teamId: team.team.id, evaluationId: "e-options", shardId: "s-options" }));
      const [job] = await second.findJobs(shardQueue, { data: { evaluationId: "e-options" } });
      expect(job?.expireInSeconds).toBe(45 * 60 + 120);
    } finally {
      await second.stop({ graceful: false, close: true });
    }
  });
});

describe("wake-up on commit", () => {
  it("every queue sends a NOTIFY, and a listening worker takes a job at commit, long before its next poll", { timeout: 60_000 }, async () => {
    const listening = await startQueue(testDatabaseUrl, { supervise: false, listen: true });
    try {
      for (const k of JOB_NAMES) expect((await listening.getQueue(JOBS[k].name))?.notify, k).toBe(true);
      const team = await makeTeam("notify");
      const taken = new Promise<unknown>((resolve) => {
        // A 60 s poll: only the NOTIFY can bring this job in before the test's 30 s wait ends.
        void listening.work(JOBS.webhook.name, { pollingIntervalSeconds: 60, notifyPollingIntervalSeconds: 60 }, async ([job]) => resolve(job!.data));
      });
      // Past the worker's first fetch at start, so the job can only arrive by the NOTIFY.
      await new Promise((r) => setTimeout(r, 1_000));
      const payload = { teamId: team.team.id, event: "evaluation.completed", payload: { evaluationId: "e-notify", number: 7 } };
      await db.$transaction((tx) => send(tx, "webhook", payload));
      const got = await Promise.race([taken, new Promise((r) => setTimeout(() => r("not taken within 30 s"), 30_000))]);
      expect(got).toEqual(payload);
    } finally {
      await listening.stop({ graceful: false, close: true });
    }
  });
});

describe("send", () => {
  it("queues in the caller's transaction: rolled back with it, committed with it", async () => {
    const team = await makeTeam("send");
    await expect(
      db.$transaction(async (tx) => {
        await tx.teamSettings.create({ data: { teamId: team.team.id, regressionTolerancePp: 3 } });
        await send(tx, "report", { teamId: team.team.id, reportId: "r-rolled-back" });
        throw new Error("crash after the send, before the commit");
      }),
    ).rejects.toThrow("crash after the send");
    expect(await db.teamSettings.findUnique({ where: { teamId: team.team.id } })).toBeNull();
    expect(await jobsIn(JOBS.report.name, "reportId", "r-rolled-back")).toBe(0);

    await db.$transaction((tx) => send(tx, "report", { teamId: team.team.id, reportId: "r-committed" }));
    expect(await jobsIn(JOBS.report.name, "reportId", "r-committed")).toBe(1);
  });

  it("refuses a payload that does not match the job's schema, and queues nothing", async () => {
    const team = await makeTeam("refuse");
    const bad = { teamId: team.team.id, evaluationId: "" };
    // @ts-expect-error the aggregate job has no shardId, and send's types say so too
    const wrongShape = () => db.$transaction((tx) => send(tx, "aggregate", { teamId: team.team.id, evaluationId: "e1", shardId: 3 }));
    await expect(db.$transaction((tx) => send(tx, "aggregate", bad))).rejects.toThrow(JobPayloadError);
    await expect(db.$transaction((tx) => send(tx, "aggregate", bad))).rejects.toThrow(/evaluationId/);
    await expect(db.$transaction((tx) => send(tx, "aggregate", [{ teamId: team.team.id, evaluationId: "ok" }, bad]))).rejects.toThrow(JobPayloadError);
    expect(await jobsIn(JOBS.aggregate.name, "teamId", team.team.id)).toBe(0);
    expect(typeof wrongShape).toBe("function");
  });
});

/**
 * One payload per job exactly as the previous release serialised it (lib/jobs/payloads.ts before the catalog).
 * Jobs still in the queue at an upgrade are run by the new code; a schema change that cannot read these
 * breaks them. A new job adds its payload here (the type makes it required).
 */
const PREVIOUS_RELEASE: Record<JobName, Record<string, unknown>> = {
  shard: { teamId: "t1", evaluationId: "e1", shardId: "s1" },
  shardDead: { teamId: "t1", evaluationId: "e1", shardId: "s1" },
  aggregate: { teamId: "t1", evaluationId: "e1" },
  scheduleFire: { teamId: "t1", scheduleId: "sc1" },
  webhook: { teamId: "t1", event: "evaluation.completed", payload: { evaluationId: "e1", number: 1 } },
  report: { teamId: "t1", reportId: "r1" },
  harden: { teamId: "t1", runId: "h1" },
};

describe("jobs queued by the previous release", () => {
  it("every job's previous payload still parses under today's schema", () => {
    for (const k of JOB_NAMES) expect(JOBS[k].schema.safeParse(PREVIOUS_RELEASE[k]).success, k).toBe(true);
  });

  it("a report job serialised by the previous release, taken from the queue, still runs", { timeout: 120_000 }, async () => {
    const team = await makeTeam("upgrade");
    const report = await createReport(team.ctx("REVIEWER"), {});
    // Drop the job createReport queued and put back one written as the previous release wrote it, raw JSON.
    const boss = await getQueue();
    await db.$executeRawUnsafe(`DELETE FROM pgboss.job WHERE name = $1`, JOBS.report.name);
    await boss.insert(JOBS.report.name, [{ data: { ...PREVIOUS_RELEASE.report, teamId: team.team.id, reportId: report.id } }]);
    const [job] = await boss.fetch(JOBS.report.name);
    expect(job).toBeDefined();
    const said = await runJob("report", job!.data, { retryCount: 0, retryLimit: 2 }, { workerId: "test", executeShard: () => Promise.reject(new Error("no shards here")) });
    expect(said).toBe(`report ${report.id}: generated`);
    expect((await db.report.findUniqueOrThrow({ where: { id: report.id } })).status).toBe("DRAFT");
  });
});
