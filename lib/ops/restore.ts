import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import type { ArtifactStore } from "../registry/store";
import { blobKey, sha256File } from "../registry/store";
import { applyMigrations, MIGRATIONS_DIR } from "../db/schema-engine";
import { startQueue } from "../jobs/queue";
import { readVerifiedManifest, rowBatches, type BackupManifest } from "./backup";

// Restore of a backup written by backup.ts into an EMPTY database: copy the blobs, migrate the database to this code's schema,
// let pg-boss create its schema and queues, then insert every table's rows in one transaction
// (all or nothing). The blobs go into the artifact store first, each checked against its digest.

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface RestoreSummary {
  manifest: BackupManifest;
  migrationsApplied: string[];
  rows: { table: string; rows: number }[];
  queueRowsSkipped: boolean;
  artifacts: number;
}

/** True when the database has none of our tables with rows (a fresh or freshly created database). */
export async function databaseIsEmpty(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t = await c.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = 'Team'`);
    if (t.rowCount === 0) return true;
    return (await c.query(`SELECT 1 FROM "Team" LIMIT 1`)).rowCount === 0;
  } finally {
    await c.end();
  }
}

/** Tables ordered so that every table comes after the ones its foreign keys point to. */
async function insertOrder(c: pg.Client, tables: string[]): Promise<string[]> {
  const deps = await c.query<{ child: string; parent: string }>(
    `SELECT cn.nspname || '.' || cc.relname AS child, pn.nspname || '.' || pc.relname AS parent
       FROM pg_constraint k JOIN pg_class cc ON cc.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class pc ON pc.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE k.contype = 'f'`,
  );
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (t: string) => {
    if (ordered.includes(t) || visiting.has(t)) return;
    visiting.add(t);
    for (const d of deps.rows) if (d.child === t && d.parent !== t && tables.includes(d.parent)) visit(d.parent);
    ordered.push(t);
  };
  for (const t of tables) visit(t);
  return ordered;
}

export async function restoreBackup(opts: { dir: string; url: string; store: ArtifactStore; log?: (m: string) => void }): Promise<RestoreSummary> {
  const log = opts.log ?? (() => {});
  const manifest = await readVerifiedManifest(opts.dir);
  const known = new Set(existsSync(MIGRATIONS_DIR) ? readdirSync(MIGRATIONS_DIR) : []);
  const unknown = manifest.migrations.filter((m) => !known.has(m));
  if (unknown.length) throw new Error(`The backup was made by a newer Bulwark (migrations ${unknown.join(", ")} are unknown here); restore it with that version or newer.`);
  // Every blob is checked before anything is written: a damaged backup changes nothing.
  const blobs: string[] = [];
  const blobRoot = join(opts.dir, manifest.artifacts.dir);
  if (existsSync(join(blobRoot, "sha256"))) {
    for (const e of readdirSync(join(blobRoot, "sha256"), { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const sha = e.parentPath.split("/").pop()! + e.name;
      const got = await sha256File(join(e.parentPath, e.name));
      if (got.sha256 !== sha) throw new Error(`artifact ${sha} in the backup is damaged (its bytes hash to ${got.sha256})`);
      blobs.push(sha);
    }
  }
  if (blobs.length !== manifest.artifacts.count) throw new Error(`the backup holds ${blobs.length} artifacts, its manifest says ${manifest.artifacts.count}`);
  if (!(await databaseIsEmpty(opts.url))) throw new Error("The target database already holds Bulwark data; restore into an empty database.");

  // Blobs first: content-addressed, so a blob without rows is harmless, while rows without blobs are not.
  for (const sha of blobs) await opts.store.put(sha, join(blobRoot, blobKey(sha)));
  log(`Restored ${blobs.length} artifacts into ${opts.store.location}.`);

  // This code's schema (a backup from an older version gets the newer migrations, as on a start).
  const migrationsApplied = await applyMigrations(opts.url);
  log(`Migrated the empty database (${migrationsApplied.length} migrations).`);
  const boss = await startQueue(opts.url, { supervise: false });
  const bossVersion = Number((await (async () => {
    const c = new pg.Client({ connectionString: opts.url });
    await c.connect();
    try {
      return (await c.query<{ version: number }>("SELECT version FROM pgboss.version LIMIT 1")).rows[0]?.version;
    } finally {
      await c.end();
    }
  })()) ?? 0);
  await boss.stop({ graceful: false, close: true });
  const queueRowsSkipped = manifest.pgbossVersion !== null && manifest.pgbossVersion !== bossVersion;
  if (queueRowsSkipped) log(`Queued jobs skipped: the backup's pg-boss schema is v${manifest.pgbossVersion}, this one v${bossVersion} (the workers' sweep restarts stuck evaluations).`);

  const c = new pg.Client({ connectionString: opts.url });
  c.on("error", () => {});
  await c.connect();
  const rows: RestoreSummary["rows"] = [];
  try {
    await c.query("BEGIN");
    // Rows go back exactly as they were: no triggers (the append-only and immutability guards refuse
    // nothing on INSERT, but other triggers could rewrite values) and no FK checks when we may skip them.
    await c.query("SAVEPOINT role");
    try {
      await c.query("SET LOCAL session_replication_role = replica");
    } catch {
      await c.query("ROLLBACK TO SAVEPOINT role"); // not a superuser: the insert order keeps FKs valid
    }
    const entries = manifest.tables.filter((t) => !(t.schema === "pgboss" && queueRowsSkipped));
    const byName = new Map(entries.map((t) => [`${t.schema}.${t.table}`, t]));
    for (const name of await insertOrder(c, [...byName.keys()])) {
      const t = byName.get(name)!;
      const target = `${q(t.schema)}.${q(t.table)}`;
      // Only columns both sides have: a column added by a newer migration takes its default.
      const cols = (
        await c.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position`, [t.schema, t.table])
      ).rows.map((r) => r.column_name);
      if (cols.length === 0) throw new Error(`table ${name} of the backup does not exist in this version`);
      let n = 0;
      for await (const batch of rowBatches(join(opts.dir, t.file))) {
        const present = Object.keys(JSON.parse(batch[0]!) as object);
        const use = cols.filter((col) => present.includes(col)).map(q).join(", ");
        const r = await c.query(`INSERT INTO ${target} (${use}) SELECT ${use} FROM json_populate_recordset(NULL::${target}, $1::json)`, [`[${batch.join(",")}]`]);
        n += r.rowCount ?? 0;
      }
      if (n !== t.rows) throw new Error(`${name}: inserted ${n} rows, the backup has ${t.rows}`);
      rows.push({ table: name, rows: n });
    }
    await c.query("COMMIT");
  } catch (e) {
    await c.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    await c.end().catch(() => {});
  }
  log(`Restored ${rows.reduce((s, r) => s + r.rows, 0)} rows in ${rows.length} tables.`);

  return { manifest, migrationsApplied, rows, queueRowsSkipped, artifacts: blobs.length };
}
