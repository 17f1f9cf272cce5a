/*
 * The install step (package.json's postinstall → scripts/native-install.ts): both outcomes of issue 27.
 * Native present: it finds the backend set up, changes nothing and the engine picks it. Native impossible
 * (the TensorFlow wheel unreachable through pip, or the time limit): one line saying so, exit 0, nothing
 * touched, and the engine starts on wasm. The impossible cases run against an empty data dir, so the set-up
 * stops before node_modules (the real tfjs-node here is checked to be untouched); the engine's own view
 * that tfjs-node is missing comes from a module hook that hides it in every Node process of the run.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseEnv } from "../lib/env";

const ROOT = resolve(import.meta.dirname, "..");
const PKG_DIR = join(ROOT, "node_modules", "@tensorflow", "tfjs-node");
const cfg = parseEnv(process.env);
const dataDir = resolve(ROOT, cfg.BULWARK_DATA_DIR);
const tmp = mkdtempSync(join(tmpdir(), "bulwark-native-install-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  code: number;
  lines: string[];
}

/** Runs the install step as npm's postinstall does (cwd = the project) with extra variables. */
async function installStep(extraEnv: Record<string, string>): Promise<Outcome> {
  try {
    const r = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/native-install.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...extraEnv },
      timeout: 600_000,
    });
    return { code: 0, lines: r.stdout.trim().split("\n") };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, lines: `${err.stdout ?? ""}${err.stderr ?? ""}`.trim().split("\n") };
  }
}

/** Identity and timestamps of what the native backend consists of in node_modules (absent: null). */
function nativeFiles(): Record<string, string | null> {
  const lib = join(PKG_DIR, "lib");
  const napi = existsSync(lib) ? readdirSync(lib).map((d) => join(lib, d, "tfjs_binding.node")) : [];
  return Object.fromEntries(
    [PKG_DIR, join(PKG_DIR, "deps"), join(PKG_DIR, "deps", "lib"), join(PKG_DIR, "package.json"), ...napi].map((p) => {
      const st = statSync(p, { throwIfNoEntry: false });
      return [p, st ? `${st.ino} ${st.mtimeMs}` : null];
    }),
  );
}

/** Every Node process started with this file as --import sees no @tensorflow/tfjs-node. */
function hideNativeHook(): string {
  const hook = `export async function resolve(specifier, context, next) {
  if (specifier === "@tensorflow/tfjs-node") throw Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' (hidden by native-install.test.ts)"), { code: "ERR_MODULE_NOT_FOUND" });
  return next(specifier, context);
}`;
  const file = join(tmp, "hide-tfjs-node.mjs");
  writeFileSync(file, `import { register } from "node:module";\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`);
  return pathToFileURL(file).href;
}

const installed = existsSync(join(dataDir, "native", "tensorflow-2.21.0", "ready.json")) && Object.entries(nativeFiles()).some(([p, id]) => p.endsWith("tfjs_binding.node") && id);
if (!installed) {
  console.warn(`[native-install] the native backend is not set up here: the "native present" case ${cfg.BULWARK_REQUIRE_NATIVE ? "FAILS (BULWARK_REQUIRE_NATIVE is set)" : "is skipped (npm install sets it up; BULWARK_REQUIRE_NATIVE=1 makes this a failure)"}`);
}

describe("the install step (postinstall) and the native TensorFlow backend", () => {
  it.skipIf(!installed && !cfg.BULWARK_REQUIRE_NATIVE)("native present: it says ready, touches nothing, and the engine picks native by itself", async () => {
    expect(installed, "BULWARK_REQUIRE_NATIVE is set but the native backend is not set up in node_modules and the data dir").toBe(true);
    const before = nativeFiles();
    const r = await installStep({ BULWARK_NATIVE_INSTALL: "true" });
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatch(/^Native TensorFlow backend: setting up, at most \d+ s \(BULWARK_NATIVE_INSTALL_TIMEOUT_S; BULWARK_NATIVE_INSTALL=false skips it\); log: /);
    // "ready" is printed only when the engine, loaded in a child process with backend "auto", picked tensorflow.
    expect(r.lines[1]).toMatch(/^Native TensorFlow backend: ready in [\d.]+ s \(TensorFlow 2\.21\.0 via tfjs-node 4\.22\.0: libraries cached\); evaluations run on it$/);
    expect(r.lines).toHaveLength(2);
    expect(nativeFiles()).toEqual(before);
    expect(existsSync(join(ROOT, "node_modules", ".bulwark-native-incomplete"))).toBe(false);
  });

  it("wheel unreachable through pip: one line, exit 0, nothing touched, and the engine starts on wasm", async () => {
    const before = nativeFiles();
    // A data dir without the TensorFlow libraries: the set-up has to fetch the wheel.
    const dir = join(tmp, "unreachable");
    const noWheels = join(tmp, "no-wheels");
    mkdirSync(noWheels);
    const r = await installStep({
      BULWARK_DATA_DIR: dir,
      BULWARK_TF_WHEEL: "",
      // pip without its configuration and without any index: the wheel cannot be found, as offline.
      PIP_CONFIG_FILE: "/dev/null",
      PIP_NO_INDEX: "1",
      PIP_FIND_LINKS: noWheels,
      NODE_OPTIONS: `--import ${hideNativeHook()}`,
    });
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(2);
    // pip missing altogether on a machine is the same outcome with "pip was not found".
    expect(r.lines[1]).toMatch(/^Native TensorFlow backend: not set up: pip (could not download tensorflow-cpu==2\.21\.0|was not found)[^\n]*\. Evaluations run on WebAssembly \(checked\)\. To set it up: .* \(`npm run engine:native` runs it again\); log: /);
    expect(r.lines[1]).toContain(join(dir, "native-install.log"));
    expect(readFileSync(join(dir, "native-install.log"), "utf8")).toContain("engine:native FAILED: pip");
    const report = JSON.parse(readFileSync(join(dir, "native-install.json"), "utf8")) as { ok: boolean; backend: string };
    expect(report).toMatchObject({ ok: false, backend: "wasm" });
    // Nothing half-stored: no libraries, no download, node_modules as it was.
    expect(existsSync(join(dir, "native", "tensorflow-2.21.0"))).toBe(false);
    expect(existsSync(join(dir, "native", "download"))).toBe(false);
    expect(nativeFiles()).toEqual(before);
  });

  it("the time limit: stopped with its whole process tree, one line, exit 0, nothing touched", async () => {
    const before = nativeFiles();
    const dir = join(tmp, "slow");
    // A pip that never answers, as behind a network that drops packets.
    const bin = join(tmp, "slow-bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "pip3"), "#!/bin/sh\nexec sleep 300\n", { mode: 0o755 });
    const token = `native-install-test-${process.pid}-${Date.now()}`;
    const r = await installStep({
      BULWARK_DATA_DIR: dir,
      BULWARK_TF_WHEEL: "",
      BULWARK_NATIVE_INSTALL_TIMEOUT_S: "8",
      PATH: `${bin}:${process.env.PATH}`,
      NATIVE_INSTALL_TEST_TOKEN: token,
    });
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatch(/setting up, at most 8 s/);
    expect(r.lines[1]).toMatch(/^Native TensorFlow backend: not set up: stopped at the time limit of 8 s \(BULWARK_NATIVE_INSTALL_TIMEOUT_S\)\. Evaluations run on WebAssembly; `npm run engine:native` finishes it/);
    expect(r.lines).toHaveLength(2);
    expect(nativeFiles()).toEqual(before);
    // No process of the set-up is left (the stand-in pip included): none carries the token any more.
    const survivors = () =>
      readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
        try {
          return readFileSync(`/proc/${p}/environ`, "utf8").includes(token);
        } catch {
          return false;
        }
      });
    const deadline = Date.now() + 60_000;
    while (survivors().length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 500));
    expect(survivors()).toEqual([]);
  });

  it("opted out, or a bad value: one line and exit 0, without starting the set-up", async () => {
    const dir = join(tmp, "opt-out");
    const off = await installStep({ BULWARK_DATA_DIR: dir, BULWARK_NATIVE_INSTALL: "false" });
    expect(off).toEqual({ code: 0, lines: ["Native TensorFlow backend: skipped (BULWARK_NATIVE_INSTALL=false): evaluations run on WebAssembly; `npm run engine:native` sets it up"] });
    const bad = await installStep({ BULWARK_DATA_DIR: dir, BULWARK_NATIVE_INSTALL_TIMEOUT_S: "soon" });
    expect(bad.code).toBe(0);
    expect(bad.lines).toEqual([expect.stringMatching(/^Native TensorFlow backend: not set up: Invalid configuration: BULWARK_NATIVE_INSTALL_TIMEOUT_S: expected a number of seconds \(got "soon"\)\. Evaluations run on WebAssembly$/)]);
    expect(existsSync(join(dir, "native-install.log"))).toBe(false);
  });
});
