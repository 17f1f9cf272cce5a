/*
 * npm run engine:native — set up the native TensorFlow backend (@tensorflow/tfjs-node) without internet.
 *
 * tfjs-node's own install script downloads libtensorflow from Google's storage, which offline machines
 * cannot reach. The tensorflow-cpu Python wheel carries the same TensorFlow C API (libtensorflow_cc.so.2,
 * libtensorflow_framework.so.2) and its headers, and pip can fetch it from the configured package index.
 * Steps (each skipped when already done, so the command can be re-run at any time, e.g. after `npm ci`,
 * which wipes node_modules):
 *   1. check platform and build tools;
 *   2. fetch the wheel with pip (or take BULWARK_TF_WHEEL) and extract only the two libraries and the
 *      headers the binding includes into <data dir>/native/tensorflow-2.21.0 (the data dir is git-ignored);
 *   3. install @tensorflow/tfjs-node 4.22.0 with --ignore-scripts --no-save --prefer-offline (package.json
 *      and the lockfile stay as they are: `npm install` must keep working offline without this);
 *   4. place the libraries and headers in its deps/ folder;
 *   5. take the binding built earlier from the cache, else build it (`npm rebuild … --foreground-scripts`,
 *      node-gyp against Node's headers) and keep a copy in the cache;
 *   6. load the engine in a child process and check that it picks the "tensorflow" backend by itself.
 * On failure it says what failed and what to do, removes a half-installed tfjs-node and shows that the
 * engine still starts on wasm. `npm install`/`npm ci` run this through scripts/native-install.ts (time
 * limit, output in a log file); `--report <file>` writes the outcome there as JSON for it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, linkSync, copyFileSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";
import { ConfigError, parseEnv } from "../lib/env";

const TF_VERSION = "2.21.0";
const TFJS_NODE_VERSION = "4.22.0";
const LIBS = ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"];
// Only the headers the binding's sources include (c_api.h, eager/c_api.h and what they include):
// about 5 MB of the wheel's 270 MB of headers.
const HEADER_DIRS = ["tensorflow/c/", "tensorflow/core/platform/", "tsl/", "xla/tsl/"];

const ROOT = resolve(import.meta.dirname, "..");
const SELF = fileURLToPath(import.meta.url);
const PKG_DIR = join(ROOT, "node_modules", "@tensorflow", "tfjs-node");
// Present while this script changes node_modules/@tensorflow/tfjs-node: a run that was killed (the install
// step's time limit, Ctrl-C) leaves it behind, and the package is then removed rather than trusted.
const INCOMPLETE = join(ROOT, "node_modules", ".bulwark-native-incomplete");
const reportArg = process.argv.indexOf("--report");
const REPORT = reportArg > 0 ? process.argv[reportArg + 1] : undefined;
/** What this run did, in a few words per step (the install step prints it on one line). */
const did: string[] = [];

class SetupError extends Error {
  constructor(
    readonly what: string,
    readonly todo: string,
  ) {
    super(what);
  }
}

const t0 = Date.now();
const secs = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
let stepNo = 0;
const STEPS = 6;
function step(title: string) {
  console.log(`\n[${++stepNo}/${STEPS}] ${title}`);
}
const info = (m: string) => console.log(`      ${m}`);

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}) {
  return spawnSync(cmd, args, { cwd: ROOT, env: opts.env ?? process.env, stdio: opts.quiet ? "pipe" : "inherit", encoding: "utf8" });
}
const has = (cmd: string) => run("sh", ["-c", `command -v ${cmd}`], { quiet: true }).status === 0;
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

function duBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}

// ---------------------------------------------------------------------------------------------------
// --probe: run in a child process by step 6 (a broken native library can crash the process that loads
// it, so it is never loaded in this one). Prints the engine's backend info as JSON.
if (process.argv.includes("--probe")) {
  const { initEngineBackend } = await import("../lib/engine/backend");
  const arg = process.argv[process.argv.indexOf("--probe") + 1];
  const want = arg === "wasm" || arg === "auto" ? arg : "tensorflow";
  const backendInfo = await initEngineBackend(want);
  console.log(JSON.stringify(backendInfo));
  process.exit(0);
}

function probe(backend: "auto" | "tensorflow" | "wasm"): { ok: true; info: Record<string, unknown> } | { ok: false; error: string } {
  const r = run(process.execPath, ["--import", "tsx", SELF, "--probe", backend], { quiet: true, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } });
  if (r.status === 0) {
    const last = r.stdout.trim().split("\n").pop() ?? "";
    try {
      return { ok: true, info: JSON.parse(last) };
    } catch {
      /* fall through */
    }
  }
  const err = (r.stderr || r.stdout || `exit ${r.status ?? r.signal}`).trim().split("\n").filter((l) => l.trim()).slice(-3).join(" | ");
  return { ok: false, error: err };
}

// ---------------------------------------------------------------------------------------------------
function checkPlatform(): void {
  step("Checking platform and build tools");
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new SetupError(
      `this recipe supports Linux on x86-64 only (this machine is ${process.platform}/${process.arch})`,
      "on macOS or ARM with internet, `npm install --no-save @tensorflow/tfjs-node@4.22.0` downloads a prebuilt backend; otherwise the engine runs on wasm",
    );
  }
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime;
  const [maj, min] = (glibc ?? "0.0").split(".").map(Number);
  if (!glibc || maj < 2 || (maj === 2 && min < 27)) {
    throw new SetupError(`the TensorFlow wheel needs glibc 2.27 or newer (found ${glibc ?? "none: musl?"})`, "use a glibc-based distribution (Debian 10+, Ubuntu 18.04+); the engine runs on wasm meanwhile");
  }
  const missing = [["g++", "g++"], ["make", "make"], ["python3", "python3"]].filter(([cmd]) => !has(cmd)).map(([, pkg]) => pkg);
  if (missing.length) {
    throw new SetupError(`missing build tools: ${missing.join(", ")} (node-gyp needs a C++ compiler, make and Python 3)`, `install them, e.g. on Debian/Ubuntu: apt-get install -y ${missing.join(" ")}`);
  }
  info(`linux/x64, glibc ${glibc}, node ${process.versions.node} (N-API ${process.versions.napi}), g++ make python3 present`);
}

/** node-gyp needs Node's C headers; offline they must be on disk (npm's `nodedir`, or /usr/include/node). */
function nodedirEnv(): NodeJS.ProcessEnv {
  const configured = run("npm", ["config", "get", "nodedir"], { quiet: true }).stdout?.trim();
  if (configured && configured !== "undefined" && existsSync(join(configured, "include", "node", "node_api.h"))) return process.env;
  for (const dir of [dirname(dirname(process.execPath)), "/usr", "/usr/local"]) {
    if (existsSync(join(dir, "include", "node", "node_api.h"))) return { ...process.env, npm_config_nodedir: dir };
  }
  throw new SetupError(
    "Node's C headers (include/node/node_api.h) were not found, and node-gyp cannot download them offline",
    "install them (Debian/Ubuntu: apt-get install -y libnode-dev, or use the official Node.js tarball, which ships include/node) or set npm_config_nodedir to a folder that has include/node",
  );
}

// ---------------------------------------------------------------------------------------------------
function cacheDir(): string {
  try {
    return join(resolve(ROOT, parseEnv(process.env).BULWARK_DATA_DIR), "native", `tensorflow-${TF_VERSION}`);
  } catch (e) {
    if (e instanceof ConfigError) throw new SetupError(e.message, "fix the variable named above");
    throw e;
  }
}

function pipCommand(): string[] | null {
  for (const c of [["pip3"], ["pip"], ["python3", "-m", "pip"]]) {
    if (run(c[0]!, [...c.slice(1), "--version"], { quiet: true }).status === 0) return c;
  }
  return null;
}

function findWheel(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).find((f) => f.startsWith(`tensorflow_cpu-${TF_VERSION}-`) && f.endsWith(".whl"));
  return name ? join(dir, name) : undefined;
}

/** Extracts the two libraries and the needed headers from the wheel (a zip) into `dest`. */
async function extractWheel(wheel: string, dest: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) => yauzl.open(wheel, { lazyEntries: true, autoClose: true }, (e, z) => (e ? rej(e) : res(z!))));
  const found = new Set<string>();
  await new Promise<void>((res, rej) => {
    zip.on("error", rej);
    zip.on("end", () => res());
    zip.on("entry", (entry: yauzl.Entry) => {
      const name = entry.fileName;
      let target: string | undefined;
      if (LIBS.some((l) => name === `tensorflow/${l}`)) target = join(dest, "lib", name.slice("tensorflow/".length));
      else if (name.startsWith("tensorflow/include/") && !name.endsWith("/")) {
        const rel = name.slice("tensorflow/include/".length);
        if (HEADER_DIRS.some((d) => rel.startsWith(d)) && !rel.includes("..")) target = join(dest, "include", rel);
      }
      if (!target) return zip.readEntry();
      found.add(name);
      mkdirSync(dirname(target), { recursive: true });
      zip.openReadStream(entry, (e, stream) => {
        if (e) return rej(e);
        pipeline(stream!, createWriteStream(target)).then(() => zip.readEntry(), rej);
      });
    });
    zip.readEntry();
  });
  for (const lib of LIBS) {
    if (!found.has(`tensorflow/${lib}`)) throw new SetupError(`${wheel} has no tensorflow/${lib}`, `use the tensorflow-cpu ${TF_VERSION} wheel for Linux x86-64 (manylinux)`);
  }
  if (!existsSync(join(dest, "include", "tensorflow", "c", "c_api.h"))) throw new SetupError(`${wheel} has no headers (tensorflow/include/tensorflow/c/c_api.h)`, `use the tensorflow-cpu ${TF_VERSION} wheel`);
}

async function ensureLibraries(dir: string, wheelFromEnv: string | undefined): Promise<void> {
  step(`TensorFlow ${TF_VERSION} C libraries and headers`);
  const marker = join(dir, "ready.json");
  if (existsSync(marker) && LIBS.every((l) => existsSync(join(dir, "lib", l)))) {
    info(`already extracted in ${relative(ROOT, dir) || dir} (${mb(duBytes(dir))})`);
    did.push("libraries cached");
    return;
  }
  let wheel = wheelFromEnv ? resolve(wheelFromEnv) : undefined;
  const downloadDir = join(dirname(dir), "download");
  if (wheel) {
    if (!existsSync(wheel)) throw new SetupError(`BULWARK_TF_WHEEL=${wheelFromEnv}: no such file`, "point it at a tensorflow_cpu-2.21.0-…-manylinux…_x86_64.whl file");
    info(`using the wheel from BULWARK_TF_WHEEL: ${wheel}`);
  } else {
    wheel = findWheel(downloadDir);
    if (wheel) info(`using the wheel downloaded earlier: ${wheel}`);
  }
  if (!wheel) {
    const pip = pipCommand();
    if (!pip) {
      throw new SetupError(
        "pip was not found (pip3, pip or python3 -m pip)",
        `install it (Debian/Ubuntu: apt-get install -y python3-pip), or fetch tensorflow_cpu-${TF_VERSION}-cp3XX-cp3XX-manylinux_2_27_x86_64.whl on another machine and run again with BULWARK_TF_WHEEL=/path/to/it.whl`,
      );
    }
    info(`downloading tensorflow-cpu==${TF_VERSION} with ${pip.join(" ")} (about 270 MB)…`);
    const started = Date.now();
    // Into a separate folder, moved when pip is done: a download cut short is never taken for a wheel.
    const partial = `${downloadDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const r = run(pip[0]!, [...pip.slice(1), "download", "--no-deps", "--only-binary=:all:", `tensorflow-cpu==${TF_VERSION}`, "-d", partial]);
    const got = r.status === 0 ? findWheel(partial) : undefined;
    if (got) {
      rmSync(downloadDir, { recursive: true, force: true });
      renameSync(partial, downloadDir);
      wheel = findWheel(downloadDir);
    }
    if (!wheel) {
      rmSync(partial, { recursive: true, force: true });
      throw new SetupError(
        `pip could not download tensorflow-cpu==${TF_VERSION} (exit ${r.status ?? r.signal}; see pip's output above)`,
        `check pip's index (pip config list), note that the wheel exists only for the CPython versions TensorFlow 2.21 supports, or fetch the wheel elsewhere and run again with BULWARK_TF_WHEEL=/path/to/it.whl`,
      );
    }
    info(`downloaded ${mb(statSync(wheel).size)} in ${secs(started)}`);
    did.push("wheel downloaded");
  }
  const started = Date.now();
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  info(`extracting ${LIBS.join(", ")} and the C API headers…`);
  await extractWheel(wheel, tmp);
  // Record what was extracted (streamed: the main library is 790 MB).
  const sha = createHash("sha256");
  await pipeline(createReadStream(join(tmp, "lib", LIBS[0]!)), sha);
  writeFileSync(join(tmp, "ready.json"), JSON.stringify({ tensorflow: TF_VERSION, wheel: wheel.split("/").pop(), [`${LIBS[0]}.sha256`]: sha.digest("hex"), extractedAt: new Date().toISOString() }, null, 2) + "\n");
  // Move into place only when complete, so an interrupted run is redone rather than half-used.
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  info(`extracted in ${secs(started)}: ${mb(duBytes(dir))} in ${relative(ROOT, dir) || dir}`);
  did.push("libraries extracted");
  // Our own download is no longer needed (a wheel given by BULWARK_TF_WHEEL is left alone).
  if (!wheelFromEnv) {
    rmSync(downloadDir, { recursive: true, force: true });
    info("removed the downloaded wheel");
  }
}

// ---------------------------------------------------------------------------------------------------
function installedVersion(): string | undefined {
  try {
    return JSON.parse(readFileSync(join(PKG_DIR, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

function ensurePackage(): void {
  step(`@tensorflow/tfjs-node ${TFJS_NODE_VERSION}`);
  if (installedVersion() === TFJS_NODE_VERSION) {
    info("already in node_modules");
    return;
  }
  const guarded = ["package.json", "package-lock.json"].filter((f) => existsSync(join(ROOT, f)));
  const before = new Map(guarded.map((f) => [f, readFileSync(join(ROOT, f))]));
  info("npm install --no-save --ignore-scripts (its own install step would try to download libtensorflow)…");
  const started = Date.now();
  // --prefer-offline: npm's cache answers when it can (after `npm install` removed the package, it is there).
  const r = run("npm", ["install", "--no-save", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`]);
  // --no-save should leave both files alone; restore them if this npm version thinks otherwise.
  for (const [f, bytes] of before) {
    if (!readFileSync(join(ROOT, f)).equals(bytes)) {
      writeFileSync(join(ROOT, f), bytes);
      info(`npm changed ${f}; restored it`);
    }
  }
  if (r.status !== 0 || installedVersion() !== TFJS_NODE_VERSION) {
    throw new SetupError(`npm could not install @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (exit ${r.status ?? r.signal}; see npm's output above)`, "check that the npm registry is reachable (npm ping) and run again");
  }
  // A second copy of tfjs-core inside tfjs-node would register the native backend in a different engine
  // than the one our code uses.
  if (existsSync(join(PKG_DIR, "node_modules", "@tensorflow", "tfjs-core"))) {
    throw new SetupError("npm installed a separate @tensorflow/tfjs-core inside tfjs-node (version mismatch with @tensorflow/tfjs)", `keep @tensorflow/tfjs at ${TFJS_NODE_VERSION} in package.json`);
  }
  info(`installed in ${secs(started)}`);
  did.push("tfjs-node installed");
}

function link(target: string, path: string) {
  rmSync(path, { force: true, recursive: true });
  symlinkSync(target, path);
}

const LIB_LINKS: [string, string][] = [
  ["libtensorflow.so", "libtensorflow_cc.so.2"],
  ["libtensorflow_framework.so", "libtensorflow_framework.so.2"],
  ["libtensorflow.so.2.9.1", "libtensorflow_cc.so.2"],
];

/** Whether deps/ already holds the cache's libraries (same files, or copies of the same size) and links. */
function depsInPlace(dir: string): boolean {
  const deps = join(PKG_DIR, "deps");
  try {
    const libsSame = LIBS.every((l) => {
      const [a, b] = [statSync(join(deps, "lib", l)), statSync(join(dir, "lib", l))];
      return (a.dev === b.dev && a.ino === b.ino) || a.size === b.size;
    });
    const linksSame = LIB_LINKS.every(([name, target]) => readlinkSync(join(deps, "lib", name)) === target);
    return libsSame && linksSame && realpathSync(join(deps, "include")) === realpathSync(join(dir, "include"));
  } catch {
    return false;
  }
}

/** deps/ as tfjs-node's binding.gyp and install.js expect it, pointing at the extracted files. */
function placeDeps(dir: string): void {
  step("Placing the libraries and headers in tfjs-node/deps");
  if (depsInPlace(dir)) {
    info("already in place");
    return;
  }
  const deps = join(PKG_DIR, "deps");
  const lib = join(deps, "lib");
  rmSync(deps, { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  // Hard links cost no disk space and survive deleting the cache; across file systems, copy.
  let mode = "hard-linked";
  for (const l of LIBS) {
    try {
      linkSync(join(dir, "lib", l), join(lib, l));
    } catch {
      copyFileSync(join(dir, "lib", l), join(lib, l));
      mode = "copied";
    }
  }
  // The linker looks for -ltensorflow / -ltensorflow_framework; the resulting addon records the
  // sonames libtensorflow_cc.so.2 / libtensorflow_framework.so.2 and finds them by its rpath
  // ($ORIGIN/../../deps/lib). install.js skips its download when libtensorflow.so.2.9.1 exists.
  for (const [name, target] of LIB_LINKS) link(target, join(lib, name));
  link(join(dir, "include"), join(deps, "include"));
  info(`${LIBS.join(", ")} ${mode}; include/ linked`);
}

function bindingPath(): string | undefined {
  const libDir = join(PKG_DIR, "lib");
  if (!existsSync(libDir)) return undefined;
  const napi = readdirSync(libDir).filter((d) => d.startsWith("napi-v") && existsSync(join(libDir, d, "tfjs_binding.node")));
  return napi.length ? join(libDir, napi.sort().pop()!, "tfjs_binding.node") : undefined;
}

/** Where a binding this script built is kept, so that a reinstalled tfjs-node needs no compiler run. */
const bindingCache = (dir: string) => join(dir, "binding", `tfjs-node-${TFJS_NODE_VERSION}-node-abi${process.versions.modules}`);

function build(dir: string): void {
  const started = Date.now();
  rmSync(join(PKG_DIR, "lib"), { recursive: true, force: true });
  rmSync(join(PKG_DIR, "build"), { recursive: true, force: true });
  // A "tf-lib" entry makes install.js build the addon from source instead of fetching a prebuilt one.
  writeFileSync(join(PKG_DIR, "scripts", "custom-binary.json"), JSON.stringify({ "tf-lib": `file://${join(dir, "lib")} (tensorflow-cpu ${TF_VERSION} wheel)` }, null, 2) + "\n");
  const r = run("npm", ["rebuild", "@tensorflow/tfjs-node", "--foreground-scripts"], { env: nodedirEnv() });
  const built = bindingPath();
  // install.js does not always fail when the compiler does: the file is the real evidence.
  if (r.status !== 0 || !built) {
    throw new SetupError(
      `the binding build failed (npm rebuild exit ${r.status ?? r.signal}; ${built ? "" : "no lib/napi-v*/tfjs_binding.node; "}see the compiler output above)`,
      "check the C++ compiler (g++ --version) and Node's headers; run again after fixing",
    );
  }
  info(`built ${relative(ROOT, built)} in ${secs(started)}`);
  did.push("binding built");
}

/** Keeps the binding that just loaded (its rpath is relative: $ORIGIN/../../deps/lib). */
function saveBinding(dir: string, built: string): void {
  const dest = join(bindingCache(dir), relative(join(PKG_DIR, "lib"), built));
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(built, `${dest}.partial`);
  renameSync(`${dest}.partial`, dest);
  info(`kept a copy in ${relative(ROOT, dest)} for the next reinstall`);
}

/** Puts a binding built earlier back into lib/napi-v*; false when the cache has none. */
function restoreBinding(dir: string): boolean {
  const cache = bindingCache(dir);
  const napi = existsSync(cache) ? readdirSync(cache).filter((d) => existsSync(join(cache, d, "tfjs_binding.node"))) : [];
  for (const d of napi) {
    mkdirSync(join(PKG_DIR, "lib", d), { recursive: true });
    copyFileSync(join(cache, d, "tfjs_binding.node"), join(PKG_DIR, "lib", d, "tfjs_binding.node"));
  }
  return napi.length > 0;
}

/** Why the engine did not pick the native backend by itself, or null when it did. */
function notNative(check: ReturnType<typeof probe>): string | null {
  if (!check.ok) return check.error;
  if (check.info.backend === "tensorflow") return null;
  const fallbacks = (check.info.fallbacks as string[] | undefined) ?? [];
  return `the engine picked ${String(check.info.backend)}${fallbacks.length ? ` (${fallbacks.join("; ")})` : ""}`;
}

function buildAndVerify(dir: string): Record<string, unknown> {
  step("The tfjs-node binding (built once with node-gyp, about 30 s, then kept in the cache)");
  let source: "existing" | "cache" | "build" = "existing";
  const existing = bindingPath();
  if (existing) info(`already built: ${relative(ROOT, existing)}`);
  else if (restoreBinding(dir)) {
    source = "cache";
    info(`taken from ${relative(ROOT, bindingCache(dir))} (built by an earlier run)`);
    did.push("binding from the cache");
  } else {
    source = "build";
    build(dir);
  }
  step("Loading the engine in a child process (it must pick the tensorflow backend by itself)");
  let started = Date.now();
  let check = probe("auto");
  if (source !== "build" && notNative(check)) {
    info(`the ${source === "cache" ? "cached" : "existing"} binding does not load (${notNative(check)}); rebuilding`);
    build(dir);
    source = "build";
    started = Date.now();
    check = probe("auto");
  }
  const why = notNative(check);
  if (why || !check.ok) {
    throw new SetupError(`the native backend does not load: ${why}`, "read the message above; run again with BULWARK_TF_WHEEL set to a fresh wheel if the libraries look damaged");
  }
  if (source === "build") saveBinding(dir, bindingPath()!);
  info(`backend tensorflow, TensorFlow ${String(check.info.tensorflowVersion)}, tfjs-node ${String(check.info.tfjsNodeVersion)} (child process ${secs(started)})`);
  return check.info;
}

// ---------------------------------------------------------------------------------------------------
/** The outcome for scripts/native-install.ts (with --report). */
function report(outcome: Record<string, unknown>): void {
  if (REPORT) writeFileSync(REPORT, JSON.stringify({ ...outcome, did, seconds: (Date.now() - t0) / 1000 }) + "\n");
}

console.log(`Setting up the native TensorFlow backend (tensorflow-cpu ${TF_VERSION} libraries + @tensorflow/tfjs-node ${TFJS_NODE_VERSION})`);
let packageTouched = false;
try {
  if (existsSync(INCOMPLETE)) {
    rmSync(PKG_DIR, { recursive: true, force: true });
    rmSync(INCOMPLETE, { force: true });
    console.log("An earlier run was stopped while it changed node_modules/@tensorflow/tfjs-node: removed it to start again.");
  }
  checkPlatform();
  nodedirEnv(); // fail before the 270 MB download, not after it
  const dir = cacheDir();
  await ensureLibraries(dir, parseEnv(process.env).BULWARK_TF_WHEEL);
  packageTouched = true;
  writeFileSync(INCOMPLETE, `${new Date().toISOString()} pid ${process.pid}\n`);
  ensurePackage();
  placeDeps(dir);
  const loaded = buildAndVerify(dir);
  rmSync(INCOMPLETE, { force: true });
  report({ ok: true, tensorflowVersion: loaded.tensorflowVersion, tfjsNodeVersion: loaded.tfjsNodeVersion });
  console.log(`\nDone in ${secs(t0)}. Workers now use the native backend (${availableParallelism()} cores here); set BULWARK_TF_BACKEND=wasm to force WebAssembly.`);
  console.log(`Libraries: ${mb(duBytes(dir))} in ${dir}. \`npm install\` and \`npm ci\` remove tfjs-node and set it up again from this cache (scripts/native-install.ts).`);
} catch (e) {
  const err = e instanceof SetupError ? e : new SetupError(`unexpected error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`, "report it with the output above");
  console.error(`\nengine:native FAILED: ${err.what}\n  What to do: ${err.todo}`);
  // A half-installed tfjs-node would be tried (and fail) on every engine start: remove it.
  if (packageTouched && existsSync(PKG_DIR)) {
    rmSync(PKG_DIR, { recursive: true, force: true });
    console.error("  Removed the incomplete node_modules/@tensorflow/tfjs-node.");
  }
  rmSync(INCOMPLETE, { force: true });
  // What the engine picks now by itself: wasm, unless a native backend set up earlier still loads.
  const now = probe("auto");
  const backend = now.ok ? String(now.info.backend) : undefined;
  console.error(backend ? `  The engine starts on the ${backend === "tensorflow" ? "native backend set up earlier" : `${backend} backend`} (checked).` : `  Warning: the engine did not start on any backend: ${now.ok ? "" : now.error}`);
  report({ ok: false, what: err.what, todo: err.todo, backend, backendError: now.ok ? undefined : now.error });
  process.exit(1);
}
