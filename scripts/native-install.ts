/*
 * The native TensorFlow backend as part of `npm install` and `npm ci` (package.json's postinstall).
 *
 * Runs scripts/engine-native.ts in its own process group under a time limit, its output in a log file, and
 * prints one line saying what it does and one with the outcome. It never fails the install: when the backend
 * cannot be set up (not Linux x86-64, no pip and no BULWARK_TF_WHEEL, the wheel unreachable, no compiler, the
 * time limit), the line says why and where the log is, and evaluations run on WebAssembly.
 * tfjs-node is not in package.json, so every `npm install`/`npm ci` removes it; the libraries and the binding
 * kept in the data dir then make setting it up again a matter of seconds (no download, no compiler).
 *   BULWARK_NATIVE_INSTALL=false          skips it (`npm run engine:native` still sets it up by hand)
 *   BULWARK_NATIVE_INSTALL_TIMEOUT_S=600  the limit; at it the whole process group is stopped
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseEnv } from "../lib/env";

const ROOT = resolve(import.meta.dirname, "..");
const PKG_DIR = join(ROOT, "node_modules", "@tensorflow", "tfjs-node");
// engine-native.ts keeps this file while it changes PKG_DIR (a run stopped midway leaves it behind).
const INCOMPLETE = join(ROOT, "node_modules", ".bulwark-native-incomplete");
const say = (m: string) => console.log(`Native TensorFlow backend: ${m}`);
const shown = (p: string) => (isAbsolute(relative(ROOT, p)) || relative(ROOT, p).startsWith("..") ? p : relative(ROOT, p));
const oneLine = (m: string) => m.replace(/:\s*\n\s*/g, ": ").replace(/\s*\n\s*/g, "; ").trim();

interface Report {
  ok: boolean;
  seconds: number;
  did: string[];
  tensorflowVersion?: string;
  tfjsNodeVersion?: string;
  what?: string;
  todo?: string;
  /** The backend the engine picked after a failure, or why it did not start. */
  backend?: string;
  backendError?: string;
}

/** Runs the set-up; returns the outcome line and the exit code (0 unless the user interrupted it). */
async function setUp(): Promise<[string, number]> {
  const cfg = parseEnv(process.env);
  if (!cfg.BULWARK_NATIVE_INSTALL) return ["skipped (BULWARK_NATIVE_INSTALL=false): evaluations run on WebAssembly; `npm run engine:native` sets it up", 0];
  const dataDir = resolve(ROOT, cfg.BULWARK_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const log = join(dataDir, "native-install.log");
  const reportFile = join(dataDir, "native-install.json");
  rmSync(reportFile, { force: true });
  const limit = cfg.BULWARK_NATIVE_INSTALL_TIMEOUT_S;
  say(`setting up, at most ${limit} s (BULWARK_NATIVE_INSTALL_TIMEOUT_S; BULWARK_NATIVE_INSTALL=false skips it); log: ${shown(log)}`);

  const fd = openSync(log, "w");
  // Its own process group, so that the limit stops pip, npm and the compiler with it; output to the file
  // only (no pipe a leftover grandchild could hold open).
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "engine-native.ts"), "--report", reportFile], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone already
    }
  };
  let stoppedBy: "limit" | NodeJS.Signals | undefined;
  const stop = (why: typeof stoppedBy) => {
    stoppedBy ??= why;
    signalGroup("SIGTERM");
    setTimeout(() => signalGroup("SIGKILL"), 10_000).unref();
  };
  const timer = setTimeout(() => stop("limit"), limit * 1000);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => stop(sig));
  const exit = await new Promise<number | string>((res) => {
    child.on("exit", (code, signal) => res(code ?? signal ?? "?"));
    child.on("error", (e) => res(e.message));
  });
  clearTimeout(timer);

  const tail = `log: ${shown(log)}`;
  if (stoppedBy) {
    signalGroup("SIGKILL"); // anything of the tree still running
    let removed = "";
    if (existsSync(INCOMPLETE)) {
      rmSync(PKG_DIR, { recursive: true, force: true });
      rmSync(INCOMPLETE, { force: true });
      removed = "; removed the half-installed node_modules/@tensorflow/tfjs-node";
    }
    const why = stoppedBy === "limit" ? `stopped at the time limit of ${limit} s (BULWARK_NATIVE_INSTALL_TIMEOUT_S)` : `interrupted (${stoppedBy})`;
    return [`not set up: ${why}${removed}. Evaluations run on WebAssembly; \`npm run engine:native\` finishes it (no limit; it reuses what is done); ${tail}`, stoppedBy === "limit" ? 0 : 130];
  }
  let report: Report | undefined;
  try {
    report = JSON.parse(readFileSync(reportFile, "utf8")) as Report;
  } catch {
    // no report: it stopped before writing one
  }
  if (report?.ok && exit === 0) {
    return [`ready in ${report.seconds.toFixed(1)} s (TensorFlow ${report.tensorflowVersion} via tfjs-node ${report.tfjsNodeVersion}: ${report.did.join(", ")}); evaluations run on it`, 0];
  }
  if (!report || report.ok) return [`not set up: the set-up stopped unexpectedly (exit ${exit}). Evaluations run on WebAssembly; ${tail}`, 0];
  // engine-native's messages point at output "above", which here is in the log.
  const what = oneLine(report.what ?? "").replace(/ above\b/g, " in the log");
  const engine = !report.backend
    ? `Warning: the engine did not start on any backend (${oneLine(report.backendError ?? "")})`
    : report.backend === "tensorflow" ? "Evaluations still run on the native backend set up earlier (checked)" : `Evaluations run on ${report.backend === "wasm" ? "WebAssembly" : report.backend} (checked)`;
  return [`not set up: ${what}. ${engine}. To set it up: ${oneLine(report.todo ?? "")} (\`npm run engine:native\` runs it again); ${tail}`, 0];
}

let outcome: [string, number];
try {
  outcome = await setUp();
} catch (e) {
  // A bad variable (ConfigError) or anything else: say it, but never fail `npm install` for it.
  outcome = [`not set up: ${oneLine(e instanceof Error ? e.message : String(e))}. Evaluations run on WebAssembly`, 0];
}
say(outcome[0]);
process.exit(outcome[1]);
