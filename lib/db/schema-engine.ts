import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";

// Prisma's migration engine compiled to WebAssembly, driven through a pg adapter. The native engine
// binary cannot be downloaded on offline machines; this applies the same standard migration folders
// and writes the same `_prisma_migrations` bookkeeping, so `prisma migrate deploy` can take over.

export const MIGRATIONS_DIR = resolve(process.cwd(), "prisma/migrations");
export const SCHEMA_FILE = resolve(process.cwd(), "prisma/schema.prisma");
export const SNAPSHOT_FILE = join(MIGRATIONS_DIR, "schema.snapshot.prisma");
const FILTERS = { externalTables: [], externalEnums: [] };

let wasmReady = false;

function loadWasm(): void {
  if (wasmReady) return;
  // Without a registry, an engine panic surfaces as an unrelated TypeError and kills the process.
  const registry = { message: "", set_message: (m: string) => void (registry.message = m) };
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = registry;
  const require = createRequire(import.meta.url);
  const wasmPath = join(dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
  const imports: Record<string, unknown> = { ...bg };
  for (const [name, fn] of Object.entries(bg)) {
    // Applying migrations arms a timer that is never cleared; unref it so scripts exit promptly.
    if (name.startsWith("__wbg_setTimeout_") && typeof fn === "function") {
      imports[name] = (...args: unknown[]) => {
        const t = (fn as (...a: unknown[]) => unknown)(...args);
        if (t && typeof (t as NodeJS.Timeout).unref === "function") (t as NodeJS.Timeout).unref();
        return t;
      };
    }
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
    "./schema_engine_bg.js": imports as WebAssembly.ModuleImports,
  });
  (bg as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  wasmReady = true;
}

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;

/** A factory on our own pool whose scripts run as one simple query (one implicit transaction),
 *  so a failing migration leaves nothing behind and dollar-quoted bodies survive. */
function applyingFactory(pool: pg.Pool) {
  const stock = new PrismaPg(pool);
  const wrap = (adapter: Adapter): Adapter => {
    adapter.executeScript = async (script: string) => {
      try {
        await pool.query(script);
      } catch (e) {
        (adapter as unknown as { onError(e: unknown): never }).onError(e);
      }
    };
    return adapter;
  };
  return {
    provider: stock.provider,
    adapterName: stock.adapterName,
    connect: async () => wrap(await stock.connect()),
    connectToShadowDb: async () => {
      throw new Error("Shadow databases are not used by Bulwark's migration runner");
    },
  };
}

function migrationsList() {
  const dirs = existsSync(MIGRATIONS_DIR)
    ? readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(MIGRATIONS_DIR, d.name, "migration.sql")))
        .map((d) => d.name)
        .sort()
    : [];
  const lockPath = join(MIGRATIONS_DIR, "migration_lock.toml");
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok" as const, value: readFileSync(join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

async function newEngine(factory: object): Promise<SchemaEngine> {
  loadWasm();
  const { SchemaEngine } = bg as unknown as { SchemaEngine: { new: (o: object, cb: (l: string) => void, a: object) => Promise<SchemaEngine> } };
  return SchemaEngine.new({ datamodels: [[SCHEMA_FILE, readFileSync(SCHEMA_FILE, "utf8")]] }, () => {}, factory);
}

/** `prisma migrate deploy`: applies pending migrations; returns the names applied. */
export async function applyMigrations(connectionString: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString, max: 2 });
  try {
    const engine = await newEngine(bindMigrationAwareSqlAdapterFactory(applyingFactory(pool) as never));
    try {
      const out = await engine.applyMigrations({ migrationsList: migrationsList(), filters: FILTERS } as never);
      return (out as { appliedMigrationNames: string[] }).appliedMigrationNames;
    } finally {
      engine.free();
    }
  } finally {
    await pool.end();
  }
}

/** A stand-in database that answers only the engine's start-up probe: diffs need no real server. */
function offlineFactory() {
  const reject = async () => {
    throw new Error("offline diff: no database");
  };
  const adapter = {
    provider: "postgres" as const,
    adapterName: "bulwark-offline",
    queryRaw: async (q: { sql: string }) => {
      if (q.sql.includes("pg_namespace")) {
        return {
          columnNames: ["exists", "version", "numeric_version"],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, "PostgreSQL 18", 180004]],
        };
      }
      throw new Error("offline diff: no database");
    },
    executeRaw: reject,
    executeScript: reject,
    startTransaction: reject,
    getConnectionInfo: () => ({ schemaName: "public", supportsRelationJoins: true }),
    dispose: async () => {},
  };
  return {
    provider: "postgres" as const,
    adapterName: "bulwark-offline",
    connect: async () => adapter,
    connectToShadowDb: async () => adapter,
  };
}

/** SQL that takes the last migrated schema (the snapshot) to the current schema.prisma. */
export async function diffSchemaToSnapshot(): Promise<string | null> {
  const engine = await newEngine(bindMigrationAwareSqlAdapterFactory(offlineFactory() as never));
  try {
    const current = readFileSync(SCHEMA_FILE, "utf8");
    const from = existsSync(SNAPSHOT_FILE)
      ? { tag: "schemaDatamodel", files: [{ path: SNAPSHOT_FILE, content: readFileSync(SNAPSHOT_FILE, "utf8") }] }
      : { tag: "empty" };
    const out = (await engine.diff({
      from,
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_FILE, content: current }] },
      script: true,
      exitCode: null,
      filters: FILTERS,
    } as never)) as { stdout: string };
    const sql = out.stdout.trim();
    return sql === "" || sql.startsWith("-- This is an empty migration.") ? null : out.stdout;
  } finally {
    engine.free();
  }
}
