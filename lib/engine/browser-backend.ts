import * as tf from "@tensorflow/tfjs";
import { applyKernelPatches } from "./kernel-patches";

/*
 * The explorer's backend in the browser: WebGL (the GPU, when the browser offers one), else the plain CPU
 * backend, which is also the worker's reference for replaying breaks, so it reproduces a worker's cpu run
 * exactly. The same kernel replacements as the worker are applied (kernel-patches.ts).
 */

export type BrowserBackendPreference = "auto" | "webgl" | "cpu";

export interface BrowserBackendInfo {
  backend: string;
  kernelPatches: string[];
  /** Backends tried before the chosen one, with the reason. */
  fallbacks: string[];
}

/** Starts the preferred backend (auto: WebGL, then cpu); an explicit preference that fails throws. */
export async function startBrowserBackend(preference: BrowserBackendPreference): Promise<BrowserBackendInfo> {
  const order = preference === "auto" ? (["webgl", "cpu"] as const) : ([preference] as const);
  const fallbacks: string[] = [];
  for (const name of order) {
    let ok = false;
    try {
      ok = await tf.setBackend(name);
    } catch (e) {
      fallbacks.push(`${name}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      continue;
    }
    if (!ok) {
      fallbacks.push(`${name}: not available in this browser`);
      continue;
    }
    await tf.ready();
    return { backend: tf.getBackend(), kernelPatches: applyKernelPatches(tf.getBackend()), fallbacks };
  }
  throw new Error(`No TensorFlow.js backend could start: ${fallbacks.join("; ")}`);
}
