import type { PgBoss } from "pg-boss";
import { env } from "../lib/env";
import { QUEUES, REPORT_RETRY_LIMIT, SHARD_RETRY_LIMIT } from "../lib/jobs/queue";
import { AggregateJobSchema, ReportJobSchema, ScheduleFireJobSchema, ShardJobSchema, WebhookJobSchema } from "../lib/jobs/payloads";
import { aggregateEvaluation, handleDeadShard, runShardJob, ShardWasCancelled, sweepStuckEvaluations } from "../lib/evaluations/run";
import { fireSchedule } from "../lib/evaluations/schedules";
import { deliverWebhook } from "../lib/evaluations/webhook";
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

  await boss.work(QUEUES.shard, { localConcurrency: info.concurrency, batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
    const data = ShardJobSchema.parse(job!.data);
    const outcome = await runShardJob(data, { workerId: info.workerId, retryCount: job!.retryCount, retryLimit: SHARD_RETRY_LIMIT }, (task, hooks) =>
      runner.run(task, hooks).then(
        (output) => {
          if (output.backend?.backend) ranOn = output.backend.backend;
          return output;
        },
        (e) => {
          throw e instanceof ShardCancelled ? new ShardWasCancelled() : e;
        },
      ),
    );
    log(`shard ${data.shardId} of evaluation ${data.evaluationId}: ${outcome}`);
  });
  await boss.work(QUEUES.shardDead, { pollingIntervalSeconds: 2 }, async ([job]) => {
    await handleDeadShard(ShardJobSchema.parse(job!.data));
  });
  await boss.work(QUEUES.aggregate, { pollingIntervalSeconds: 1 }, async ([job]) => {
    const data = AggregateJobSchema.parse(job!.data);
    log(`aggregate evaluation ${data.evaluationId}: ${await aggregateEvaluation(data)}`);
  });
  await boss.work(QUEUES.scheduleFire, { pollingIntervalSeconds: 2 }, async ([job]) => {
    await fireSchedule(ScheduleFireJobSchema.parse(job!.data));
  });
  await boss.work(QUEUES.webhook, { pollingIntervalSeconds: 2 }, async ([job]) => {
    await deliverWebhook(WebhookJobSchema.parse(job!.data));
  });
  await boss.work(QUEUES.report, { pollingIntervalSeconds: 1 }, async ([job]) => {
    const data = ReportJobSchema.parse(job!.data);
    // Loaded on first use, so a worker that never renders a report never loads pdfkit and the fonts.
    const { runReportJob } = await import("../lib/reports/generate");
    log(`report ${data.reportId}: ${await runReportJob(data, { lastAttempt: job!.retryCount >= REPORT_RETRY_LIMIT })}`);
  });

  const sweep = setInterval(() => {
    sweepStuckEvaluations().catch((e) => console.error(`[worker] sweep failed: ${(e as Error).message}`));
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
