import { spawnSync, execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureDatabaseUrl, db, disconnectDb } from "../lib/db/client";
import { startEmbeddedPostgres, type EmbeddedServer } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/schema-engine";
import { stopQueue } from "../lib/jobs/queue";
import { LocalArtifactStore, setArtifactStore } from "../lib/registry/store";
import { asLayersFiles } from "../lib/engine/formats";
import { useTempStore } from "../lib/registry/test-helpers";
import { loadModelVersionForEngine } from "../lib/registry/models";
import { seedDemoRegistry } from "../lib/seed/registry";
import { completedQuickEvaluation } from "./seeded-team";
import { approveReport, createReport, getReport, reportPdf, verifyPdf } from "../lib/reports";
import { verifyTeamChain } from "../lib/audit/log";
import type { BackupManifest } from "../lib/ops/backup";
import { makeTeam } from "./fixtures";
import { testDatabaseUrl } from "./db-per-file";
import { workerPool, waitFor } from "./workers";
import { systemContext } from "../lib/teams/context";

// Backup and restore round trip with the real commands: a team with a completed evaluation (run by a
// real worker) and an approved report → `npm run backup` → `npm run restore` into a new data folder
// (its own embedded PostgreSQL) → started again: the evaluation's metrics, the report's snapshot and
// PDF hashes, verifyPdf and the audit chain are all as before, and the model's blobs load verified.

const { dir: sourceDir } = useTempStore();
const { startWorker, stopWorkers } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: sourceDir }));
const work = mkdtempSync(join(tmpdir(), "bulwark-backup-test-"));
chmodSync(work, 0o755); // the embedded PostgreSQL (as user postgres when we are root) must reach the restored folder
const backupDir = join(work, "backup");
const restoredDir = join(work, "restored");
const freePort = () =>
  Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());
const pgPort = freePort();

let team: Awaited<ReturnType<typeof makeTeam>>;
let evaluationId: string;
let reportId: string;
let restored: EmbeddedServer | undefined;

function run(script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  team = await makeTeam("backup");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  startWorker();
  evaluationId = (await completedQuickEvaluation(team, { seed: 7, shardSize: 20 })).id;
  reportId = (await createReport(team.ctx("ENGINEER"), { title: "Backed-up audit" })).id;
  await waitFor("the report draft", async () => (await db.report.findUniqueOrThrow({ where: { id: reportId } })).status === "DRAFT");
  await approveReport(team.ctx("REVIEWER"), reportId);
  await stopWorkers();
}, 600_000);

afterAll(async () => {
  await stopWorkers();
  await stopQueue();
  await disconnectDb();
  await restored?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("npm run backup / npm run restore", () => {
  it("round-trips a team with a completed evaluation and an approved report", { timeout: 600_000 }, async () => {
    const before = {
      evaluation: await db.evaluation.findUniqueOrThrow({ where: { id: evaluationId }, select: { status: true, metrics: true, verdict: true, provenance: true } }),
      report: await getReport(team.ctx("VIEWER"), reportId),
      events: await db.auditEvent.count({ where: { teamId: team.team.id } }),
      chain: await verifyTeamChain(systemContext(team.team.id, "job")),
    };
    expect(before.report.status).toBe("approved");
    expect(before.chain.intact).toBe(true);

    // Backup of the running system's database and store.
    const b = run("scripts/backup.ts", ["--out", backupDir], { DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: sourceDir });
    expect(b.code, b.out).toBe(0);
    expect(b.out).toMatch(/Done in .*rows in \d+ tables, \d+ artifacts/);
    const manifest = JSON.parse(readFileSync(join(backupDir, "manifest.json"), "utf8")) as BackupManifest;
    expect(manifest.tables.find((t) => t.table === "AuditEvent")!.rows).toBeGreaterThanOrEqual(before.events);
    expect(manifest.artifacts.count).toBeGreaterThan(0);
    expect(manifest.artifacts.missing).toEqual([]);

    // Restore on a fresh data folder (embedded PostgreSQL), then refuse to restore over it.
    const restoreEnv = { DATABASE_URL: "", BULWARK_DATA_DIR: restoredDir, BULWARK_PG_PORT: String(pgPort) };
    const r = run("scripts/restore.ts", [backupDir], restoreEnv);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/public\.Evaluation: \d+ rows/);
    expect(r.out).toMatch(/Restored \d+ artifacts into/);
    const again = run("scripts/restore.ts", [backupDir], restoreEnv);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/is not empty.*--force/);

    // Start the restored data folder, as npm start would (its migrations are already applied).
    restored = await startEmbeddedPostgres({ dataDir: restoredDir, port: pgPort });
    expect(await applyMigrations(restored.url)).toEqual([]);
    await stopQueue();
    await disconnectDb();
    configureDatabaseUrl(restored.url);
    setArtifactStore(new LocalArtifactStore(join(restoredDir, "artifacts")));
    expect(existsSync(join(restoredDir, "artifacts", "sha256"))).toBe(true);

    const evaluation = await db.evaluation.findUniqueOrThrow({ where: { id: evaluationId }, select: { status: true, metrics: true, verdict: true, provenance: true } });
    expect(evaluation).toEqual(before.evaluation);
    const report = await getReport(team.ctx("VIEWER"), reportId);
    expect(report).toEqual(before.report);
    const pdf = await reportPdf(team.ctx("VIEWER"), reportId);
    expect(pdf.sha256).toBe(before.report.approvedPdfSha256);
    const v = await verifyPdf(team.ctx("VIEWER"), { bytes: pdf.bytes });
    expect(v.match).toBe(true);
    expect(v.report?.edition).toBe("approved");
    expect(v.report?.recordedInAuditLog).toBe(true);
    expect(v.chain.intact).toBe(true);
    const chain = await verifyTeamChain(systemContext(team.team.id, "job"));
    expect(chain.intact).toBe(true);
    expect(await db.auditEvent.count({ where: { teamId: team.team.id } })).toBe(before.events);
    // The restored store serves the model's blobs, each checked against its digest.
    const mv = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id }, orderBy: { version: "asc" } });
    const files = await loadModelVersionForEngine(systemContext(team.team.id, "job"), mv.id);
    expect((asLayersFiles(files.files).modelJson as Uint8Array).byteLength).toBeGreaterThan(0);
  });
});
