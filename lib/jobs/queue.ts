import { PgBoss } from "pg-boss";

// The pg-boss queue on the application database. Job names and payload schemas live beside their
// handlers; this file only starts and stops the queue.

export const QUEUES = {
  heartbeat: "bulwark.heartbeat",
} as const;

export async function startQueue(connectionString: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString, schema: "pgboss", max: 5 });
  boss.on("error", (e: Error) => console.error(`[queue] ${e.message}`));
  await boss.start();
  return boss;
}
