import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject, vi } from "vitest";
import { configureDatabaseUrl, disconnectDb } from "../lib/db/client";
import { resetEnvCache } from "../lib/env";
import { stopQueue } from "../lib/jobs/queue";
import { setArtifactStore } from "../lib/registry/store";
import { removeTempDirs, restoreStartEnv } from "./between-files";

// Each test file gets its own fresh, migrated database, copied from the template.
//
// In the `db` project several files run one after another in one process (isolate: false): Vitest evaluates
// this file again before each of them, but every other module keeps its state. So each file starts as a
// fresh process would: the environment as the process started (useTempStore and the tests of limits set
// variables), no cached configuration, the configured artifact store, no queue and no client on the previous
// file's database. The same again after the file, so nothing of it outlives its database. The product's
// other per-process caches are keyed by ids the database generates (teams, versions, evaluations), which a
// new database does not reuse.
async function startClean(): Promise<void> {
  await stopQueue();
  await disconnectDb();
  restoreStartEnv();
  resetEnvCache();
  setArtifactStore(null);
  vi.useRealTimers();
}

await startClean();
const adminUrl = inject("pgAdminUrl");
const name = `test_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}" TEMPLATE app_template`);
await admin.end();
export const testDatabaseUrl = adminUrl.replace(/\/postgres$/, `/${name}`);
configureDatabaseUrl(testDatabaseUrl);

// Registered first, so it runs after the file's own afterAll hooks (its workers are stopped by then).
afterAll(async () => {
  await startClean();
  removeTempDirs();
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
});
