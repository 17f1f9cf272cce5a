import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

// One request handed to a child process over IPC and watched until it settles: the child's resident
// memory is sampled, a timer runs, and an exit is noticed. Whichever comes first settles the run, once;
// a child that broke a limit is killed. Used by the worker's engine processes (workers/shard-runner.ts)
// and the web server's upload checks (lib/registry/isolated-check.ts), so a hostile model or dataset
// can exhaust only its own process's memory and time.

/** Resident memory of a process in MiB (0 when it cannot be read, e.g. it has just exited). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** What a message from the child means: the run's value, its error (both settle it), or nothing yet. */
export type Settlement<T> = { value: T } | { error: Error } | undefined;

export interface WatchOptions<T, M> {
  memoryMb: number;
  timeoutMs: number;
  /** How often memory is sampled (and `onTick` called). */
  everyMs: number;
  onMessage(m: M): Settlement<T>;
  onTick?(): void;
  /** The errors for the three ways a run ends without the child's own answer. */
  overMemory(rssMb: number): Error;
  overTime(): Error;
  exited(code: number | null, signal: NodeJS.Signals | null): Error;
}

export interface WatchedRun<T> {
  result: { value: T } | { error: Error };
  /** The child answered (with a value or an error) and may take the next request. */
  reusable: boolean;
}

/** Sends `request` to `child` and watches it until it settles. Never rejects: the outcome is in `result`. */
export function runWatched<T, M>(child: ChildProcess, request: unknown, w: WatchOptions<T, M>): Promise<WatchedRun<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: WatchedRun<T>["result"], reusable: boolean, kill = false) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (kill) child.kill("SIGKILL");
      resolve({ result, reusable });
    };
    const onMessage = (m: M) => {
      const s = w.onMessage(m);
      if (s) finish(s, true);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => finish({ error: w.exited(code, signal) }, false);
    child.on("message", onMessage);
    child.on("exit", onExit);
    const watch = setInterval(() => {
      const rss = child.pid ? rssMb(child.pid) : 0;
      if (rss > w.memoryMb) return finish({ error: w.overMemory(rss) }, false, true);
      w.onTick?.();
    }, w.everyMs);
    const timer = setTimeout(() => finish({ error: w.overTime() }, false, true), w.timeoutMs);
    child.send(request as Parameters<ChildProcess["send"]>[0]);
  });
}

/** After a run: keep a child that answered for the next request, kill one that did not. */
export function releaseChild(child: ChildProcess, reusable: boolean, keep: (c: ChildProcess) => void): void {
  if (reusable && child.connected) keep(child);
  else if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
