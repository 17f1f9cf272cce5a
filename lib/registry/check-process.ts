import { readFile } from "node:fs/promises";
import { env } from "../env";
import { validateModelForEngine } from "../engine/model";
import type { EngineCard } from "../engine/card";
import { ensureCheckBackend } from "./engine-adapter";
import { checkFiniteWeights, type ModelFileSet } from "./model-files";
import { validateOnnxForEngine } from "../engine/onnx/validate";
import type { ModelCheckReply, ModelCheckRequest, OnnxCheckRequest } from "./model-check";

// The model check's own process (started by model-check.ts): reads the staged files, scans the
// weights for NaN/Infinity, loads the model in TensorFlow.js and runs the forward pass and gradient
// check. Whatever the model makes it allocate or compute happens here, under this process's memory
// and time limits, never in the web server's event loop.

async function checkOnnx(req: OnnxCheckRequest): Promise<ModelCheckReply> {
  const externalData: Record<string, Uint8Array> = {};
  for (const f of req.external) externalData[f.rel] = await readFile(f.path);
  await ensureCheckBackend(env().BULWARK_TF_BACKEND);
  const verdict = await validateOnnxForEngine({ onnx: await readFile(req.onnxPath), externalData }, req.engineCard);
  return { type: "result", nonFinite: [], verdict };
}

async function check(req: ModelCheckRequest | OnnxCheckRequest): Promise<ModelCheckReply> {
  if (req.type === "onnx") return checkOnnx(req);
  const bytes = new Map<string, Uint8Array>();
  for (const w of req.weights) bytes.set(w.rel, await readFile(w.path));
  const set = { json: { weightsManifest: req.weightsManifest } } as unknown as ModelFileSet;
  const nonFinite = await checkFiniteWeights(set, (rel) => bytes.get(rel)!);
  if (nonFinite.length) return { type: "result", nonFinite, verdict: null };
  await ensureCheckBackend(env().BULWARK_TF_BACKEND);
  const verdict = await validateModelForEngine({ modelJson: await readFile(req.modelJsonPath), weights: Object.fromEntries(bytes) }, req.engineCard as EngineCard);
  return { type: "result", nonFinite: [], verdict };
}

// Ready once TensorFlow.js and its backend are up: the check's time limit starts with the check itself.
ensureCheckBackend(env().BULWARK_TF_BACKEND).then(
  () => process.send!({ type: "ready" } satisfies ModelCheckReply),
  (e: unknown) => process.send!({ type: "error", message: e instanceof Error ? e.message : String(e) } satisfies ModelCheckReply),
);

process.on("message", (msg: ModelCheckRequest | OnnxCheckRequest) => {
  check(msg)
    .then((reply) => process.send!(reply))
    .catch((e: unknown) => process.send!({ type: "error", message: e instanceof Error ? e.message : String(e) } satisfies ModelCheckReply));
});
