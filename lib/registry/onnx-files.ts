import type { Problem } from "./model-files";
import { shown } from "./limits";
import type { StagedFile } from "./staging";

// Which uploaded files make an ONNX model version: one .onnx file, and beside it (same folder or below)
// the files that may hold its external data. Which of them the model really reads is known only once the
// check process has parsed the graph; the rest are reported as ignored and not stored.

export interface OnnxUpload {
  onnx: StagedFile & { rel: string };
  /** Files in the .onnx file's folder or below, keyed by the path relative to it. */
  beside: (StagedFile & { rel: string })[];
  /** Files elsewhere in the upload (never read). */
  outside: string[];
}

export const isOnnxName = (name: string) => name.toLowerCase().endsWith(".onnx");

/** null when the upload holds no .onnx file (then it is a TensorFlow.js upload); else the set or its problems. */
export function findOnnxUpload(files: StagedFile[]): { problems: Problem[]; set?: OnnxUpload } | null {
  const onnx = files.filter((f) => isOnnxName(f.name));
  if (onnx.length === 0) return null;
  const p = (message: string): { problems: Problem[] } => ({ problems: [{ field: "files", message }] });
  if (onnx.length > 1) return p(`The upload holds ${onnx.length} .onnx files (${onnx.slice(0, 5).map((f) => shown(f.name)).join(", ")}); upload one model per version.`);
  const jsons = files.filter((f) => f.name.split("/").pop() === "model.json");
  if (jsons.length) return p(`The upload holds both an ONNX model (${shown(onnx[0].name)}) and a TensorFlow.js model.json: upload one model per version.`);
  const m = onnx[0];
  const base = m.name.includes("/") ? m.name.slice(0, m.name.lastIndexOf("/") + 1) : "";
  const beside = files.filter((f) => f !== m && f.name.startsWith(base)).map((f) => ({ ...f, rel: f.name.slice(base.length) }));
  const outside = files.filter((f) => f !== m && !f.name.startsWith(base)).map((f) => f.name);
  return { problems: [], set: { onnx: { ...m, rel: m.name.slice(base.length) }, beside, outside } };
}
