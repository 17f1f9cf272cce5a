// npm start — the supervisor: config, embedded PostgreSQL (unless DATABASE_URL is set), migrations,
// demo seed, build when stale, then the web server and one worker as children. Ctrl-C stops the
// web server, then the worker, then the database. A crashed child is restarted with back-off.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, env } from "../lib/env";
import { startEmbeddedPostgres, type EmbeddedServer } from "../lib/db/embedded";
import { applyMigrations } from "../lib/db/schema-engine";
import { configureDatabaseUrl, disconnectDb } from "../lib/db/client";
import { seedDemo, DEMO_PASSWORD, DEMO_USERS } from "../lib/seed/demo";
import { demoSeeders } from "../lib/seed";
import { stopQueue } from "../lib/jobs/queue";
import { isDatabaseUnavailable } from "../lib/db/unavailable";
import { runningPostmaster } from "../lib/db/embedded";
import { createServer } from "node:net";
import { PORT_TAKEN_EXIT_CODE } from "../lib/security/paths";
import { ArtifactStoreError, checkArtifactStore } from "../lib/registry/store";
import { buildEntryBundles, nodeArgs } from "../lib/process/entries";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "node_modules", ".bin");
const log = (m: string) => console.log(`[bulwark] ${m}`);

// A start that fails says why in one line (cause and fix), stops what it had started, and exits 1:
// no stack traces for an operator's mistake.
function startFailure(e: unknown): string {
  if (e instanceof ConfigError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (config?.DATABASE_URL && isDatabaseUnavailable(e)) {
    let where = "the server in DATABASE_URL";
    try {
      const u = new URL(config.DATABASE_URL);
      where = `${u.hostname}:${u.port || 5432} (DATABASE_URL)`;
    } catch {
      /* keep the generic wording */
    }
    return `cannot reach PostgreSQL at ${where}: ${err.code ?? "no answer"}. Check that it runs and that DATABASE_URL is right.`;
  }
  if (err.code === "EACCES" || err.code === "EROFS" || err.code === "ENOTDIR" || err.code === "ENOSPC") {
    return `${err.code} on ${err.path ?? config?.dataDir}: the data folder must be a writable folder. Set BULWARK_DATA_DIR to one, e.g. ./.bulwark.`;
  }
  const line = (err?.message ?? String(e)).split("\n").map((l) => l.trim()).find(Boolean) ?? String(e);
  return line;
}

/** Whether nothing listens on host:port (so our server can). */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}

let config!: ReturnType<typeof env>;
try {
  config = env();
} catch (e) {
  console.error(e instanceof ConfigError ? e.message : `Bulwark could not start: ${startFailure(e)}`);
  process.exit(2);
}

// One supervisor per data folder. A pid file left by a killed supervisor is recognised and replaced.
const runDir = join(config.dataDir, "run");
try {
  mkdirSync(runDir, { recursive: true });
} catch (e) {
  console.error(`Bulwark could not start: ${startFailure(e)}`);
  process.exit(2);
}
const lockFile = join(runDir, "supervisor.pid");
/** In the command line of a supervisor started from its source (scripts/start.ts) or its bundle (scripts/start.mjs). */
const SUPERVISOR_MARKER = "scripts/start.";
function aliveWith(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}
if (existsSync(lockFile)) {
  const pid = Number(readFileSync(lockFile, "utf8"));
  if (pid !== process.pid && aliveWith(pid, SUPERVISOR_MARKER)) {
    console.error(`Bulwark is already running from this data folder (supervisor pid ${pid}). Stop it first, or set BULWARK_DATA_DIR.`);
    process.exit(1);
  }
}
writeFileSync(lockFile, String(process.pid));

// Children of a supervisor that was killed outright may still hold the port: stop them.
async function stopLeftoverChild(name: string, marker: string) {
  const file = join(runDir, `${name}.pid`);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8"));
  if (aliveWith(pid, marker)) {
    log(`Stopping the ${name} left running by an earlier start (pid ${pid}).`);
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 100 && aliveWith(pid, marker); i++) await new Promise((r) => setTimeout(r, 100));
    if (aliveWith(pid, marker)) process.kill(pid, "SIGKILL");
  }
  unlinkSync(file);
}
// "scripts/web." and "workers/main." match the bundles (.bulwark/entries/…/*.mjs) and the sources.
await stopLeftoverChild("web", "scripts/web.");
await stopLeftoverChild("worker", "workers/main.");

// Ports, before anything is started: another program on them would make the web server (or PostgreSQL)
// fail and be restarted forever.
if (!(await portFree(config.PORT, "0.0.0.0"))) {
  console.error(`Bulwark could not start: port ${config.PORT} is already in use by another program. Stop it, or set PORT to a free port.`);
  unlinkSync(lockFile);
  process.exit(1);
}
if (!config.DATABASE_URL && !runningPostmaster(config.dataDir) && !(await portFree(config.BULWARK_PG_PORT, "127.0.0.1"))) {
  console.error(`Bulwark could not start: port ${config.BULWARK_PG_PORT} (BULWARK_PG_PORT, the embedded PostgreSQL) is already in use by another program. Set BULWARK_PG_PORT to a free port.`);
  unlinkSync(lockFile);
  process.exit(1);
}

// The S3 bucket, when one is configured: missing or refused, it would fail every upload and job later.
try {
  await checkArtifactStore();
} catch (e) {
  if (!(e instanceof ArtifactStoreError)) throw e;
  console.error(`Bulwark could not start: ${e.message}`);
  unlinkSync(lockFile);
  process.exit(1);
}

let database: EmbeddedServer | undefined;
interface Managed {
  name: string;
  cmd: string;
  /** Read at every (re)start: the worker starts from its bundle only while that is fresh (lib/process/entries.ts). */
  args: () => string[];
  marker: string;
  child?: ChildProcess;
  restarts: number;
  lastStart: number;
  env?: Record<string, string>;
}
const children: Managed[] = [];
let building: ChildProcess | undefined;
let stopping = false;
let exitCode = 0;

function launch(m: Managed, childEnv: NodeJS.ProcessEnv) {
  m.lastStart = Date.now();
  // Own process group: a terminal's Ctrl-C reaches only us, and we stop the children in order.
  const child = spawn(m.cmd, m.args(), { cwd: ROOT, env: { ...childEnv, ...m.env }, detached: true, stdio: ["ignore", "inherit", "inherit"] });
  m.child = child;
  if (child.pid) writeFileSync(join(runDir, `${m.name}.pid`), String(child.pid));
  child.on("exit", (code, signal) => {
    m.child = undefined;
    if (stopping) return;
    // Another program took the web port (while the web server restarted, or before it first listened):
    // restarting cannot help, so stop everything with one line saying what to do.
    if (m.name === "web" && code === PORT_TAKEN_EXIT_CODE) {
      console.error(`Bulwark stopped: port ${config.PORT} was taken by another program, so the web server cannot listen on it. Stop that program, or set PORT to a free port, then run npm start again.`);
      exitCode = 1;
      void shutdown("port taken", { quiet: true });
      return;
    }
    // A child that ran for a minute gets a fresh back-off; one that keeps crashing waits up to 30 s.
    if (Date.now() - m.lastStart > 60_000) m.restarts = 0;
    const delay = Math.min(30_000, 1000 * 2 ** m.restarts++);
    log(`The ${m.name} process exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000}s.`);
    setTimeout(() => !stopping && launch(m, childEnv), delay);
  });
}

async function stopChild(m: Managed) {
  const child = m.child;
  if (child && child.exitCode === null) {
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const timeout = setTimeout(() => child.kill("SIGKILL"), 40_000);
    await exited;
    clearTimeout(timeout);
  }
  // Also when the child had already exited (e.g. the web server that found its port taken).
  try {
    unlinkSync(join(runDir, `${m.name}.pid`));
  } catch {
    /* already gone */
  }
}

let shutdownDone: Promise<void> | undefined;
function shutdown(signal: string, opts: { quiet?: boolean } = {}): Promise<void> {
  shutdownDone ??= stopEverything(signal, opts.quiet ?? false);
  return shutdownDone;
}
async function stopEverything(signal: string, quiet: boolean) {
  stopping = true;
  if (!quiet) log(`${signal}: stopping the web server, then the worker, then the database.`);
  building?.kill("SIGTERM");
  for (const m of children) {
    await stopChild(m);
    log(`${m.name} stopped.`);
  }
  await databaseRestart; // a restart in progress finishes (and stops what it started) first
  if (database) {
    await database.stop();
    log("database stopped.");
  }
  try {
    unlinkSync(lockFile);
  } catch {
    /* fine */
  }
  process.exit(exitCode);
}
let failing = false;
let running = false; // set once the banner is printed
process.on("uncaughtException", (e) => {
  if (failing) return;
  failing = true;
  console.error(`${running ? "Bulwark stopped" : "Bulwark could not start"}: ${startFailure(e)}`);
  exitCode = 1;
  void shutdown(running ? "internal error" : "start failed", { quiet: !running });
});
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// If whoever started us goes away (npm or a terminal killed outright), stop everything cleanly rather
// than linger. `npm start` runs us through `sh -c`, which outlives a killed npm: the wrappers between us
// and the launcher are watched too (a wrapper whose parent changed has lost its launcher).
const launcherChain = watchedLaunchers();
setInterval(() => {
  if (launcherGone(launcherChain)) void shutdown("the process that started Bulwark is gone");
}, 1000).unref();

// The embedded PostgreSQL, watched: if it dies (killed, crashed) while we run, start it again — its
// crash recovery replays the WAL, so every committed transaction is kept — and the web server and
// worker reconnect on their own. If it cannot be started again, stop everything (exit code 1) rather
// than serve errors; the next `npm start` then recovers it.
let databaseRestart: Promise<void> | undefined;
const startDatabase = () =>
  startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.BULWARK_PG_PORT,
    log,
    onUnexpectedExit: (why) => {
      if (stopping) return;
      log(`PostgreSQL exited unexpectedly (${why}); restarting it.`);
      databaseRestart ??= restartDatabase().finally(() => (databaseRestart = undefined));
    },
  });
async function restartDatabase() {
  for (let attempt = 0; attempt < 8 && !stopping; attempt++) {
    // Its old backends may still hold the shared memory for a moment after the postmaster died.
    await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
    if (stopping) return;
    try {
      database = await startDatabase();
      log(`PostgreSQL is running again (pid ${database.pid}).`);
      if (stopping) await database.stop();
      return;
    } catch (e) {
      log(`PostgreSQL did not start again: ${(e as Error).message}`);
    }
  }
  if (stopping) return;
  log(`PostgreSQL could not be restarted; stopping. See ${join(config.dataDir, "postgres.log")}.`);
  exitCode = 1;
  void shutdown("database lost");
}

let databaseUrl = config.DATABASE_URL;
const started = Date.now();
if (!databaseUrl) {
  database = await startDatabase();
  databaseUrl = database.url;
  if (stopping) {
    await shutdownDone; // Ctrl-C arrived while the database was starting; it exits the process
  }
  log(`Embedded PostgreSQL running on 127.0.0.1:${config.BULWARK_PG_PORT} (data in ${join(config.dataDir, "pg")})`);
} else {
  log("Using the PostgreSQL server from DATABASE_URL");
}

const applied = await applyMigrations(databaseUrl);
if (applied.length) log(`Applied migrations: ${applied.join(", ")}`);

// The worker, its engine processes and the upload checks (the demo seed's first) start from bundles (about
// half the CPU of a start through tsx); if they cannot be built, they start from the sources as before.
await buildEntryBundles().catch((e: Error) => log(`The process bundles could not be built (${e.message.split("\n")[0]}); they start from the sources.`));

configureDatabaseUrl(databaseUrl);
if (config.BULWARK_DEMO) {
  const { created } = await seedDemo(demoSeeders());
  if (created) log("Seeded the demo team.");
}
await stopQueue();
await disconnectDb();

// Build when there is no build or a source file is newer than it.
function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Tests are not part of the build: editing one must not rebuild the app for the next supervisor started.
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "generated" || /\.test\.tsx?$/.test(entry.name)) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}
const buildId = join(ROOT, ".next", "BUILD_ID");
const sources = Math.max(
  ...["app", "lib", "public"].map((d) => newestMtime(join(ROOT, d))),
  ...["next.config.ts", "proxy.ts", "package.json", "postcss.config.mjs"].map((f) => (existsSync(join(ROOT, f)) ? statSync(join(ROOT, f)).mtimeMs : 0)),
);
const buildIsStale = () => !existsSync(buildId) || statSync(buildId).mtimeMs < sources;
// Supervisors on one checkout (other data folders, e.g. tests) must not build at once: `next build`
// refuses a second concurrent build. The first takes a lock folder; the others wait, then look again.
const buildLock = join(tmpdir(), `bulwark-build-${createHash("sha256").update(ROOT).digest("hex").slice(0, 12)}.lock`);
async function takeBuildLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(buildLock);
      writeFileSync(join(buildLock, "pid"), String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    // A lock whose supervisor is gone (or that never got its pid written) is stale.
    const pidFile = join(buildLock, "pid");
    const holder = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
    const since = statSync(buildLock, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    const orphan = holder ? !aliveWith(holder, SUPERVISOR_MARKER) : Date.now() - since > 10_000;
    if (orphan) rmSync(buildLock, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 500));
    if (stopping) await shutdownDone;
  }
}
let holdingBuildLock = false;
const releaseBuildLock = () => {
  if (holdingBuildLock) rmSync(buildLock, { recursive: true, force: true });
  holdingBuildLock = false;
};
if (buildIsStale()) {
  await takeBuildLock();
  holdingBuildLock = true;
  process.on("exit", releaseBuildLock);
}
if (buildIsStale()) {
  log("Building the web app (first start or sources changed)…");
  building = spawn(join(BIN, "next"), ["build"], { cwd: ROOT, detached: true, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  const status = await new Promise<number | null>((r) => building!.once("exit", (code) => r(code)));
  building = undefined;
  if (stopping) await shutdownDone; // it exits the process
  if (status !== 0) {
    log("The build failed; see the output above.");
    await database?.stop();
    process.exit(1);
  }
}
releaseBuildLock();

const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  NEXTAUTH_SECRET: config.nextAuthSecret,
  NEXTAUTH_URL: config.nextAuthUrl,
  BULWARK_DATA_DIR: config.dataDir,
  BULWARK_SUPERVISED: "1",
  NEXT_TELEMETRY_DISABLED: "1",
};

children.push(
  // scripts/web.ts: Next's request handler behind a server that answers dot-segment paths and a taken port itself.
  { name: "web", cmd: process.execPath, args: () => nodeArgs("scripts/web.ts"), marker: "scripts/web.", restarts: 0, lastStart: 0, env: { NODE_ENV: "production" } },
  { name: "worker", cmd: process.execPath, args: () => nodeArgs("workers/main.ts"), marker: "workers/main.", restarts: 0, lastStart: 0 },
);
for (const m of children) launch(m, childEnv);

/** Which TF.js backend the worker's engine processes will pick (the same order as lib/engine/backend.ts),
 *  from the files on disk: loading tfjs-node here would cost the supervisor ~600 MB. */
function workerBackend(): string {
  const pref = config.BULWARK_TF_BACKEND;
  if (pref === "wasm" || pref === "cpu") return `${pref} (BULWARK_TF_BACKEND)`;
  const napi = join(ROOT, "node_modules", "@tensorflow", "tfjs-node", "lib");
  const built = existsSync(napi) && readdirSync(napi).some((d) => existsSync(join(napi, d, "tfjs_binding.node")));
  if (built) return "native TensorFlow (tfjs-node)";
  if (pref === "tensorflow") return "native TensorFlow is required (BULWARK_TF_BACKEND) but not set up: shards will fail until you run npm run engine:native";
  return "WebAssembly. For the faster native TensorFlow backend run: npm run engine:native";
}

// Print the sign-ins once the web server answers.
const url = config.nextAuthUrl;
let answered = false;
for (let i = 0; i < 600 && !stopping && !answered; i++) {
  try {
    answered = (await fetch(`http://127.0.0.1:${config.PORT}/api/health`)).ok;
  } catch {
    /* not up yet */
  }
  if (!answered) await new Promise((r) => setTimeout(r, 200));
}
if (!answered) {
  if (!stopping) log(`The web server did not answer on port ${config.PORT} within 2 minutes; see the output above. Still trying.`);
  await new Promise(() => {}); // no banner: it would claim a running Bulwark
}
const lines = [
  "",
  `  Bulwark is running at ${url}   (ready in ${((Date.now() - started) / 1000).toFixed(1)}s)`,
  "",
];
if (config.BULWARK_DEMO) {
  lines.push(`  Demo sign-ins (password for all: ${DEMO_PASSWORD})`);
  for (const u of DEMO_USERS) lines.push(`    ${u.role.padEnd(9)} ${u.email}`);
  lines.push("");
}
lines.push(`  Evaluations run on: ${workerBackend()}`, "");
lines.push("  Press Ctrl-C to stop.", "");
console.log(lines.join("\n"));
running = true;

/** Our parent and, while it is a `sh -c` or npm wrapper, its parents: [pid, its parent when we started]. */
function watchedLaunchers(): [number, number][] {
  const chain: [number, number][] = [[process.pid, process.ppid]];
  for (let i = 0; i < 4; i++) {
    const pid = chain.at(-1)![1];
    const parent = parentPid(pid);
    if (pid <= 1 || parent === undefined || !isWrapper(pid)) break;
    chain.push([pid, parent]);
  }
  return chain;
}
function launcherGone(chain: [number, number][]): boolean {
  // Reparented (its launcher died) or gone, for us and each wrapper; the launcher itself must still run.
  return chain.some(([pid, parent]) => (pid === process.pid ? process.ppid : parentPid(pid)) !== parent) || !processRuns(chain.at(-1)![1]);
}
function parentPid(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}
function processRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return pid === process.ppid; // no /proc: only our own parent can be checked (by ppid above)
  }
}
function isWrapper(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return (/(^|\/)(sh|bash|dash)$/.test(argv[0] ?? "") && argv[1] === "-c") || argv.some((a) => /(^|\/)(npm|npx)(-cli\.js)?$/.test(a));
  } catch {
    return false;
  }
}
