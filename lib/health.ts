import { hostname } from "node:os";
import { db } from "./db/client";
import { DATABASE_RETRY_AFTER_SECONDS } from "./db/unavailable";
import { HEARTBEAT_SECONDS } from "./jobs/constants";

export interface Health {
  status: "ok" | "degraded" | "down";
  database: { ok: boolean; error?: string };
  workers: { alive: number; newestHeartbeatAgeSeconds: number | null };
}

/** Seconds a client should wait before asking again when the status is down. */
export const HEALTH_RETRY_AFTER_SECONDS = DATABASE_RETRY_AFTER_SECONDS;

/**
 * Database reachability and worker liveness. A worker is alive if it beat within 3 intervals and, when it
 * runs on this machine, its process still exists: a crashed worker's row would otherwise count for up to
 * 30 s next to the one restarted in its place.
 */
export async function checkHealth(): Promise<Health> {
  try {
    await db.$queryRaw`SELECT 1`;
  } catch (e) {
    return { status: "down", database: { ok: false, error: describeDatabaseError(e) }, workers: { alive: 0, newestHeartbeatAgeSeconds: null } };
  }
  const beats = await db.workerHeartbeat.findMany({ select: { lastSeenAt: true, hostname: true, pid: true } });
  const now = Date.now();
  const here = hostname();
  const live = beats.filter((b) => b.hostname !== here || processExists(b.pid));
  const ages = live.map((b) => (now - b.lastSeenAt.getTime()) / 1000);
  const alive = ages.filter((a) => a <= HEARTBEAT_SECONDS * 3).length;
  return {
    status: alive > 0 ? "ok" : "degraded",
    database: { ok: true },
    workers: { alive, newestHeartbeatAgeSeconds: ages.length ? Math.round(Math.min(...ages)) : null },
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
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
