import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { childEnvWithDefaults, env } from "../lib/env";
import type { AnyShardOutput, AnyShardTask, ChildMessage } from "../lib/evaluations/shard-io";
import { releaseChild, runWatched } from "../lib/process/watched-child";
import { entryCommand } from "../lib/process/entries";

// Runs shards in engine processes with a memory and a time limit. A child that breaks a limit or
// crashes is killed and the shard fails with a reason a person can act on; the worker goes on.

export class ShardLimitError extends Error {}
export class ShardCancelled extends Error {}

export interface RunnerLimits {
  memoryMb: number;
  timeoutMs: number;
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
    // Its bundle while fresh (half the start-up CPU), else the source through tsx (lib/process/entries.ts).
    const entry = entryCommand(ENTRY);
    const child = fork(entry.file, [], {
      execArgv: [...entry.execArgv, `--max-old-space-size=${this.limits.memoryMb}`],
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
    let cancelCheckBusy = false;
    const { result, reusable } = await runWatched<AnyShardOutput, ChildMessage>(child, { type: "run", task }, {
      memoryMb: this.limits.memoryMb,
      timeoutMs: this.limits.timeoutMs,
      everyMs: 1000,
      onMessage: (m) => {
        if (m.type === "progress") hooks.onProgress?.(m.done, m.total);
        else if (m.type === "result") return { value: m.output };
        else if (m.type === "cancelled") return { error: new ShardCancelled("cancelled") };
        else if (m.type === "error") return { error: new Error(m.message) };
        return undefined;
      },
      // Cancellation is asked of the database at most once at a time, between memory samples.
      onTick: () => {
        if (!hooks.isCancelled || cancelCheckBusy) return;
        cancelCheckBusy = true;
        hooks
          .isCancelled()
          .then((c) => c && child.connected && child.send({ type: "cancel" }))
          .catch(() => {})
          .finally(() => (cancelCheckBusy = false));
      },
      overMemory: (rss) => new ShardLimitError(`the model needs more than ${fmtGiB(this.limits.memoryMb)} of memory (the engine process reached ${Math.round(rss)} MiB); raise BULWARK_SHARD_MEMORY_MB or use smaller shards`),
      overTime: () => {
        const min = this.limits.timeoutMs / 60000;
        return new ShardLimitError(`the shard exceeded ${min >= 1 ? `${+min.toFixed(1)} min` : `${Math.round(this.limits.timeoutMs / 1000)} s`}; raise BULWARK_SHARD_TIMEOUT_MIN or use smaller shards`);
      },
      exited: (code, signal) => new Error(`the engine process stopped unexpectedly (${signal ?? `exit code ${code}`}); the model may need more memory than the ${fmtGiB(this.limits.memoryMb)} limit`),
    });
    releaseChild(child, reusable, (c) => this.idle.push(c));
    if ("error" in result) throw result.error;
    return result.value;
  }

  async close(): Promise<void> {
    for (const c of this.idle.splice(0)) {
      c.disconnect();
    }
  }
}
