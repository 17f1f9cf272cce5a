import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureDatabaseUrl, db, disconnectDb } from "../lib/db/client";
import { runningPostmaster } from "../lib/db/embedded";
import { resetEnvCache } from "../lib/env";
import { stopQueue } from "../lib/jobs/queue";
import { LocalArtifactStore, setArtifactStore } from "../lib/registry/store";
import { seedDemoRegistry, DEMO_DATASETS } from "../lib/seed/registry";
import { createEvaluation } from "../lib/evaluations/create";
import { createReport, verifyPdf } from "../lib/reports";
import { renderReportPdf } from "../lib/reports/pdf";
import { sha256Hex } from "../lib/reports/hash";
import { ReportSnapshotSchema } from "../lib/reports/schemas";
import { verifyTeamChain } from "../lib/audit/log";
import { makeTeam } from "./fixtures";
import { systemContext } from "../lib/teams/context";
import { nodeArgs } from "../lib/process/entries";

// Faults, through the real supervisor (`npm start`: embedded PostgreSQL, web server, worker, engine
// processes) on a temporary data folder: SIGKILL of the web server, of the worker and of PostgreSQL,
// each while an evaluation runs and a report is being generated. After each kill the supervisor
// brings the process back; the evaluation then completes with exactly the metrics of an uninterrupted
// run of the same evaluation (same seed), the report completes with hashes that verify, nothing
// written before the kill is lost, and the team's audit chain verifies.

const freePort = () =>
  Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());

const dataDir = mkdtempSync(join(tmpdir(), "bulwark-faults-"));
const port = freePort();
const pgPort = freePort();
const supervisorEnv = {
  ...process.env,
  BULWARK_DATA_DIR: dataDir,
  PORT: String(port),
  BULWARK_PG_PORT: String(pgPort),
  NEXTAUTH_URL: `http://127.0.0.1:${port}`,
  DATABASE_URL: "",
  // One web process: each more is a Next.js process started for nothing here (CPU the suite shares).
  BULWARK_WEB_PROCESSES: "1",
  BULWARK_DEMO: "false",
  // Two job slots, so a shard and the report job run at the same time and one kill hits both.
  BULWARK_WORKER_CONCURRENCY: "2",
};

let supervisor: ChildProcess | undefined;
let output = "";
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once("exit", (code) => r(code))));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 600_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await fn().catch(() => null); // the database may be down for a moment: ask again
    if (v) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}\n--- supervisor output ---\n${output.slice(-4000)}`);
}

const dbUrl = () => `postgresql://postgres:${encodeURIComponent(readFileSync(join(dataDir, "pg-password"), "utf8").trim())}@127.0.0.1:${pgPort}/bulwark`;

/** One query on a fresh connection: survives the database being killed between calls. */
async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: dbUrl(), connectionTimeoutMillis: 2000 });
  c.on("error", () => {});
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end().catch(() => {});
  }
}

const pidOf = (name: "web" | "worker") => Number(readFileSync(join(dataDir, "run", `${name}.pid`), "utf8"));
const postmasterPid = () => Number(readFileSync(join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]);

async function webHealthy(): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/api/health`);
  return res.ok && ((await res.json()) as { database: { ok: boolean } }).database.ok;
}

let team: Awaited<ReturnType<typeof makeTeam>>;
let input: Parameters<typeof createEvaluation>[1];
let reference: { id: string; metrics: unknown; verdict: string | null };

beforeAll(async () => {
  supervisor = spawn(process.execPath, nodeArgs("scripts/start.ts"), { env: supervisorEnv, stdio: ["ignore", "pipe", "pipe"] });
  supervisor.stdout!.on("data", (d) => (output += d));
  supervisor.stderr!.on("data", (d) => (output += d));
  const early = exited(supervisor).then((code) => {
    throw new Error(`supervisor exited early (${code}):\n${output}`);
  });
  await Promise.race([until("the supervisor to be ready", async () => output.includes("Bulwark is running at"), 400_000), early]);
  early.catch(() => {});

  // This test process works on the supervisor's database and artifact store (the fixture is ours).
  process.env.BULWARK_DATA_DIR = dataDir;
  resetEnvCache();
  setArtifactStore(new LocalArtifactStore(join(dataDir, "artifacts")));
  await disconnectDb();
  configureDatabaseUrl(dbUrl());
  team = await makeTeam("faults");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id }, orderBy: { version: "asc" } });
  const dv = await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.team.id, dataset: { name: DEMO_DATASETS.eval } } });
  // 90 samples in 6 shards of 15 (3 rounds on two job slots): a shard is still running when the report job
  // starts (reports have a queue of their own and start within a second), which the kills wait for. The
  // property is about shards and jobs surviving a kill, not about the figures: 6 shards keep the 3 rounds of
  // the 180-sample version at half its engine work, run 4 times.
  input = { modelVersionId: mv.id, datasetVersionId: dv.id, preset: "quick", sampleCount: 90, seed: 42, shardSize: 15, linfEpsilons: [0.1, 0.3], customSuite: undefined };

  // The uninterrupted reference run.
  const ref = await createEvaluation(team.ctx("ENGINEER"), input);
  const done = await evaluationFinished(ref.id);
  expect(done.status).toBe("COMPLETED");
  reference = { id: ref.id, metrics: done.metrics, verdict: done.verdict };
}, 600_000);

afterAll(async () => {
  await stopQueue();
  await disconnectDb();
  if (supervisor && supervisor.exitCode === null) {
    supervisor.kill("SIGINT");
    await exited(supervisor);
  }
  // Kept for reading after a failure (CI artefact); the data folder itself is removed.
  writeFileSync(join(tmpdir(), "bulwark-faults-supervisor.log"), output);
  rmSync(dataDir, { recursive: true, force: true });
});

interface EvalRow {
  id: string;
  status: string;
  metrics: unknown;
  verdict: string | null;
  shardsDone: number;
  shardCount: number;
  sampleCount: number;
}
// Asked once a second (each ask is a new connection, a PostgreSQL backend and a password exchange): an
// evaluation takes a minute or more here, so closer polling only adds CPU.
const evaluationFinished = (id: string) =>
  until(`evaluation ${id} to finish`, async () => {
    const [e] = await query<EvalRow>(`SELECT id, status, metrics, verdict, "shardsDone", "shardCount", "sampleCount" FROM "Evaluation" WHERE id = $1`, [id]);
    return e && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status) ? e : null;
  }, 600_000, 1000);

interface Counts {
  audit: number;
  evaluations: number;
  reports: number;
  modelVersions: number;
  datasetVersions: number;
}
async function counts(): Promise<Counts> {
  const [r] = await query<Record<keyof Counts, string>>(
    `SELECT (SELECT count(*) FROM "AuditEvent" WHERE "teamId" = $1) AS audit, (SELECT count(*) FROM "Evaluation" WHERE "teamId" = $1) AS evaluations,
            (SELECT count(*) FROM "Report" WHERE "teamId" = $1) AS reports, (SELECT count(*) FROM "ModelVersion" WHERE "teamId" = $1) AS "modelVersions",
            (SELECT count(*) FROM "DatasetVersion" WHERE "teamId" = $1) AS "datasetVersions"`,
    [team.team.id],
  );
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as unknown as Counts;
}

/**
 * Starts an evaluation and a report, waits until a shard is mid-run and the report is being
 * generated, runs `kill`, waits for `recovered`, then checks that both complete and verify.
 */
async function killDuringWork(victim: string, kill: () => void, recovered: () => Promise<boolean>) {
  const ctx = team.ctx("ENGINEER");
  const ev = await createEvaluation(ctx, input);
  await until("a shard running with progress", async () => {
    const [s] = await query<{ id: string }>(`SELECT id FROM "EvaluationShard" WHERE "evaluationId" = $1 AND status = 'RUNNING' AND "progressDone" > 0`, [ev.id]);
    return s;
  }, 600_000, 50);
  const report = await createReport(ctx, { title: `Audit during a ${victim} kill` });
  // The report job takes about a second: poll closely so the kill lands while it is generating.
  const poller = new pg.Client({ connectionString: dbUrl() });
  await poller.connect();
  // The kill must find the report started and (for the worker) a shard in hand at the same moment.
  const reportState = await until("the report to be generating while a shard runs", async () => {
    const { rows } = await poller.query<{ status: string; running: string }>(
      `SELECT status, (SELECT count(*) FROM "EvaluationShard" WHERE "evaluationId" = $2 AND status = 'RUNNING') AS running FROM "Report" WHERE id = $1`,
      [report.id, ev.id],
    );
    if (rows[0]!.status === "QUEUED") return null;
    return victim !== "worker" || Number(rows[0]!.running) > 0 ? rows[0]!.status : null;
  }, 300_000, 10);
  await poller.end();
  const evState = (await query<{ status: string }>(`SELECT status FROM "Evaluation" WHERE id = $1`, [ev.id]))[0]!.status;
  const before = await counts();
  // This process lets go of its own connections, so the kill is all the system sees.
  await stopQueue();
  await disconnectDb();

  const runningAtKill = (await query<{ id: string; attempts: number }>(`SELECT id, attempts FROM "EvaluationShard" WHERE "evaluationId" = $1 AND status = 'RUNNING'`, [ev.id]));
  kill();
  await until(`the ${victim} to be back`, recovered, 300_000);

  const done = await evaluationFinished(ev.id);
  expect(done.status, `evaluation after the ${victim} kill`).toBe("COMPLETED");
  expect(done.metrics).toEqual(reference.metrics);
  expect(done.verdict).toBe(reference.verdict);
  expect(done.shardsDone).toBe(done.shardCount);
  // Each sample counted exactly once, whichever attempt landed.
  const shards = await query<{ status: string; result: { records: { index: number }[] }; attempts: number; id: string }>(
    `SELECT id, status, result, attempts FROM "EvaluationShard" WHERE "evaluationId" = $1 ORDER BY index`,
    [ev.id],
  );
  expect(shards.every((s) => s.status === "DONE")).toBe(true);
  const indices = shards.flatMap((s) => s.result.records.map((r) => r.index));
  expect(new Set(indices).size).toBe(done.sampleCount);
  expect(indices).toHaveLength(done.sampleCount);

  const r = await until(`report ${report.id} to be generated`, async () => {
    const [row] = await query<{ status: string; snapshotJson: string; snapshotSha256: string; draftPdfSha256: string; failureReason: string | null }>(
      `SELECT status, "snapshotJson", "snapshotSha256", "draftPdfSha256", "failureReason" FROM "Report" WHERE id = $1`,
      [report.id],
    );
    return row && row.status !== "QUEUED" && row.status !== "GENERATING" ? row : null;
  }, 600_000, 1000);
  expect(r.failureReason).toBeNull();
  expect(r.status).toBe("DRAFT");
  expect(sha256Hex(r.snapshotJson)).toBe(r.snapshotSha256);
  const files = await query<{ bytes: Buffer; sha256: string }>(`SELECT bytes, sha256 FROM "ReportFile" WHERE "reportId" = $1`, [report.id]);
  expect(files).toHaveLength(1);
  expect(sha256Hex(files[0]!.bytes)).toBe(r.draftPdfSha256);
  // The stored PDF is exactly what the frozen snapshot renders to.
  expect(sha256Hex(await renderReportPdf(ReportSnapshotSchema.parse(JSON.parse(r.snapshotJson)), { status: "draft" }))).toBe(r.draftPdfSha256);
  const verification = await verifyPdf(team.ctx("VIEWER"), { bytes: new Uint8Array(files[0]!.bytes) }, { reportId: report.id });
  expect(verification.match).toBe(true);
  expect(verification.report?.recordedInAuditLog).toBe(true);
  expect(verification.chain.intact).toBe(true);

  // Nothing committed before the kill is gone; the reference run is untouched.
  const after = await counts();
  for (const k of Object.keys(before) as (keyof Counts)[]) expect(after[k], k).toBeGreaterThanOrEqual(before[k]);
  const [ref] = await query<{ metrics: unknown; status: string }>(`SELECT metrics, status FROM "Evaluation" WHERE id = $1`, [reference.id]);
  expect(ref).toEqual({ metrics: reference.metrics, status: "COMPLETED" });
  expect((await verifyTeamChain(systemContext(team.team.id, "job"))).intact).toBe(true);
  return { shards, reportState, evState, runningAtKill };
}

describe("faults: SIGKILL of each process while an evaluation runs and a report is generated", () => {
  it("web server", { timeout: 1_500_000 }, async () => {
    const old = pidOf("web");
    const r = await killDuringWork("web server", () => process.kill(old, "SIGKILL"), async () => pidOf("web") !== old && (await webHealthy()));
    expect(output).toMatch(/The web process exited \(SIGKILL\); restarting/);
    console.log(`[faults] web killed with the evaluation ${r.evState} and the report ${r.reportState}`);
  });

  it("worker", { timeout: 1_500_000 }, async () => {
    const old = pidOf("worker");
    const r = await killDuringWork("worker", () => process.kill(old, "SIGKILL"), async () => pidOf("worker") !== old);
    expect(output).toMatch(/The worker process exited \(SIGKILL\); restarting/);
    // The shards that were running on the killed worker ran again (attempts count every start).
    expect(r.runningAtKill.length, "a shard was running when the worker was killed").toBeGreaterThan(0);
    for (const k of r.runningAtKill) expect(r.shards.find((s) => s.id === k.id)!.attempts).toBeGreaterThan(k.attempts);
    console.log(`[faults] worker killed with the evaluation ${r.evState} and the report ${r.reportState}`);
  });

  it("embedded PostgreSQL", { timeout: 1_500_000 }, async () => {
    const old = postmasterPid();
    const r = await killDuringWork("database", () => process.kill(old, "SIGKILL"), async () => {
      const pid = runningPostmaster(dataDir);
      return Boolean(pid && pid !== old && /PostgreSQL is running again/.test(output) && (await webHealthy()));
    });
    expect(output).toMatch(/PostgreSQL exited unexpectedly \(SIGKILL\); restarting it/);
    console.log(`[faults] PostgreSQL killed with the evaluation ${r.evState} and the report ${r.reportState}`);
  });

  it("stops cleanly afterwards, in order", { timeout: 120_000 }, async () => {
    await stopQueue();
    await disconnectDb();
    supervisor!.kill("SIGINT");
    expect(await exited(supervisor!)).toBe(0);
    expect(runningPostmaster(dataDir)).toBeUndefined();
  });
});
