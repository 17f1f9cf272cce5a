import { readFile, writeFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs";
import { env } from "../env";
import { validateModelForEngine, type LoadedModel } from "../engine/model";
import { loadWhiteBoxModel, type EngineModelFiles } from "../engine/formats";
import { validateOnnxForEngine } from "../engine/onnx/validate";
import { ensembleModel } from "../engine/ensemble";
import type { EngineCard } from "../engine/card";
import { ensureCheckBackend } from "./engine-adapter";
import { decodeDataset } from "./dataset-decode";
import { collectProblems } from "./limits";
import { checkFiniteWeights, type ModelFileSet, type Problem } from "./model-files";
import { expandUpload } from "./models";
import { imagePreview } from "./preview";
import { Staging } from "./staging";
import { encodeTensorFile } from "./tensor-file";
import type { CheckReply, CheckRequest } from "./isolated-check";

// The upload checks' own process (started by isolated-check.ts): a model's weights scan, load, forward
// pass and gradient check; a dataset's expansion and decoding into the tensor file; an ensemble's trial
// run. Whatever an upload makes it allocate or compute happens here, under this process's memory and
// time limits, never in the web server's event loop.

async function checkModel(req: Extract<CheckRequest, { type: "model" }>): Promise<CheckReply> {
  const bytes = new Map<string, Uint8Array>();
  for (const w of req.weights) bytes.set(w.rel, await readFile(w.path));
  const set = { json: { weightsManifest: req.weightsManifest } } as unknown as ModelFileSet;
  const nonFinite = await checkFiniteWeights(set, (rel) => bytes.get(rel)!);
  if (nonFinite.length) return { type: "model", nonFinite, verdict: null };
  await ensureCheckBackend(env().BULWARK_TF_BACKEND);
  const verdict = await validateModelForEngine({ modelJson: await readFile(req.modelJsonPath), weights: Object.fromEntries(bytes) }, req.engineCard as EngineCard);
  return { type: "model", nonFinite: [], verdict };
}

async function checkOnnx(req: Extract<CheckRequest, { type: "onnx" }>): Promise<CheckReply> {
  const externalData: Record<string, Uint8Array> = {};
  for (const f of req.external) externalData[f.rel] = await readFile(f.path);
  await ensureCheckBackend(env().BULWARK_TF_BACKEND);
  return { type: "onnx", verdict: await validateOnnxForEngine({ onnx: await readFile(req.onnxPath), externalData }, req.engineCard) };
}

async function readAll(files: { rel: string; path: string }[]): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const f of files) out[f.rel] = await readFile(f.path);
  return out;
}

async function checkDataset(req: Extract<CheckRequest, { type: "dataset" }>): Promise<CheckReply> {
  const problems: Problem[] = [];
  const staging = Staging.open(req.stagingDir, req.limits.maxTotalBytes);
  const expanded = await collectProblems(problems, () => expandUpload(req.files, staging, req.limits));
  const decoded = expanded ? await collectProblems(problems, () => decodeDataset(req.opts, expanded.files, expanded.dirs, Boolean(expanded.archive), req.limits.maxTotalBytes)) : undefined;
  if (problems.length || !expanded || !decoded) return { type: "dataset", problems: problems.length ? problems : [{ field: "files", message: "The files could not be checked." }], summary: null };
  const count = decoded.labels.length;
  await writeFile(
    req.tensorPath,
    encodeTensorFile({ count, sampleShape: decoded.sampleShape, classLabels: decoded.classLabels, valueMin: decoded.valueMin, valueMax: decoded.valueMax, featureNames: decoded.featureNames }, decoded.x, decoded.labels),
  );
  const classCounts = new Array<number>(decoded.classLabels.length).fill(0);
  for (const l of decoded.labels) classCounts[l]++;
  const preview = decoded.rows
    ? ({ kind: "rows", ...decoded.rows } as const)
    : imagePreview(decoded.x, decoded.labels, decoded.sampleShape, decoded.classLabels.length, { min: decoded.valueMin, max: decoded.valueMax });
  return {
    type: "dataset",
    problems: [],
    summary: {
      count,
      sampleShape: decoded.sampleShape,
      classLabels: decoded.classLabels,
      classCounts,
      featureNames: decoded.featureNames,
      valueMin: decoded.valueMin,
      valueMax: decoded.valueMax,
      warnings: [...decoded.warnings, ...expanded.ignored.map((i) => `${i} was ignored.`)],
      preview,
    },
  };
}

/** Loads the members and runs the ensemble once (forward pass and input gradient), as a model upload's check does. */
async function checkEnsemble(req: Extract<CheckRequest, { type: "ensemble" }>): Promise<CheckReply> {
  const backend = await ensureCheckBackend(env().BULWARK_TF_BACKEND);
  const loaded: LoadedModel[] = [];
  try {
    for (const m of req.members) {
      const files: EngineModelFiles =
        m.format === "onnx"
          ? { format: "onnx", onnx: await readFile(m.onnxPath), externalData: await readAll(m.externalData) }
          : { format: "tfjs-layers", modelJson: await readFile(m.modelJsonPath), weights: await readAll(m.weights) };
      loaded.push(await loadWhiteBoxModel(files, m.engineCard));
    }
    const model = ensembleModel(loaded, req.combine);
    const x = tf.randomUniform([2, ...req.inputShape], req.inputRange.min, req.inputRange.max, "float32", 7);
    try {
      const p = model.predictProbs(x);
      const probs = await p.data();
      const shape = p.shape;
      p.dispose();
      const g = tf.grad((xi: tf.Tensor) => tf.sum(model.logits(xi)))(x);
      const grads = await g.data();
      g.dispose();
      const problems: string[] = [];
      if (shape[1] !== req.classCount) problems.push(`it outputs ${shape[1]} classes, the card declares ${req.classCount}`);
      if (!probs.every(Number.isFinite) || !grads.every(Number.isFinite)) problems.push("its output or input gradient is not finite");
      if (problems.length) return { type: "ensemble", problems, run: null };
    } finally {
      x.dispose();
    }
    const parameters = loaded.reduce((s, m) => s + (m.layersModel?.countParams() ?? 0), 0);
    return { type: "ensemble", problems: [], run: { backend, parameters, layerTypes: model.layerTypes } };
  } finally {
    for (const m of loaded) m.dispose();
  }
}

function check(req: CheckRequest): Promise<CheckReply> {
  if (req.type === "model") return checkModel(req);
  if (req.type === "onnx") return checkOnnx(req);
  if (req.type === "dataset") return checkDataset(req);
  return checkEnsemble(req);
}

// Ready once TensorFlow.js and its backend are up: the check's time limit starts with the check itself.
ensureCheckBackend(env().BULWARK_TF_BACKEND).then(
  () => process.send!({ type: "ready" } satisfies CheckReply),
  (e: unknown) => process.send!({ type: "error", message: e instanceof Error ? e.message : String(e) } satisfies CheckReply),
);

process.on("message", (msg: CheckRequest) => {
  check(msg)
    .then((reply) => process.send!(reply))
    .catch((e: unknown) => process.send!({ type: "error", message: e instanceof Error ? e.message : String(e) } satisfies CheckReply));
});
