import { createRequire } from "node:module";
import { dirname } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { registerWasmGradientPatches } from "../engine/wasm-kernels";
import type { BackendPreference } from "../engine/backend";

// Thin adapter (registry side) that starts a TensorFlow.js backend for the upload checks.
//
// Why not lib/engine/backend.ts initEngineBackend? Its `await import(spec)` of the optional
// @tensorflow/tfjs-node makes Turbopack fail the Next build ("Can't resolve '@tensorflow/tfjs-node'")
// when that package is not installed, and registry uploads run inside the Next server. This adapter
// uses wasm with the engine's gradient patches, then cpu (native only when BULWARK_TF_BACKEND=tensorflow,
// loaded through a require the bundler does not trace). Drop it once backend.ts is bundle-safe.

const req = createRequire(import.meta.url);
let ready: Promise<string> | null = null;

async function start(pref: BackendPreference): Promise<string> {
  // "auto" skips the native backend here: these checks run in the web process, where tfjs-node would add
  // about 600 MB of resident memory for a few small passes; wasm is always installed and, with the
  // engine's kernels, computes the same gradients (lib/engine/differential.test.ts).
  if (pref === "tensorflow") {
    try {
      req(["@tensorflow", "tfjs-node"].join("/"));
      if (await tf.setBackend("tensorflow")) return "tensorflow";
    } catch (e) {
      if (pref === "tensorflow") throw new Error(`the tensorflow backend is unavailable (${(e as Error).message.split("\n")[0]})`);
    }
  }
  if (pref === "auto" || pref === "wasm") {
    try {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      wasm.setWasmPaths(dirname(req.resolve("@tensorflow/tfjs-backend-wasm")) + "/");
      if (await tf.setBackend("wasm")) {
        registerWasmGradientPatches();
        return "wasm";
      }
    } catch (e) {
      if (pref === "wasm") throw e;
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return "cpu";
}

/** Starts (once) and returns the backend used for the registry's model checks. */
export function ensureCheckBackend(pref: BackendPreference): Promise<string> {
  ready ??= start(pref).catch((e) => {
    ready = null;
    throw e;
  });
  return ready;
}
