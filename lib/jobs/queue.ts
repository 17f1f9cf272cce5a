import { PgBoss } from "pg-boss";
import { currentDatabaseUrl } from "../db/client";
import { createQueues } from "./catalog";

// The pg-boss instance on the application database. The jobs themselves (names, payloads, options,
// handlers) are in lib/jobs/catalog.ts.

export async function startQueue(connectionString: string, opts: { supervise?: boolean; listen?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString,
    schema: "pgboss",
    max: 5,
    supervise: opts.supervise ?? true,
    // Workers LISTEN for the NOTIFY each queued job sends on commit (every queue opts in, lib/jobs/catalog.ts),
    // so a job starts within milliseconds instead of at the next poll; polling stays as the backstop.
    useListenNotify: opts.listen ?? false,
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
