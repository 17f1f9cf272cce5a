import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChildMessage, ShardOutput, ShardTask } from "../lib/evaluations/shard-io";

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

const ENTRY = fileURLToPath(new URL("./shard-process.ts", import.meta.url));
const fmtGiB = (mb: number) => (mb >= 1024 ? `${(mb / 1024).toFixed(mb % 1024 ? 1 : 0)} GiB` : `${mb} MiB`);

export class ShardRunner {
  private idle: ChildProcess[] = [];
  constructor(private readonly limits: RunnerLimits) {}

  private spawn(): ChildProcess {
    return fork(ENTRY, [], {
      execArgv: ["--import", "tsx", `--max-old-space-size=${this.limits.memoryMb}`],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  }

  async run(task: ShardTask, hooks: { onProgress?: (done: number, total: number) => void; isCancelled?: () => Promise<boolean> }): Promise<ShardOutput> {
    const child = this.idle.pop() ?? this.spawn();
    let settled = false;
    let reusable = false;
    try {
      return await new Promise<ShardOutput>((resolve, reject) => {
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
