import { hostname } from "node:os";
import { db } from "./db/client";
import { DATABASE_RETRY_AFTER_SECONDS } from "./db/unavailable";
import { WORKER_ALIVE_SECONDS } from "./jobs/constants";
import { processExists } from "./pid";

export interface Health {
  status: "ok" | "degraded" | "down";
  database: { ok: boolean; error?: string };
  workers: {
    alive: number;
    newestHeartbeatAgeSeconds: number | null;
    /** Seconds since each alive worker's last heartbeat ("last seen N s ago"), newest first. */
    lastSeenSecondsAgo: number[];
    /** A worker counts as alive until this long after its last heartbeat (on another machine, even if it crashed). */
    aliveWindowSeconds: number;
  };
}

/** Seconds a client should wait before asking again when the status is down. */
export const HEALTH_RETRY_AFTER_SECONDS = DATABASE_RETRY_AFTER_SECONDS;

/**
 * Database reachability and worker liveness. A worker is alive if it beat within WORKER_ALIVE_SECONDS and,
 * when it runs on this machine, its process still exists (a crashed local worker drops out at once). A
 * crashed worker on another machine cannot be told from a slow one until its beats stop, so the answer
 * says how long ago each alive worker was last seen and how long the window is.
 */
export async function checkHealth(): Promise<Health> {
  // Ages on the database's clock, the one heartbeats are written with: no machine's clock skew enters.
  // The heartbeat query is also the database check (one round trip: the dashboard asks on every view).
  let beats: { hostname: string; pid: number; age: number }[];
  try {
    beats = await db.$queryRaw<{ hostname: string; pid: number; age: number }[]>`
      SELECT hostname, pid, EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - "lastSeenAt")::float8 AS age FROM "WorkerHeartbeat"`;
  } catch (e) {
    return { status: "down", database: { ok: false, error: describeDatabaseError(e) }, workers: { alive: 0, newestHeartbeatAgeSeconds: null, lastSeenSecondsAgo: [], aliveWindowSeconds: WORKER_ALIVE_SECONDS } };
  }
  const here = hostname();
  const live = beats.filter((b) => b.hostname !== here || processExists(b.pid));
  const ages = live.map((b) => Math.max(0, b.age));
  const alive = ages.filter((a) => a <= WORKER_ALIVE_SECONDS).sort((a, b) => a - b);
  return {
    status: alive.length > 0 ? "ok" : "degraded",
    database: { ok: true },
    workers: {
      alive: alive.length,
      newestHeartbeatAgeSeconds: ages.length ? Math.round(Math.min(...ages)) : null,
      lastSeenSecondsAgo: alive.map((a) => Math.round(a)),
      aliveWindowSeconds: WORKER_ALIVE_SECONDS,
    },
  };
}

/** One line saying why the database did not answer (Prisma's messages may start with blank lines). */
export function describeDatabaseError(e: unknown): string {
  for (let cur = e, depth = 0; cur && typeof cur === "object" && depth < 6; depth++) {
    const x = cur as { message?: unknown; code?: unknown; cause?: unknown };
    const line = typeof x.message === "string" ? x.message.split("\n").map((l) => l.trim()).find(Boolean) : undefined;
    if (line) return line.slice(0, 300);
    if (typeof x.code === "string" && x.code) return `database error ${x.code}`;
    cur = x.cause;
  }
  return "The database did not answer.";
}
