import { PgBoss } from "pg-boss";
import { env } from "../env";
import { currentDatabaseUrl } from "../db/client";

// The pg-boss queue on the application database. Payload schemas live in lib/jobs/payloads.ts.

export const QUEUES = {
  shard: "evaluation-shard",
  shardDead: "evaluation-shard-dead",
  aggregate: "evaluation-aggregate",
  scheduleFire: "schedule-fire",
  webhook: "webhook-deliver",
  report: "report-generate",
} as const;

/** A shard may retry this many times after its first attempt (crash, lost worker, error). */
export const SHARD_RETRY_LIMIT = 2;
/** A report job may retry this many times (a lost worker, a database hiccup) before the report is marked failed. */
export const REPORT_RETRY_LIMIT = 2;

export async function createQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  const ensure = async (name: string, opts: Parameters<PgBoss["createQueue"]>[1] = {}) => {
    if (!existing.has(name)) await boss.createQueue(name, opts);
  };
  await ensure(QUEUES.shardDead, { retryLimit: 5, retryDelay: 2 });
  await ensure(QUEUES.shard, {
    retryLimit: SHARD_RETRY_LIMIT,
    retryDelay: 2,
    retryBackoff: true,
    // A worker that dies mid-shard stops heartbeating: its job is taken again within ~15 s.
    heartbeatSeconds: 10,
    expireInSeconds: env().BULWARK_SHARD_TIMEOUT_MIN * 60 + 120,
    deadLetter: QUEUES.shardDead,
  });
  await ensure(QUEUES.aggregate, { retryLimit: 5, retryDelay: 5, retryBackoff: true, heartbeatSeconds: 10 });
  await ensure(QUEUES.scheduleFire, { retryLimit: 3, retryDelay: 10 });
  await ensure(QUEUES.webhook, { retryLimit: 6, retryDelay: 10, retryBackoff: true });
  await ensure(QUEUES.report, { retryLimit: REPORT_RETRY_LIMIT, retryDelay: 5, heartbeatSeconds: 10 });
}

export async function startQueue(connectionString: string, opts: { supervise?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString,
    schema: "pgboss",
    max: 5,
    supervise: opts.supervise ?? true,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
  });
  boss.on("error", (e: Error) => console.error(`[queue] ${e.message}`));
  await boss.start();
  await createQueues(boss);
  return boss;
}

// The web process sends jobs through one lazily started instance (no maintenance work there).
const g = globalThis as unknown as { bulwarkQueue?: Promise<PgBoss> };

/** For processes that only enqueue (web, tests). Uses the same database as lib/db. */
export function getQueue(): Promise<PgBoss> {
  if (!g.bulwarkQueue) {
    const url = currentDatabaseUrl();
    if (!url) throw new Error("DATABASE_URL is not set");
    g.bulwarkQueue = startQueue(url, { supervise: false }).catch((e) => {
      g.bulwarkQueue = undefined;
      throw e;
    });
  }
  return g.bulwarkQueue;
}

export async function stopQueue(): Promise<void> {
  const q = g.bulwarkQueue;
  g.bulwarkQueue = undefined;
  if (q) await (await q).stop({ graceful: false, close: true }).catch(() => {});
}
