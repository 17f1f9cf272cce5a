import { spawn, type ChildProcess } from "node:child_process";
import { entryCommand } from "../lib/process/entries";

// Real worker processes for integration tests (pg-boss on the test's PostgreSQL, engine child
// processes), started and stopped by the test itself.

export function workerPool(baseEnv: () => Record<string, string>) {
  const workers: ChildProcess[] = [];

  function startWorker(extraEnv: Record<string, string> = {}): { child: ChildProcess; id: Promise<string>; output: () => string } {
    const entry = entryCommand("workers/main.ts");
    const child = spawn(process.execPath, [...entry.execArgv, entry.file], {
      env: { ...process.env, BULWARK_SUPERVISED: "false", ...baseEnv(), ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    workers.push(child);
    let out = "";
    const id = new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /\[worker\] (\S+) ready/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr!.on("data", (d) => (out += d));
      child.once("exit", (code) => reject(new Error(`worker exited (${code}): ${out}`)));
    });
    id.catch(() => {}); // a worker stopped on purpose rejects; callers that care await it
    return { child, id, output: () => out };
  }

  async function stopWorkers() {
    await Promise.all(
      workers.splice(0).map(
        (w) =>
          new Promise<void>((r) => {
            if (w.exitCode !== null || w.signalCode) return r();
            w.once("exit", () => r());
            w.kill("SIGTERM");
          }),
      ),
    );
  }

  return { startWorker, stopWorkers, waitFor };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 600_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
