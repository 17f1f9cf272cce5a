import { db } from "./db/client";
import { HEARTBEAT_SECONDS } from "./jobs/constants";

export interface Health {
  status: "ok" | "degraded" | "down";
  database: { ok: boolean; error?: string };
  workers: { alive: number; newestHeartbeatAgeSeconds: number | null };
}

/** Database reachability and worker liveness (a worker is alive if it beat within 3 intervals). */
export async function checkHealth(): Promise<Health> {
  try {
    await db.$queryRaw`SELECT 1`;
  } catch (e) {
    return { status: "down", database: { ok: false, error: (e as Error).message.split("\n")[0] }, workers: { alive: 0, newestHeartbeatAgeSeconds: null } };
  }
  const beats = await db.workerHeartbeat.findMany({ select: { lastSeenAt: true } });
  const now = Date.now();
  const ages = beats.map((b) => (now - b.lastSeenAt.getTime()) / 1000);
  const alive = ages.filter((a) => a <= HEARTBEAT_SECONDS * 3).length;
  return {
    status: alive > 0 ? "ok" : "degraded",
    database: { ok: true },
    workers: { alive, newestHeartbeatAgeSeconds: ages.length ? Math.round(Math.min(...ages)) : null },
  };
}
