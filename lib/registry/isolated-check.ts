import { spawn, type ChildProcess } from "node:child_process";
import { childEnvWithDefaults, env } from "../env";
import type { ModelValidation } from "../engine/model";
import type { OnnxValidation } from "../engine/onnx/validate";
import type { EngineCard } from "../engine/card";
import { releaseChild, runWatched } from "../process/watched-child";
import { entryCommand } from "../process/entry-command";
import type { DatasetPreview } from "./preview";
import type { DatasetUploadOptions } from "./dataset-card";
import { UploadRefused, type UploadLimits } from "./limits";
import type { EnsembleCombineValue } from "./model-card";
import type { ModelFileSet, Problem } from "./model-files";
import type { StagedFile } from "./staging";

// Upload checks that decode or run what a user sent — a model's engine check (finite weights, load,
// forward pass, input gradient), a dataset's decoding (zip, PNG/JPEG, IDX, CSV) into the normalised
// tensor file, an ensemble's trial run — happen in a child process with a memory limit
// (BULWARK_CHECK_MEMORY_MB: V8 heap flag plus a resident-memory watch) and a time limit
// (BULWARK_CHECK_TIMEOUT_S). An upload that breaks either is refused with the limit named, nothing is
// stored, and the web server keeps answering other users meanwhile. One idle child is kept for the next
// check (TensorFlow.js takes seconds to start); checks take turns, one at a time per web process.

export type CheckRequest =
  | { type: "model"; modelJsonPath: string; weights: { rel: string; path: string }[]; weightsManifest: ModelFileSet["json"]["weightsManifest"]; engineCard: EngineCard }
  /** An ONNX upload: the .onnx file and every other uploaded file that may hold its external data (paths relative to the .onnx file). */
  | { type: "onnx"; onnxPath: string; external: { rel: string; path: string }[]; engineCard: EngineCard }
  | {
      type: "dataset";
      opts: DatasetUploadOptions;
      files: StagedFile[];
      /** The upload's staging folder (archives are extracted inside it) and where to write the tensor file. */
      stagingDir: string;
      tensorPath: string;
      limits: UploadLimits;
    }
  | {
      type: "ensemble";
      /** Each member's files, copied from the store into the caller's staging folder. */
      members: StagedMember[];
      combine: EnsembleCombineValue;
      inputShape: number[];
      inputRange: { min: number; max: number };
      classCount: number;
    };

/** An ensemble member's files on disk, in its format, with the card its loader needs. */
export type StagedMember =
  | { format: "tfjs-layers"; engineCard: EngineCard; modelJsonPath: string; weights: { rel: string; path: string }[] }
  | { format: "onnx"; engineCard: EngineCard; onnxPath: string; externalData: { rel: string; path: string }[] };

/** What a dataset decodes to, without its tensors (those are in the tensor file the child wrote). */
export interface DecodedDatasetSummary {
  count: number;
  sampleShape: number[];
  classLabels: string[];
  classCounts: number[];
  featureNames?: string[];
  valueMin: number;
  valueMax: number;
  warnings: string[];
  preview: DatasetPreview;
}

export interface EnsembleRun {
  backend: string;
  parameters: number;
  layerTypes: string[];
}

export type CheckReply =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "model"; nonFinite: Problem[]; verdict: ModelValidation | null }
  | { type: "onnx"; verdict: OnnxValidation }
  | { type: "dataset"; problems: Problem[]; summary: DecodedDatasetSummary | null }
  | { type: "ensemble"; problems: string[]; run: EnsembleRun | null };

/**
 * The child's entry: its bundle while fresh (half the start-up CPU), else the source through tsx
 * (lib/process/entry-command.ts). The web server runs from the project folder (Next bundles lib, so no
 * import.meta.url here). Started with spawn(node, [..., file]) rather than fork(file): Turbopack treats fork's
 * argument as a module to bundle and the production build fails to resolve it.
 */
const entry = () => entryCommand("lib/registry/check-process.ts", process.cwd());

let idle: ChildProcess | null = null;
const waiting: (() => void)[] = [];
let busy = false;

/** A new child, once it has loaded TensorFlow.js (not counted in the check's time limit). */
async function startChild(memoryMb: number): Promise<ChildProcess> {
  const { file, execArgv } = entry();
  const child = spawn(process.execPath, [...execArgv, `--max-old-space-size=${memoryMb}`, file], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: childEnvWithDefaults({ TF_CPP_MIN_LOG_LEVEL: "2" }),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the upload check process did not start within 120 s")), 120_000);
      child.once("message", (m: CheckReply) => {
        clearTimeout(timer);
        if (m.type === "ready") resolve();
        else reject(new Error(`the upload check process could not start: ${m.type === "error" ? m.message : m.type}`));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the upload check process exited at start (code ${code})`));
      });
    });
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  child.unref();
  child.channel?.unref();
  return child;
}

/** One check at a time per web process: a second upload waits for its turn instead of doubling memory. */
async function turn(): Promise<() => void> {
  if (busy) await new Promise<void>((r) => waiting.push(r));
  busy = true;
  return () => {
    busy = false;
    waiting.shift()?.();
  };
}

/** How each kind of check names what ran out, for the person who uploaded it. */
const LIMIT_WORDS: Record<CheckRequest["type"], { field: string; what: string; doing: string }> = {
  model: { field: "files", what: "The model", doing: "to load and run one example and its gradient" },
  onnx: { field: "files", what: "The model", doing: "to load and run one example and its gradient" },
  dataset: { field: "files", what: "The dataset", doing: "to read and decode its files" },
  ensemble: { field: "memberVersionIds", what: "The ensemble", doing: "to load its members and run one example and its gradient" },
};

async function runCheck<R extends CheckReply>(req: CheckRequest, type: R["type"]): Promise<R> {
  const { BULWARK_CHECK_MEMORY_MB: memoryMb, BULWARK_CHECK_TIMEOUT_S: timeoutS } = env();
  const words = LIMIT_WORDS[req.type];
  const release = await turn();
  try {
    let child = idle;
    idle = null;
    if (!child || !child.connected || child.exitCode !== null) child = await startChild(memoryMb);
    // Held while a check runs (a script awaiting it must not exit), let go while idle.
    child.ref();
    child.channel?.ref();
    const { result, reusable } = await runWatched<CheckReply, CheckReply>(child, req, {
      memoryMb,
      timeoutMs: timeoutS * 1000,
      everyMs: 200,
      onMessage: (m) => (m.type === "ready" ? undefined : { value: m }),
      overMemory: (rss) => new UploadRefused(words.field, `${words.what} needs more than ${memoryMb} MB of memory ${words.doing} (the check reached ${Math.round(rss)} MB and was stopped); the limit is BULWARK_CHECK_MEMORY_MB.`),
      overTime: () => new UploadRefused(words.field, `${words.what} took longer than ${timeoutS} s ${words.doing}, so the check was stopped; the limit is BULWARK_CHECK_TIMEOUT_S.`),
      exited: (code, signal) => new UploadRefused(words.field, `The check stopped (${signal ?? `exit code ${code}`}): ${words.what.toLowerCase()} likely needs more than the ${memoryMb} MB the check may use (BULWARK_CHECK_MEMORY_MB).`),
    });
    child.unref();
    child.channel?.unref();
    releaseChild(child, reusable, (c) => (idle = c));
    if ("error" in result) throw result.error;
    const reply = result.value;
    if (reply.type !== type) throw new Error(`upload check process: ${reply.type === "error" ? reply.message : `unexpected reply ${reply.type}`}`);
    return reply as R;
  } finally {
    release();
  }
}

/** The engine check of an uploaded model's staged files. */
export async function checkModelIsolated(set: ModelFileSet, engineCard: EngineCard): Promise<{ nonFinite: Problem[]; verdict: ModelValidation | null }> {
  const reply = await runCheck<Extract<CheckReply, { type: "model" }>>(
    { type: "model", modelJsonPath: set.modelJson.path, weights: set.weights.map((w) => ({ rel: w.rel, path: w.path })), weightsManifest: set.json.weightsManifest, engineCard },
    "model",
  );
  return { nonFinite: reply.nonFinite, verdict: reply.verdict };
}

/** The ONNX check (parse, operator support, card fit, gradient, agreement with ONNX Runtime), off the web process. */
export async function checkOnnxIsolated(req: Omit<Extract<CheckRequest, { type: "onnx" }>, "type">): Promise<OnnxValidation> {
  return (await runCheck<Extract<CheckReply, { type: "onnx" }>>({ type: "onnx", ...req }, "onnx")).verdict;
}

/** Expands and decodes an uploaded dataset, writing its tensor file to `tensorPath`: the problems, or what it holds. */
export async function decodeDatasetIsolated(req: Omit<Extract<CheckRequest, { type: "dataset" }>, "type">): Promise<{ problems: Problem[]; summary: DecodedDatasetSummary | null }> {
  const reply = await runCheck<Extract<CheckReply, { type: "dataset" }>>({ type: "dataset", ...req }, "dataset");
  return { problems: reply.problems, summary: reply.summary };
}

/** Loads an ensemble's members from their staged files and runs it once. */
export async function runEnsembleIsolated(req: Omit<Extract<CheckRequest, { type: "ensemble" }>, "type">): Promise<{ problems: string[]; run: EnsembleRun | null }> {
  const reply = await runCheck<Extract<CheckReply, { type: "ensemble" }>>({ type: "ensemble", ...req }, "ensemble");
  return { problems: reply.problems, run: reply.run };
}
