import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { childEnvWithDefaults, env } from "../env";
import type { ModelValidation } from "../engine/model";
import type { OnnxValidation } from "../engine/onnx/validate";
import type { EngineCard } from "../engine/card";
import { UploadRefused } from "./limits";
import type { ModelFileSet, Problem } from "./model-files";

// Runs an uploaded model's engine check (finite weights, load, forward pass, input gradient) in a
// child process with a memory limit (BULWARK_CHECK_MEMORY_MB: V8 heap flag plus a resident-memory
// watch) and a time limit (BULWARK_CHECK_TIMEOUT_S). A model that breaks either is refused with the
// limit named, and the web server keeps answering other users meanwhile. One idle child is kept for
// the next check (TensorFlow.js takes seconds to start).

export interface ModelCheckRequest {
  type: "model";
  modelJsonPath: string;
  weights: { rel: string; path: string }[];
  weightsManifest: ModelFileSet["json"]["weightsManifest"];
  engineCard: EngineCard;
}

/** An ONNX upload: the .onnx file and every other uploaded file that may hold its external data. */
export interface OnnxCheckRequest {
  type: "onnx";
  onnxPath: string;
  /** Candidate external-data files, keyed by their path relative to the .onnx file. */
  external: { rel: string; path: string }[];
  engineCard: EngineCard;
}

export type ModelCheckReply = { type: "ready" } | { type: "result"; nonFinite: Problem[]; verdict: ModelValidation | OnnxValidation | null } | { type: "error"; message: string };

/**
 * The child's entry file; the web server runs from the project folder (Next bundles lib, so no import.meta.url here).
 * Started with spawn(node, [..., file]) rather than fork(file): Turbopack treats fork's argument as a module to
 * bundle and the production build fails to resolve it.
 */
const ENTRY = () => join(process.cwd(), "lib", "registry", "check-process.ts");

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

let idle: ChildProcess | null = null;
const queue: (() => void)[] = [];
let busy = false;

function spawnChild(memoryMb: number): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", `--max-old-space-size=${memoryMb}`, ENTRY()], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: childEnvWithDefaults({ TF_CPP_MIN_LOG_LEVEL: "2" }),
  });
  return child;
}

/** A new child, once it has loaded TensorFlow.js (not counted in the check's time limit). */
async function startChild(memoryMb: number): Promise<ChildProcess> {
  const child = spawnChild(memoryMb);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the model check process did not start within 120 s")), 120_000);
      child.once("message", (m: ModelCheckReply) => {
        clearTimeout(timer);
        if (m.type === "ready") resolve();
        else reject(new Error(`the model check process could not start: ${m.type === "error" ? m.message : m.type}`));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the model check process exited at start (code ${code})`));
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
  if (busy) await new Promise<void>((r) => queue.push(r));
  busy = true;
  return () => {
    busy = false;
    queue.shift()?.();
  };
}

export async function checkModelIsolated(set: ModelFileSet, engineCard: EngineCard): Promise<{ nonFinite: Problem[]; verdict: ModelValidation | null }> {
  const req: ModelCheckRequest = {
    type: "model",
    modelJsonPath: set.modelJson.path,
    weights: set.weights.map((w) => ({ rel: w.rel, path: w.path })),
    weightsManifest: set.json.weightsManifest,
    engineCard,
  };
  return runIsolated(req);
}

/** The ONNX check (parse, operator support, card fit, gradient, agreement with ONNX Runtime), off the web process. */
export async function checkOnnxIsolated(req: Omit<OnnxCheckRequest, "type">): Promise<OnnxValidation> {
  const reply = await runIsolated({ type: "onnx", ...req });
  return reply.verdict as OnnxValidation;
}

async function runIsolated(req: ModelCheckRequest | OnnxCheckRequest): Promise<{ nonFinite: Problem[]; verdict: ModelValidation | null }> {
  const { BULWARK_CHECK_MEMORY_MB: memoryMb, BULWARK_CHECK_TIMEOUT_S: timeoutS } = env();
  const release = await turn();
  let child = idle;
  idle = null;
  if (!child || !child.connected || child.exitCode !== null) child = await startChild(memoryMb);
  const c = child;
  let reusable = false;
  // Held while a check runs (a script awaiting it must not exit), let go while idle.
  c.ref();
  c.channel?.ref();
  try {
    const reply = await new Promise<ModelCheckReply>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        clearTimeout(timer);
        c.off("message", onMessage);
        c.off("exit", onExit);
        fn();
      };
      const onMessage = (m: ModelCheckReply) => m.type !== "ready" && finish(() => ((reusable = true), resolve(m)));
      const onExit = (code: number | null, signal: string | null) =>
        finish(() => reject(new UploadRefused("files", `The model check stopped (${signal ?? `exit code ${code}`}): the model likely needs more than the ${memoryMb} MB the check may use (BULWARK_CHECK_MEMORY_MB).`)));
      c.on("message", onMessage);
      c.on("exit", onExit);
      const watch = setInterval(() => {
        const rss = c.pid ? rssMb(c.pid) : 0;
        if (rss > memoryMb) {
          c.kill("SIGKILL");
          finish(() => reject(new UploadRefused("files", `The model needs more than ${memoryMb} MB of memory to load and run once (the check reached ${Math.round(rss)} MB and was stopped); the limit is BULWARK_CHECK_MEMORY_MB.`)));
        }
      }, 200);
      const timer = setTimeout(() => {
        c.kill("SIGKILL");
        finish(() => reject(new UploadRefused("files", `The model took longer than ${timeoutS} s to load and run one example and its gradient, so the check was stopped; the limit is BULWARK_CHECK_TIMEOUT_S.`)));
      }, timeoutS * 1000);
      c.send(req);
    });
    if (reply.type !== "result") throw new Error(`model check process: ${reply.type === "error" ? reply.message : "unexpected reply"}`);
    return { nonFinite: reply.nonFinite, verdict: reply.verdict };
  } finally {
    c.unref();
    c.channel?.unref();
    if (reusable && c.connected) idle = c;
    else if (c.exitCode === null) c.kill("SIGKILL");
    release();
  }
}
