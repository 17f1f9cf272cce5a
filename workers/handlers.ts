import type { PgBoss } from "pg-boss";
import { env } from "../lib/env";
import { JOB_NAMES, JOBS, runJob, type WorkerTools } from "../lib/jobs/catalog";
import { ShardWasCancelled, sweepStuckEvaluations } from "../lib/evaluations/run";
import { ShardCancelled, ShardRunner } from "./shard-runner";

export interface WorkerInfo {
  workerId: string;
  concurrency: number;
}

/** Registers every job handler this worker runs. Returns facts recorded in the heartbeat (read at each beat) and a stop hook. */
export async function registerHandlers(boss: PgBoss, info: WorkerInfo): Promise<{ backend: string | null; close(): Promise<void> }> {
  const config = env();
  const runner = new ShardRunner({ memoryMb: config.BULWARK_SHARD_MEMORY_MB, timeoutMs: config.BULWARK_SHARD_TIMEOUT_MIN * 60_000 });
  const log = (m: string) => console.log(`[worker] ${m}`);
  // The backend the engine processes actually loaded (known after the first shard), else the preference.
  let ranOn: string | null = null;

  const tools: WorkerTools = {
    workerId: info.workerId,
    executeShard: (task, hooks) =>
      runner.run(task, hooks).then(
        (output) => {
          if (output.backend?.backend) ranOn = output.backend.backend;
          return output;
        },
        (e) => {
          throw e instanceof ShardCancelled ? new ShardWasCancelled() : e;
        },
      ),
  };
  for (const k of JOB_NAMES) {
    const { name, poll } = JOBS[k];
    // The NOTIFY wakes the worker at once; the poll stays as often as before for jobs that no NOTIFY announces
    // (a retry after its delay, a shard released by a dead worker's expired heartbeat). pg-boss would otherwise
    // stretch it to 30 s once LISTEN is up.
    await boss.work(name, { pollingIntervalSeconds: poll.seconds, notifyPollingIntervalSeconds: poll.seconds, batchSize: 1, includeMetadata: true, ...(poll.parallel ? { localConcurrency: info.concurrency } : {}) }, async ([job]) => {
      const said = await runJob(k, job!.data, { retryCount: job!.retryCount, retryLimit: job!.retryLimit }, tools);
      if (said) log(said);
    });
  }

  const sweep = setInterval(() => {
    sweepStuckEvaluations(boss).catch((e) => console.error(`[worker] sweep failed: ${(e as Error).message}`));
  }, 30_000);
  return {
    get backend() {
      return ranOn ?? config.BULWARK_TF_BACKEND;
    },
    async close() {
      clearInterval(sweep);
      await runner.close();
    },
  };
}
