import { z } from "zod";
import { fromPrisma, type PgBoss, type UpdateQueueOptions } from "pg-boss";
import type { Tx } from "../db/client";
import { env } from "../env";
import type { ShardExecutor } from "../evaluations/shard-io";

// Every background job, one entry each: queue name, payload schema, queue options, handler.
//
// A payload is input like any other: it is checked when sent (send below) and again when a worker takes
// it. Jobs queued before an upgrade are run by the new code, so a schema only ever gains optional fields
// (or fields with a default); a field is never renamed, retyped or made required. jobs.test.ts holds one
// payload per job as the previous release serialised it and runs it through today's schema and handler.

/** What a handler gets besides its payload: the attempt (pg-boss retryCount and the queue's limit) and the worker. */
export interface JobAttempt {
  retryCount: number;
  retryLimit: number;
}
export interface WorkerTools {
  workerId: string;
  /** Runs one shard in an engine child process (workers/shard-runner.ts). */
  executeShard: ShardExecutor;
}

/** Queue options written on every start (createQueues): absent ones are cleared, not left as they were. */
type QueueSpec = { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds?: number; heartbeatSeconds?: number; /** The catalog key of this queue's dead letter queue. */ deadLetter?: string };

interface JobEntry<S extends z.ZodType> {
  name: string;
  schema: S;
  queue: () => QueueSpec;
  /** How often an idle worker polls, and whether it runs as many at once as the worker's concurrency. */
  poll: { seconds: number; parallel?: boolean };
  /** Loads the handler on first use, so a process that only sends never loads the engine, pdfkit or the fonts. */
  handle: (data: z.output<S>, attempt: JobAttempt, tools: WorkerTools) => Promise<string | void>;
}

const id = z.string().min(1);

export const ShardJobSchema = z.object({ teamId: id, evaluationId: id, shardId: id });
export const AggregateJobSchema = z.object({ teamId: id, evaluationId: id });
export const ScheduleFireJobSchema = z.object({ teamId: id, scheduleId: id });
export const WebhookJobSchema = z.object({
  teamId: id,
  event: id,
  payload: z.record(z.string(), z.unknown()),
  // The URL set when the event happened: every retry goes there, not to whatever is set later. Optional for
  // jobs queued before it existed (those go to the current URL, through the same guard).
  url: z.string().max(2000).optional(),
});
export const ReportJobSchema = z.object({ teamId: id, reportId: id });
export const HardenJobSchema = z.object({ teamId: id, runId: id });
export type ShardJob = z.infer<typeof ShardJobSchema>;
export type AggregateJob = z.infer<typeof AggregateJobSchema>;
export type ScheduleFireJob = z.infer<typeof ScheduleFireJobSchema>;
export type WebhookJob = z.infer<typeof WebhookJobSchema>;
export type ReportJob = z.infer<typeof ReportJobSchema>;
export type HardenJob = z.infer<typeof HardenJobSchema>;

/** A shard may retry this many times after its first attempt (crash, lost worker, error). */
export const SHARD_RETRY_LIMIT = 2;
/** A report job may retry this many times (a lost worker, a database hiccup) before the report is marked failed. */
export const REPORT_RETRY_LIMIT = 2;
/** The aggregate step may retry this many times; its last failure fails the evaluation with the reason. */
export const AGGREGATE_RETRY_LIMIT = 5;

const entry = <S extends z.ZodType>(e: JobEntry<S>) => e;

export const JOBS = {
  shard: entry({
    name: "evaluation-shard",
    schema: ShardJobSchema,
    queue: () => ({
      retryLimit: SHARD_RETRY_LIMIT,
      retryDelay: 2,
      retryBackoff: true,
      // A worker that dies mid-shard stops heartbeating: its job is taken again within ~15 s.
      heartbeatSeconds: 10,
      // The engine process's own time limit, plus room to report: the queue never expires a shard still allowed to run.
      expireInSeconds: env().BULWARK_SHARD_TIMEOUT_MIN * 60 + 120,
      deadLetter: "shardDead",
    }),
    poll: { seconds: 1, parallel: true },
    handle: async (data, attempt, tools) => {
      const { runShardJob } = await import("../evaluations/run");
      return `shard ${data.shardId} of evaluation ${data.evaluationId}: ${await runShardJob(data, { workerId: tools.workerId, ...attempt }, tools.executeShard)}`;
    },
  }),
  /** Shard jobs that exhausted their retries without the handler settling them (the worker died each time). */
  shardDead: entry({
    name: "evaluation-shard-dead",
    schema: ShardJobSchema,
    queue: () => ({ retryLimit: 5, retryDelay: 2, retryBackoff: false }),
    poll: { seconds: 2 },
    handle: async (data) => {
      const { handleDeadShard } = await import("../evaluations/run");
      await handleDeadShard(data);
    },
  }),
  aggregate: entry({
    name: "evaluation-aggregate",
    schema: AggregateJobSchema,
    queue: () => ({ retryLimit: AGGREGATE_RETRY_LIMIT, retryDelay: 5, retryBackoff: true, heartbeatSeconds: 10 }),
    poll: { seconds: 1 },
    handle: async (data, attempt) => {
      const { runAggregateJob } = await import("../evaluations/run");
      return `aggregate evaluation ${data.evaluationId}: ${await runAggregateJob(data, attempt)}`;
    },
  }),
  scheduleFire: entry({
    name: "schedule-fire",
    schema: ScheduleFireJobSchema,
    queue: () => ({ retryLimit: 3, retryDelay: 10, retryBackoff: false }),
    poll: { seconds: 2 },
    handle: async (data) => {
      const { fireSchedule } = await import("../evaluations/schedules");
      const created = await fireSchedule(data);
      return created ? `schedule ${data.scheduleId}: evaluation #${created.number}` : `schedule ${data.scheduleId}: nothing to run`;
    },
  }),
  webhook: entry({
    name: "webhook-deliver",
    schema: WebhookJobSchema,
    queue: () => ({ retryLimit: 6, retryDelay: 10, retryBackoff: true }),
    poll: { seconds: 2 },
    handle: async (data) => {
      const { deliverWebhook } = await import("../evaluations/webhook");
      const r = await deliverWebhook(data);
      // A refusal by the outbound guard is final (not retried); the log says why, never the body or the secret.
      return r.delivered ? undefined : `webhook ${data.event} for team ${data.teamId} not sent: ${r.reason}`;
    },
  }),
  report: entry({
    name: "report-generate",
    schema: ReportJobSchema,
    queue: () => ({ retryLimit: REPORT_RETRY_LIMIT, retryDelay: 5, retryBackoff: false, heartbeatSeconds: 10 }),
    poll: { seconds: 1 },
    handle: async (data, attempt) => {
      const { runReportJob } = await import("../reports/generate");
      return `report ${data.reportId}: ${await runReportJob(data, { lastAttempt: attempt.retryCount >= attempt.retryLimit })}`;
    },
  }),
  /** One hardening run (lib/hardening/run.ts): a retried job resumes from the run's last end-of-epoch checkpoint. */
  harden: entry({
    name: "hardening-run",
    schema: HardenJobSchema,
    queue: () => ({
      retryLimit: 3,
      retryDelay: 2,
      retryBackoff: false,
      // A worker that dies mid-run stops heartbeating: another takes the job within ~15 s and resumes.
      heartbeatSeconds: 10,
      expireInSeconds: 24 * 3600,
    }),
    poll: { seconds: 2 },
    handle: async (data, attempt, tools) => {
      const { runHardeningJob } = await import("../hardening/run");
      return runHardeningJob(data, { workerId: tools.workerId, attempt: attempt.retryCount });
    },
  }),
};

export type JobName = keyof typeof JOBS;
export type JobPayload<K extends JobName> = z.input<(typeof JOBS)[K]["schema"]>;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** Dead letter queues first: pg-boss refuses a queue whose dead letter queue does not exist yet. */
function creationOrder(): JobName[] {
  return [...JOB_NAMES].sort((a, b) => Number(!!JOBS[a].queue().deadLetter) - Number(!!JOBS[b].queue().deadLetter));
}

function queueOptions(k: JobName): UpdateQueueOptions {
  const q = JOBS[k].queue();
  return {
    retryLimit: q.retryLimit,
    retryDelay: q.retryDelay,
    retryBackoff: q.retryBackoff,
    // pg-boss's defaults when we set none; null clears what an earlier configuration wrote.
    expireInSeconds: q.expireInSeconds ?? 900,
    heartbeatSeconds: q.heartbeatSeconds ?? null,
    deadLetter: q.deadLetter ? JOBS[q.deadLetter as JobName].name : null,
    // A NOTIFY on commit wakes the listening workers (lib/jobs/queue.ts) instead of waiting for their poll.
    notify: true,
  };
}

/**
 * Creates the queues, or brings an existing queue's options up to the configuration. pg-boss copies a
 * queue's options into each job when it is sent, so options written only at creation would keep, for
 * example, the shard expiry of the first start after an operator raised BULWARK_SHARD_TIMEOUT_MIN.
 */
export async function createQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const k of creationOrder()) {
    const { name } = JOBS[k];
    const options = queueOptions(k);
    if (existing.has(name)) await boss.updateQueue(name, options);
    // A new queue takes only the options that are set (pg-boss refuses null and even undefined ones there).
    else await boss.createQueue(name, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null && v !== undefined)));
  }
}

export class JobPayloadError extends Error {}

/**
 * Queues jobs inside the caller's transaction, after checking every payload against the job's schema.
 * A record and the job that works on it exist together or not at all.
 */
export async function send<K extends JobName>(
  tx: Tx,
  job: K,
  payloads: JobPayload<K> | JobPayload<K>[],
  options: { singletonKey?: (p: JobPayload<K>) => string; priority?: number } = {},
): Promise<void> {
  const list = Array.isArray(payloads) ? payloads : [payloads];
  if (list.length === 0) return;
  const { name, schema } = JOBS[job];
  const data = list.map((p) => {
    const parsed = (schema as z.ZodType).safeParse(p);
    if (!parsed.success) throw new JobPayloadError(`A ${name} job's payload does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ")}`);
    return parsed.data as object;
  });
  const { getQueue } = await import("./queue");
  const boss = await getQueue();
  const ids = await boss.insert(
    name,
    data.map((d, i) => ({ data: d, priority: options.priority, ...(options.singletonKey ? { singletonKey: options.singletonKey(list[i]!) } : {}) })),
    // pg-boss runs its insert through the caller's Prisma transaction: the jobs commit or roll back with the rows.
    { db: fromPrisma(tx), returnId: true },
  );
  if ((ids?.length ?? 0) !== list.length) throw new Error(`The queue ${name} accepted ${ids?.length ?? 0} of ${list.length} jobs`);
}

/** Checks a taken job's payload and runs the job's handler. */
export async function runJob<K extends JobName>(job: K, data: unknown, attempt: JobAttempt, tools: WorkerTools): Promise<string | void> {
  const e = JOBS[job] as unknown as JobEntry<z.ZodType>;
  return e.handle(e.schema.parse(data), attempt, tools);
}
