// The explorer's engine in the browser, loaded with a dynamic import only when the Explore view opens, so no
// other page's bundle carries TensorFlow.js. Everything it fetches comes from this app's own origin.
import { startBrowserBackend, type BrowserBackendInfo, type BrowserBackendPreference } from "@/lib/engine/browser-backend";
import { loadWhiteBoxModel, type EngineModelFiles } from "@/lib/engine/formats";
import type { EngineCard } from "@/lib/engine/card";
import type { LoadedModel } from "@/lib/engine/model";

export { exploreAttack } from "@/lib/engine/explore";
export type { ExploreResult, ExploreAttack } from "@/lib/engine/explore";

export interface ExplorerFile { path: string; role: string; size: number; sha256: string }

async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  // crypto.subtle exists only in secure contexts (https, localhost); elsewhere the server's digest check stands alone.
  if (!globalThis.crypto?.subtle) return null;
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as unknown as ArrayBuffer));
  return Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Downloads the version's files through the team's file route (same permission as a download) and loads the model. */
export async function loadExplorerModel(o: {
  team: string; modelId: string; versionId: string; format: "tfjs-layers" | "onnx"; files: ExplorerFile[]; card: EngineCard;
  backend: BrowserBackendPreference; onProgress?: (text: string) => void;
}): Promise<{ model: LoadedModel; backend: BrowserBackendInfo }> {
  const backend = await startBrowserBackend(o.backend);
  let main: Uint8Array | null = null;
  const others: Record<string, Uint8Array> = {};
  const mainRole = o.format === "onnx" ? "model.onnx" : "model.json";
  for (const [i, f] of o.files.entries()) {
    o.onProgress?.(`Downloading ${f.path} (${i + 1} of ${o.files.length})…`);
    const res = await fetch(`/t/${encodeURIComponent(o.team)}/models/${encodeURIComponent(o.modelId)}/file?version=${encodeURIComponent(o.versionId)}&path=${encodeURIComponent(f.path)}`, { credentials: "same-origin" });
    if (!res.ok) throw new Error(res.status === 401 ? "Your session has ended: sign in again." : `The file ${f.path} could not be read (HTTP ${res.status}).`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = await sha256Hex(bytes);
    if (digest !== null && digest !== f.sha256) throw new Error(`The file ${f.path} arrived changed (SHA-256 ${digest.slice(0, 12)}… instead of ${f.sha256.slice(0, 12)}…).`);
    if (f.role === mainRole) main = bytes;
    else others[f.path] = bytes;
  }
  if (!main) throw new Error(`This version has no ${mainRole}.`);
  o.onProgress?.(`Loading the model on ${backend.backend}…`);
  const files: EngineModelFiles = o.format === "onnx" ? { format: "onnx", onnx: main, externalData: others } : { format: "tfjs-layers", modelJson: main, weights: others };
  return { model: await loadWhiteBoxModel(files, o.card), backend };
}
