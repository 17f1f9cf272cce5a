import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { registerWasmGradientPatches } from "./wasm-kernels";
import { applyKernelPatches } from "./kernel-patches";

export type BackendPreference = "auto" | "tensorflow" | "wasm" | "cpu";

export interface EngineBackendInfo {
  /** tf.getBackend() after initialisation: "tensorflow" | "wasm" | "cpu". */
  backend: string;
  tfjsVersion: string;
  simd?: boolean;
  threads?: number;
  /** Native backend only: the libtensorflow version the tfjs-node binding runs on, e.g. "2.21.0". */
  tensorflowVersion?: string;
  /** Native backend only: the @tensorflow/tfjs-node package version. */
  tfjsNodeVersion?: string;
  /** Kernels this engine replaced or added on the backend (so results can be audited). */
  kernelPatches: string[];
  /** Preferences that were tried and failed before the chosen one, with the reason. */
  fallbacks: string[];
}

const require = createRequire(import.meta.url);
let current: EngineBackendInfo | null = null;
let pending: Promise<EngineBackendInfo> | null = null;
let pendingPreference: BackendPreference | null = null;

/** Parse a user-supplied backend preference (e.g. the BULWARK_TF_BACKEND value the caller read). */
export function parseBackendPreference(value: string | undefined | null): BackendPreference {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "auto") return "auto";
  if (v === "tensorflow" || v === "node" || v === "native") return "tensorflow";
  if (v === "wasm" || v === "cpu") return v;
  throw new Error(`Unknown TensorFlow.js backend "${value}": use auto, tensorflow, wasm or cpu`);
}

let nativeVersions: { tensorflowVersion?: string; tfjsNodeVersion?: string } = {};
async function tryNative(): Promise<void> {
  // tfjs-node is installed only by `npm run engine:native` (or an online npm install); a variable
  // specifier keeps bundlers and tsc from requiring it.
  const spec = "@tensorflow/tfjs-node";
  const node = (await import(/* @vite-ignore */ spec)) as { version?: Record<string, string> };
  if (!(await tf.setBackend("tensorflow"))) throw new Error("tfjs-node loaded but the tensorflow backend did not start");
  // The binding reports the libtensorflow it was built against (TF_Version of the C API).
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  nativeVersions = { tensorflowVersion: binding?.TF_Version, tfjsNodeVersion: node.version?.["tfjs-node"] };
}

let wasmRegistered = false;
async function tryWasm(): Promise<void> {
  if (!wasmRegistered) {
    // Imported lazily: importing it registers wasm as the top-priority backend.
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const main = require.resolve("@tensorflow/tfjs-backend-wasm");
    // The trailing slash matters: the backend concatenates file names to this prefix.
    wasm.setWasmPaths(dirname(main) + "/");
    wasmRegistered = true;
  }
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend failed to initialise");
  registerWasmGradientPatches();
}

async function describe(fallbacks: string[]): Promise<EngineBackendInfo> {
  const backend = tf.getBackend();
  const info: EngineBackendInfo = {
    backend,
    tfjsVersion: tf.version.tfjs,
    kernelPatches: applyKernelPatches(backend),
    fallbacks,
  };
  if (backend === "tensorflow") Object.assign(info, nativeVersions);
  if (backend === "wasm") {
    info.simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    const mt = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
    info.threads = mt ? undefined : 1;
    if (mt) {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      info.threads = wasm.getThreadsCount();
    }
  }
  return info;
}

/**
 * tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js … install our node backend"
 * on its first tensor in Node. The engine uses cpu beside native or wasm (the replay reference), so the worker's
 * log told operators to install what was already running. The engine names its backend in its own words
 * (describeBackend, `npm start`'s "Evaluations run on"), so the banner is turned off (a field of tfjs's cpu
 * backend; if a later tfjs renames it, the banner merely comes back).
 */
function quietCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu && "firstUse" in cpu) cpu.firstUse = false;
}

async function init(preference: BackendPreference): Promise<EngineBackendInfo> {
  quietCpuBanner();
  const order: Exclude<BackendPreference, "auto">[] =
    preference === "auto" ? ["tensorflow", "wasm", "cpu"] : [preference];
  const fallbacks: string[] = [];
  for (const name of order) {
    try {
      if (name === "tensorflow") await tryNative();
      else if (name === "wasm") await tryWasm();
      else if (!(await tf.setBackend("cpu"))) throw new Error("cpu backend failed to start");
      await tf.ready();
      return await describe(fallbacks);
    } catch (err) {
      const msg = `${name}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
      if (preference !== "auto") throw new Error(`Requested TensorFlow.js backend is unavailable (${msg})`);
      fallbacks.push(msg);
    }
  }
  throw new Error(`No TensorFlow.js backend could start: ${fallbacks.join("; ")}`);
}

/**
 * Choose and start the TensorFlow.js backend: native (tfjs-node) when installed, else wasm, else cpu.
 * Idempotent: repeated calls with the same preference return the same info; a different explicit
 * preference switches backend (tests compare backends this way).
 */
export async function initEngineBackend(preference: BackendPreference = "auto"): Promise<EngineBackendInfo> {
  if (pending && pendingPreference === preference) return pending;
  if (current && (preference === "auto" || current.backend === preference)) return current;
  pendingPreference = preference;
  pending = init(preference).then(
    (info) => {
      current = info;
      return info;
    },
    (err) => {
      pending = null;
      pendingPreference = null;
      throw err;
    },
  );
  return pending;
}

/** The info of the backend currently running (throws if initEngineBackend was never awaited). */
export function currentBackendInfo(): EngineBackendInfo {
  if (!current || current.backend !== tf.getBackend()) {
    throw new Error("Engine backend not initialised: await initEngineBackend() first");
  }
  return current;
}

/** One line for logs, e.g. "tensorflow (TensorFlow 2.21.0, tfjs-node 4.22.0, tfjs 4.22.0)". */
export function describeBackend(info: EngineBackendInfo): string {
  const parts: string[] = [];
  if (info.tensorflowVersion) parts.push(`TensorFlow ${info.tensorflowVersion}`);
  if (info.tfjsNodeVersion) parts.push(`tfjs-node ${info.tfjsNodeVersion}`);
  parts.push(`tfjs ${info.tfjsVersion}`);
  if (info.backend === "wasm") parts.push(`${info.simd ? "SIMD" : "no SIMD"}, ${info.threads ?? "?"} thread${info.threads === 1 ? "" : "s"}`);
  return `${info.backend} (${parts.join(", ")})`;
}
