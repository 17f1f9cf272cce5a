import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { configureDatabaseUrl, disconnectDb } from "../lib/db/client";

// Each test file gets its own fresh, migrated database, copied from the template.
const adminUrl = inject("pgAdminUrl");
const name = `test_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${name}" TEMPLATE app_template`);
await admin.end();
export const testDatabaseUrl = adminUrl.replace(/\/postgres$/, `/${name}`);
configureDatabaseUrl(testDatabaseUrl);

afterAll(async () => {
  await disconnectDb();
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
});
