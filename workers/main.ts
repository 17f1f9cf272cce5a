// The worker process: takes jobs from pg-boss and calls lib. Run as many copies as needed
// (`npm run worker`), on any machine that reaches the database and the artifact store.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { env } from "../lib/env";
import { db, disconnectDb } from "../lib/db/client";
import { startQueue } from "../lib/jobs/queue";
import { ArtifactStoreError, checkArtifactStore } from "../lib/registry/store";
import { registerHandlers } from "./handlers";
import { beat, HEARTBEAT_SECONDS } from "./heartbeat";

const config = env();
if (!config.DATABASE_URL) {
  console.error("[worker] DATABASE_URL is not set. `npm start` sets it for its own worker; to add a worker, set DATABASE_URL to the database `npm start` printed.");
  process.exit(2);
}

// A worker on another machine sees no folder of the web's: the artifact store must answer before any job is taken.
try {
  await checkArtifactStore();
} catch (e) {
  if (!(e instanceof ArtifactStoreError)) throw e;
  console.error(`[worker] ${e.message}`);
  process.exit(2);
}

const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
const startedAt = new Date();
const boss = await startQueue(config.DATABASE_URL, { listen: true });
const handlers = await registerHandlers(boss, { workerId, concurrency: config.BULWARK_WORKER_CONCURRENCY });
await beat(workerId, startedAt, handlers.backend, config.BULWARK_WORKER_CONCURRENCY);
const timer = setInterval(() => {
  beat(workerId, startedAt, handlers.backend, config.BULWARK_WORKER_CONCURRENCY).catch((e) => console.error(`[worker] heartbeat failed: ${(e as Error).message}`));
}, HEARTBEAT_SECONDS * 1000);
console.log(`[worker] ${workerId} ready (concurrency ${config.BULWARK_WORKER_CONCURRENCY})`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[worker] ${signal}: no new jobs; finishing the ones in hand`);
  clearInterval(timer);
  // graceful: waits for running handlers; jobs not finished within the timeout go back to the queue.
  await boss.stop({ graceful: true, timeout: 30_000 }).catch(() => {});
  await handlers.close();
  // Deregister, so /api/health stops counting this worker at once rather than after 3 missed beats.
  await db.workerHeartbeat.delete({ where: { id: workerId } }).catch(() => {});
  await disconnectDb();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// If the supervisor dies (SIGKILL), do not linger as an orphan.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && config.BULWARK_SUPERVISED) void shutdown("supervisor gone");
}, 2000).unref();
