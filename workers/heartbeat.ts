import { hostname } from "node:os";
import { db } from "../lib/db/client";

export { HEARTBEAT_SECONDS } from "../lib/jobs/constants";

export async function beat(workerId: string, startedAt: Date, backend: string | null, concurrency: number) {
  await db.workerHeartbeat.upsert({
    where: { id: workerId },
    create: { id: workerId, hostname: hostname(), pid: process.pid, startedAt, lastSeenAt: new Date(), backend, concurrency },
    update: { lastSeenAt: new Date(), backend, concurrency },
  });
}
