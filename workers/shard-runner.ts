import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { childEnvWithDefaults, env } from "../lib/env";
import type { AnyShardOutput, AnyShardTask, ChildMessage } from "../lib/evaluations/shard-io";

// Runs shards in engine processes with a memory and a time limit. A child that breaks a limit or
// crashes is killed and the shard fails with a reason a person can act on; the worker goes on.

export class ShardLimitError extends Error {}
export class ShardCancelled extends Error {}

export interface RunnerLimits {
  memoryMb: number;
  timeoutMs: number;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const TF_LOAD_NOISE = /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$|port\.cc:\d+\] oneDNN custom operations are on/;

/**
 * TensorFlow's thread settings for an engine process on the native backend (the operator's own
 * TF_NUM_* values win). A worker runs up to BULWARK_WORKER_CONCURRENCY engine processes at once, so each
 * gets cores / concurrency intra-op threads (on 2 cores: 2 at concurrency 1, 1 at concurrency 2) instead
 * of TensorFlow's default of all cores each, which oversubscribes the CPU. Inter-op threads: 1, because
 * tfjs-node executes eager ops one at a time, so there is never a second op ready to run beside the first.
 */
export function nativeThreadDefaults(cores = availableParallelism(), concurrency = env().BULWARK_WORKER_CONCURRENCY): Record<string, string> {
  return {
    TF_NUM_INTRAOP_THREADS: String(Math.max(1, Math.floor(cores / concurrency))),
    TF_NUM_INTEROP_THREADS: "1",
    TF_CPP_MIN_LOG_LEVEL: "2",
  };
}

const ENTRY = fileURLToPath(new URL("./shard-process.ts", import.meta.url));
const fmtGiB = (mb: number) => (mb >= 1024 ? `${(mb / 1024).toFixed(mb % 1024 ? 1 : 0)} GiB` : `${mb} MiB`);

export class ShardRunner {
  private idle: ChildProcess[] = [];
  constructor(private readonly limits: RunnerLimits) {}

  private spawn(): ChildProcess {
    const child = fork(ENTRY, [], {
      execArgv: ["--import", "tsx", `--max-old-space-size=${this.limits.memoryMb}`],
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      env: childEnvWithDefaults(nativeThreadDefaults()),
    });
    // libtensorflow prints two INFO lines (oneDNN notice) at load, before TF_CPP_MIN_LOG_LEVEL applies;
    // drop exactly those, pass everything else through.
    createInterface({ input: child.stderr! }).on("line", (line) => {
      if (!TF_LOAD_NOISE.test(line)) process.stderr.write(line + "\n");
    });
    return child;
  }

  async run(task: AnyShardTask, hooks: { onProgress?: (done: number, total: number) => void; isCancelled?: () => Promise<boolean> }): Promise<AnyShardOutput> {
    const child = this.idle.pop() ?? this.spawn();
    let settled = false;
    let reusable = false;
    try {
      return await new Promise<AnyShardOutput>((resolve, reject) => {
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearInterval(watch);
          clearTimeout(timer);
          child.off("message", onMessage);
          child.off("exit", onExit);
          fn();
        };
        const onMessage = (m: ChildMessage) => {
          if (m.type === "progress") hooks.onProgress?.(m.done, m.total);
          else if (m.type === "result") finish(() => ((reusable = true), resolve(m.output)));
          else if (m.type === "cancelled") finish(() => ((reusable = true), reject(new ShardCancelled("cancelled"))));
          else if (m.type === "error") finish(() => ((reusable = true), reject(new Error(m.message))));
        };
        const onExit = (code: number | null, signal: string | null) =>
          finish(() => reject(new Error(`the engine process stopped unexpectedly (${signal ?? `exit code ${code}`}); the model may need more memory than the ${fmtGiB(this.limits.memoryMb)} limit`)));
        child.on("message", onMessage);
        child.on("exit", onExit);
        let cancelCheckBusy = false;
        const watch = setInterval(() => {
          const rss = child.pid ? rssMb(child.pid) : 0;
          if (rss > this.limits.memoryMb) {
            child.kill("SIGKILL");
            finish(() => reject(new ShardLimitError(`the model needs more than ${fmtGiB(this.limits.memoryMb)} of memory (the engine process reached ${Math.round(rss)} MiB); raise BULWARK_SHARD_MEMORY_MB or use smaller shards`)));
            return;
          }
          if (hooks.isCancelled && !cancelCheckBusy) {
            cancelCheckBusy = true;
            hooks
              .isCancelled()
              .then((c) => c && child.send({ type: "cancel" }))
              .catch(() => {})
              .finally(() => (cancelCheckBusy = false));
          }
        }, 1000);
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          const min = this.limits.timeoutMs / 60000;
          finish(() => reject(new ShardLimitError(`the shard exceeded ${min >= 1 ? `${+min.toFixed(1)} min` : `${Math.round(this.limits.timeoutMs / 1000)} s`}; raise BULWARK_SHARD_TIMEOUT_MIN or use smaller shards`)));
        }, this.limits.timeoutMs);
        child.send({ type: "run", task });
      });
    } finally {
      if (reusable && child.connected) this.idle.push(child);
      else if (child.exitCode === null) child.kill("SIGKILL");
    }
  }

  async close(): Promise<void> {
    for (const c of this.idle.splice(0)) {
      c.disconnect();
    }
  }
}
