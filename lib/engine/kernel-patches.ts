import { registerAvgPoolGradFix, registerWasmGradientPatches } from "./wasm-kernels";
import { registerExactSign } from "./exact-kernels";
import { registerNativeReluGrad, registerNativeStep } from "./native-kernels";

/**
 * The engine's kernel replacements for one backend (idempotent); returns their names for the record.
 * Shared by the worker (backend.ts) and the browser explorer (browser-backend.ts), so an attack runs on
 * the same kernels in both. Pure TF.js: safe to bundle for the browser.
 */
export function applyKernelPatches(backend: string): string[] {
  if (backend === "wasm") return [registerExactSign("wasm"), ...registerWasmGradientPatches()];
  if (backend === "tensorflow") return [registerExactSign("tensorflow"), registerNativeStep(), registerNativeReluGrad()];
  if (backend === "cpu") return [registerAvgPoolGradFix("cpu")];
  return [];
}
