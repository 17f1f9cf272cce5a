import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeArgs } from "../lib/process/entries";

// `npm start` with the operator's usual mistakes: each stops within seconds with exactly one line naming
// the cause and the fix (no stack trace, no hang, no "Bulwark is running" over someone else's server).

const freePort = () =>
  Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());
const work = mkdtempSync(join(tmpdir(), "bulwark-start-errors-"));
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** A port held by "another program". */
async function occupied(host: string): Promise<number> {
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  return (s.address() as { port: number }).port;
}

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, nodeArgs("scripts/start.ts"), {
    // One web process: each more is a Next.js process started for nothing here (CPU the suite shares).
    env: { ...process.env, DATABASE_URL: "", PORT: String(freePort()), BULWARK_PG_PORT: String(freePort()), BULWARK_WEB_PROCESSES: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000); // a hang fails the test instead of blocking it
  return new Promise((r) => child.once("exit", (code) => (clearTimeout(timer), r({ code, stderr, stdout }))));
}

function expectOneLine(stderr: string, ...parts: string[]) {
  const lines = stderr.split("\n").filter((l) => l.trim());
  expect(lines, stderr).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe.concurrent("npm start refuses in one line", () => {
  it("when the web port is in use", { timeout: 90_000 }, async () => {
    const port = await occupied("0.0.0.0");
    const r = await start({ BULWARK_DATA_DIR: join(work, "web-port"), PORT: String(port) });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, `port ${port} is already in use`, "set PORT");
    expect(r.stdout).not.toContain("Bulwark is running");
  });

  it("when the embedded database's port is in use", { timeout: 90_000 }, async () => {
    const port = await occupied("127.0.0.1");
    const r = await start({ BULWARK_DATA_DIR: join(work, "pg-port"), BULWARK_PG_PORT: String(port) });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, `port ${port} (BULWARK_PG_PORT`, "Set BULWARK_PG_PORT");
  });

  it("when the database in DATABASE_URL cannot be reached", { timeout: 90_000 }, async () => {
    const port = freePort();
    const r = await start({ BULWARK_DATA_DIR: join(work, "unreachable"), DATABASE_URL: `postgresql://bulwark:pw-not-shown@127.0.0.1:${port}/bulwark` });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, `cannot reach PostgreSQL at 127.0.0.1:${port}`, "DATABASE_URL");
    expect(r.stderr).not.toContain("pw-not-shown");
  });

  it("when the data folder path is a file", { timeout: 90_000 }, async () => {
    const file = join(work, "a-file");
    writeFileSync(file, "x");
    const r = await start({ BULWARK_DATA_DIR: file });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, `${file} is a file`, "Set BULWARK_DATA_DIR");
  });

  it("when the data folder is under /proc (it hung before)", { timeout: 90_000 }, async () => {
    const r = await start({ BULWARK_DATA_DIR: "/proc/bulwark-data" });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, "inside /proc, a virtual file system", "Set BULWARK_DATA_DIR");
  });
});
