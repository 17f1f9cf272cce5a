import { hostname } from "node:os";
import { db } from "../lib/db/client";

export { HEARTBEAT_SECONDS } from "../lib/jobs/constants";

/**
 * Records that this worker is alive. The time is the database's own (stored as UTC like Prisma's
 * DateTime), so a worker machine whose clock is off does not look older or younger than it is.
 */
export async function beat(workerId: string, startedAt: Date, backend: string | null, concurrency: number) {
  await db.$executeRaw`
    INSERT INTO "WorkerHeartbeat" (id, hostname, pid, "startedAt", "lastSeenAt", backend, concurrency)
    VALUES (${workerId}, ${hostname()}, ${process.pid}, ${startedAt}, now() AT TIME ZONE 'UTC', ${backend}, ${concurrency})
    ON CONFLICT (id) DO UPDATE SET "lastSeenAt" = now() AT TIME ZONE 'UTC', backend = EXCLUDED.backend, concurrency = EXCLUDED.concurrency`;
}
