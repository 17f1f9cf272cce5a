import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { get as httpGet } from "node:http";
import { createServer } from "node:net";
import { runningPostmaster } from "../lib/db/embedded";
import { nodeArgs } from "../lib/process/entries";

// `npm start` as a user runs it: real supervisor, embedded PostgreSQL, web and worker processes.
// Proves: a port taken after the start-up check stops it cleanly; it comes up and prints the sign-ins;
// killing npm outright stops everything; SIGKILL of the supervisor leaves a database that the next start
// recovers with data kept; several web processes replace a killed one; SIGINT to npm alone stops web,
// worker, database in that order.
//
// Each start of the whole stack costs a Next.js server, a worker and a PostgreSQL start (the suite is
// CPU-bound), so after the port test the file runs three starts in sequence, one data folder, each `it`
// going on from where the one before left the stack:
//   A `npm start`                          → npm killed outright: everything stops, database included
//   B the supervisor alone                 → supervisor killed outright: PostgreSQL keeps running
//   C `npm start`, 2 web processes         → recovers B's database; SIGINT to npm alone: ordered stop

const freePort = () =>
  Number(execFileSync(process.execPath, ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"]).toString());

const dataDir = mkdtempSync(join(tmpdir(), "bulwark-sup-"));
const port = freePort();
const pgPort = freePort();
const env = { ...process.env, BULWARK_DATA_DIR: dataDir, PORT: String(port), BULWARK_PG_PORT: String(pgPort), NEXTAUTH_URL: `http://127.0.0.1:${port}`, DATABASE_URL: "",
  // The demo's records are seeded (the test reads them), but its evaluations are not queued: minutes of
  // worker CPU that this test never looks at, taken from the test files running beside it.
  BULWARK_DEMO_EVALUATIONS: "false",
  // One web process, except in the start with several: each more is a Next.js process (CPU the suite shares).
  BULWARK_WEB_PROCESSES: "1" };

interface Run {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the banner is printed; rejects if the process exits first. */
  ready: Promise<void>;
  /** Resolves once the process has exited and its output is closed (every process writing to it has exited). */
  closed: Promise<void>;
}

function launch(cmd: string, args: string[], extraEnv: Record<string, string>, what: string): Run {
  const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const closed = new Promise<void>((r) => child.once("close", () => r()));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes("Bulwark is running at")) {
        clearInterval(t);
        resolve();
      }
    }, 200);
    child.once("exit", (code) => {
      clearInterval(t);
      reject(new Error(`${what} exited early (${code}):\n${out}`));
    });
  });
  return { child, output: () => out, ready, closed };
}
/** The supervisor itself (scripts/start.ts), so that it alone can be killed. */
const startSupervisor = (extraEnv: Record<string, string> = {}) => launch(process.execPath, nodeArgs("scripts/start.ts"), extraEnv, "supervisor");
/** `npm start` itself (npm → its script), as an operator types it. */
const startWithNpm = (extraEnv: Record<string, string> = {}) => launch("npm", ["start"], extraEnv, "npm start");

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const password = readFileSync(join(dataDir, "pg-password"), "utf8").trim();
  const c = new pg.Client({ connectionString: `postgresql://postgres:${password}@127.0.0.1:${pgPort}/bulwark` });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once("exit", (code) => r(code))));
let current: ChildProcess | undefined;

afterAll(async () => {
  if (current && current.exitCode === null) {
    current.kill("SIGINT");
    await exited(current);
  }
  // A test that failed between B's kill and C's start would leave B's PostgreSQL running.
  const leftover = runningPostmaster(dataDir);
  if (leftover) process.kill(leftover, "SIGINT");
});

/** Every process of one `npm start`: the supervisor, web, worker and PostgreSQL, from their pid files. */
function stackPids(): Record<string, number> {
  const pid = (f: string) => Number(readFileSync(join(dataDir, f), "utf8").split("\n")[0]);
  return { supervisor: pid("run/supervisor.pid"), web: pid("run/web.pid"), worker: pid("run/worker.pid"), postgres: pid("pg/postmaster.pid") };
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

/** The live children of a process (from /proc): a cluster primary's workers. */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(ppid) === pid && state !== "Z";
    } catch {
      return false; // gone meanwhile
    }
  });
}
/** Waits are bounded by time, not by a count of short sleeps: a loaded machine starts a process slowly. */
async function waitUntil(done: () => boolean | Promise<boolean>, ms = 300_000) {
  for (const end = Date.now() + ms; !(await done()) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
}
/** Whether the web server answers /api/health with 200, on a new connection (none kept from a killed process). */
const healthy = () =>
  new Promise<boolean>((resolve) => {
    const req = httpGet({ host: "127.0.0.1", port, path: "/api/health", agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", () => resolve(false));
  });

async function expectAllStopWithin(pids: Record<string, number>, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end && Object.values(pids).some(alive)) await new Promise((r) => setTimeout(r, 200));
  expect(Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, alive(p)]))).toEqual(Object.fromEntries(Object.keys(pids).map((k) => [k, false])));
}

describe("npm start supervisor", () => {
  it("stops cleanly, with one line naming the port, when another program takes the web port after the start-up check", { timeout: 900_000 }, async () => {
    const run = startSupervisor();
    current = run.child;
    run.ready.catch(() => {}); // it never gets there
    // The ports were checked before the database started; another program takes the web port now,
    // before the web server listens (as one may while the web server restarts after a crash).
    while (!run.output().includes("Embedded PostgreSQL running on") && run.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const squatter = createServer((sock) => sock.end());
    await new Promise<void>((resolve, reject) => {
      squatter.once("error", reject);
      squatter.listen(port, "0.0.0.0", () => resolve());
    });
    try {
      // A first start may build the web app first (minutes on a loaded machine).
      const code = await Promise.race([exited(run.child), new Promise((r) => setTimeout(() => r("still running after 780 s"), 780_000))]);
      const out = run.output();
      expect(code, out).toBe(1);
      expect(out).toMatch(new RegExp(`Bulwark stopped: port ${port} was taken by another program, so the web server cannot listen on it\\. Stop that program, or set PORT to a free port, then run npm start again\\.`));
      expect(out).not.toMatch(/restarting in/); // not restarted over and over
      expect(out).not.toMatch(/EADDRINUSE|\n\s+at /); // no stack trace
      expect(out).not.toMatch(/Bulwark is running at/);
      expect(out).toMatch(/worker stopped\.[\s\S]*database stopped\./);
      expect(runningPostmaster(dataDir)).toBeUndefined();
      for (const f of ["web", "worker"]) expect(existsSync(join(dataDir, "run", `${f}.pid`)), f).toBe(false);
    } finally {
      squatter.close();
      if (run.child.exitCode === null) {
        run.child.kill("SIGINT");
        await exited(run.child);
      }
    }
  });

  // Start A.
  it("comes up from `npm start` with the sign-ins printed, health and the sign-in page answering, and stops everything, database included, when npm is killed outright (SIGKILL)", { timeout: 600_000 }, async () => {
    const a = startWithNpm();
    current = a.child;
    await a.ready;
    const pids = stackPids();
    expect(Object.values(pids).every(alive)).toBe(true);
    expect(a.output()).toMatch(/Demo sign-ins \(password for all: bulwark-demo-2026\)/);
    expect(a.output()).toMatch(/ADMIN\s+admin@demo\.bulwark\.local/);
    const health = await (await fetch(`http://127.0.0.1:${port}/api/health`)).json();
    expect(health.database.ok).toBe(true);
    const signIn = await fetch(`http://127.0.0.1:${port}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain("Sign in to your workspace");

    a.child.kill("SIGKILL");
    await expectAllStopWithin(pids, 120_000);
    expect(runningPostmaster(dataDir)).toBeUndefined();
  });

  // Start B: on the database A stopped.
  it("restarts a crashed worker with back-off, and when the supervisor itself is killed outright (SIGKILL) leaves PostgreSQL running", { timeout: 600_000 }, async () => {
    const b = startSupervisor();
    current = b.child;
    await b.ready;

    // Some data written while it runs (start C reads it back).
    execFileSync(process.execPath, ["--import", "tsx", "scripts/user.ts", "create", "--email", "kept@example.test", "--team", "kept-team", "--role", "ADMIN", "--password", "kept-password-123"], { env });

    // A crashed worker is reported and restarted with back-off.
    const workerPid = Number(readFileSync(join(dataDir, "run", "worker.pid"), "utf8"));
    process.kill(workerPid, "SIGKILL");
    await waitUntil(() => /The worker process exited \(SIGKILL\); restarting in 1s/.test(b.output()));
    expect(b.output()).toMatch(/The worker process exited \(SIGKILL\); restarting in 1s/);
    await waitUntil(() => Number(readFileSync(join(dataDir, "run", "worker.pid"), "utf8")) !== workerPid);
    expect(Number(readFileSync(join(dataDir, "run", "worker.pid"), "utf8"))).not.toBe(workerPid);

    // The supervisor is killed outright: PostgreSQL keeps running on its own.
    b.child.kill("SIGKILL");
    await exited(b.child);
    expect(runningPostmaster(dataDir)).toBeDefined();
  });

  // Start C: `npm start` with two web processes, on the data folder B's killed supervisor left.
  let c: Run;
  it("recovers the PostgreSQL a killed supervisor left running, with its data kept and the demo seeded once", { timeout: 600_000 }, async () => {
    c = startWithNpm({ BULWARK_WEB_PROCESSES: "2" });
    current = c.child;
    await c.ready;
    expect(c.output()).toMatch(/still running from an earlier start/);
    const rows = await query<{ email: string }>(`SELECT email FROM "User" WHERE email = $1`, ["kept@example.test"]);
    expect(rows).toHaveLength(1);
    // The demo was not seeded a second time (nor a third or fourth: this is the data folder's fourth start).
    const teams = await query<{ n: string }>(`SELECT count(*)::text AS n FROM "Team" WHERE slug = 'demo'`);
    expect(teams[0]!.n).toBe("1");
    // BULWARK_DEMO_EVALUATIONS=false: the demo's records are there, no evaluation was queued.
    expect((await query<{ n: string }>(`SELECT count(*)::text AS n FROM "ModelVersion"`))[0]!.n).not.toBe("0");
    expect((await query<{ n: string }>(`SELECT count(*)::text AS n FROM "Evaluation"`))[0]!.n).toBe("0");
  });

  it('answers a "." or ".." path segment (also as %2e) as not found, never resolved into another route or redirected', { timeout: 300_000 }, async () => {
    // Sent as written (fetch would resolve the dots on the client before sending).
    const rawGet = (path: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = httpGet({ host: "127.0.0.1", port, path }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
      });
    for (const path of ["/api/v1/models/%2e%2e/versions", "/api/v1/models/../evaluations", "/api/v1/models/.%2E/versions"]) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(404);
      expect(res.headers["content-type"]).toBe("application/problem+json");
      expect(JSON.parse(res.body).detail).toMatch(/^The address has a ".*" path segment; no record or operation is named that way/);
    }
    for (const path of ["/t/demo/models/%2e%2e", "/t/%2e%2e/models", "/t/demo/models/%2e"]) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain("This page does not exist, or you do not have access to it.");
    }
  });

  it("serves from several web processes: a killed one is replaced, a killed primary leaves none behind and is restarted", { timeout: 600_000 }, async () => {
    const webPid = () => Number(readFileSync(join(dataDir, "run", "web.pid"), "utf8"));
    // web.pid is the cluster primary; its two children are the workers serving the port.
    const primary = webPid();
    await waitUntil(() => childrenOf(primary).length === 2 && childrenOf(primary).every((w) => c.output().includes(`web worker (pid ${w}) listening`)));
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);
    for (const w of workers) expect(c.output()).toContain(`[web] web worker (pid ${w}) listening on 0.0.0.0:${port}`);
    for (let i = 0; i < 4; i++) expect(await healthy()).toBe(true);

    // A worker killed outright: the primary says so and starts another (back-off from 1 s); the port keeps answering.
    process.kill(workers[0]!, "SIGKILL");
    await waitUntil(() => c.output().includes(`A web worker (pid ${workers[0]}) exited (SIGKILL); starting another in 1s.`));
    expect(c.output()).toContain(`A web worker (pid ${workers[0]}) exited (SIGKILL); starting another in 1s.`);
    for (let i = 0; i < 4; i++) expect(await healthy()).toBe(true); // the other worker answers meanwhile
    const replaced = () => childrenOf(primary).filter((w) => w !== workers[1]);
    await waitUntil(() => replaced().length === 1 && c.output().includes(`web worker (pid ${replaced()[0]}) listening`));
    expect(replaced()).toHaveLength(1);
    expect(replaced()[0]).not.toBe(workers[0]);
    expect(webPid()).toBe(primary);
    expect(await healthy()).toBe(true);

    // The primary killed outright: its workers exit with it (their IPC channel closes) and nothing keeps the
    // port, so the web server the supervisor starts again can listen on it (a held port would stop Bulwark).
    const before = childrenOf(primary);
    process.kill(primary, "SIGKILL");
    await waitUntil(() => before.every((w) => !alive(w)), 60_000);
    expect(Object.fromEntries(before.map((w) => [w, alive(w)]))).toEqual(Object.fromEntries(before.map((w) => [w, false])));
    await waitUntil(() => /The web process exited \(SIGKILL\); restarting in 1s/.test(c.output()));
    await waitUntil(async () => webPid() !== primary && childrenOf(webPid()).length === 2 && (await healthy()));
    expect(webPid()).not.toBe(primary);
    expect(childrenOf(webPid())).toHaveLength(2);
    expect(await healthy()).toBe(true);
    expect(c.output()).not.toMatch(/was taken by another program|already in use/);
  });

  it("stops web (the primary and its workers), worker and database, in that order, when npm alone gets SIGINT", { timeout: 600_000 }, async () => {
    const pids = stackPids();
    const webWorkers = childrenOf(pids.web!);
    expect(webWorkers).toHaveLength(2);
    // Only npm's own pid gets the signal (not the process group, as a terminal's Ctrl-C would do).
    c.child.kill("SIGINT");
    await expectAllStopWithin({ ...pids, ...Object.fromEntries(webWorkers.map((w, i) => [`web worker ${i + 1}`, w])) }, 180_000);
    expect(await exited(c.child)).toBe(0); // npm exits with its script's code: the supervisor's
    await c.closed;
    const out = c.output();
    const order = ["web stopped.", "worker stopped.", "database stopped."].map((m) => out.indexOf(m));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(runningPostmaster(dataDir)).toBeUndefined();
  });
});
