import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runningPostmaster, startEmbeddedPostgres, type EmbeddedServer } from "../lib/db/embedded";
import { BACKUP_FORMAT, BACKUP_VERSION, writeBackup } from "../lib/ops/backup";
import { LocalArtifactStore } from "../lib/registry/store";

// The operator's own mistakes with the backup and restore commands, run as an operator runs them:
// nothing they did not start is stopped, and nothing half-written is left behind.

const freePort = () =>
  Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());
const work = mkdtempSync(join(tmpdir(), "bulwark-operator-"));
chmodSync(work, 0o755); // the embedded PostgreSQL (user postgres when we are root) must reach its data folder

function run(script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], { env: { ...process.env, DATABASE_URL: "", ...env }, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let running: EmbeddedServer | undefined;
afterAll(async () => {
  await running?.stop();
});

describe("npm run backup", () => {
  it("with the running instance's data folder but a wrong BULWARK_PG_PORT: refuses in one line naming the port, leaves its PostgreSQL running and writes nothing", { timeout: 180_000 }, async () => {
    const dataDir = join(work, "running");
    const pgPort = freePort();
    running = await startEmbeddedPostgres({ dataDir, port: pgPort });
    const pid = runningPostmaster(dataDir);
    expect(pid).toBeDefined();
    const out = join(work, "backup-wrong-port");
    const r = run("scripts/backup.ts", ["--out", out], { BULWARK_DATA_DIR: dataDir, BULWARK_PG_PORT: String(freePort()) });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`Set BULWARK_PG_PORT=${pgPort}`);
    expect(runningPostmaster(dataDir)).toBe(pid);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((e) => e.startsWith("backup-wrong-port"))).toEqual([]);
  });

  it("a backup that fails part-way leaves no folder behind", async () => {
    const out = join(work, "backup-failed");
    const store = new LocalArtifactStore(join(work, "store"));
    await expect(writeBackup({ url: `postgresql://postgres:x@127.0.0.1:${freePort()}/bulwark`, store, out })).rejects.toThrow();
    expect(readdirSync(work).filter((e) => e.startsWith("backup-failed"))).toEqual([]);
  });
});

describe("npm run restore", () => {
  it("refuses a folder that is not a backup before creating anything", () => {
    const dataDir = join(work, "restore-not-a-backup");
    const r = run("scripts/restore.ts", [work], { BULWARK_DATA_DIR: dataDir, BULWARK_PG_PORT: String(freePort()) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is not a Bulwark backup");
    expect(existsSync(join(dataDir, "pg"))).toBe(false);
  });

  it("a restore that fails after starting its database leaves no database folder behind (a retry needs no --force)", { timeout: 180_000 }, () => {
    const backup = join(work, "backup-damaged");
    mkdirSync(backup);
    // A well-formed manifest whose artifact count does not match the folder: found only after initdb.
    writeFileSync(join(backup, "manifest.json"), JSON.stringify({ format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), postgres: "", migrations: [], pgbossVersion: null, tables: [], artifacts: { count: 1, bytes: 0, dir: "artifacts", missing: [] } }));
    const dataDir = join(work, "restore-target");
    const env = { BULWARK_DATA_DIR: dataDir, BULWARK_PG_PORT: String(freePort()) };
    const r = run("scripts/restore.ts", [backup], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the backup holds 0 artifacts, its manifest says 1");
    expect(readdirSync(dataDir).filter((e) => e !== "nextauth-secret")).toEqual([]);
    expect(runningPostmaster(dataDir)).toBeUndefined();
    // The retry is refused for the backup, not for a non-empty data folder.
    expect(run("scripts/restore.ts", [backup], env).stderr).not.toContain("not empty");
  });
});
