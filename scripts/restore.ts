// npm run restore -- <backup folder> [--force] — brings a backup back on a fresh data folder
// (BULWARK_DATA_DIR, with its embedded PostgreSQL) or into the empty database at DATABASE_URL.
// Refuses a non-empty data folder unless --force, which deletes that folder first.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { env } from "../lib/env";
import { startEmbeddedPostgres, runningPostmaster } from "../lib/db/embedded";
import { artifactStore } from "../lib/registry/store";
import { restoreBackup } from "../lib/ops/restore";
import { readVerifiedManifest } from "../lib/ops/backup";

const args = process.argv.slice(2);
const force = args.includes("--force");
const dir = args.find((a) => !a.startsWith("--"));
if (!dir) {
  console.error("Usage: npm run restore -- <backup folder> [--force]");
  process.exit(2);
}
const config = env();

// What this command adds to the data folder; removed again if the restore fails, so a retry needs no --force.
let before: Set<string> | undefined;
let stop = async () => {};

try {
  const started = Date.now();
  let url = config.DATABASE_URL;
  // A folder that is not a backup (or a damaged one) is refused before anything is created.
  await readVerifiedManifest(resolve(dir));
  if (!url) {
    // Only the files written by loading the config (the generated session secret) may be there already.
    const entries = existsSync(config.dataDir) ? readdirSync(config.dataDir).filter((e) => e !== "nextauth-secret") : [];
    if (entries.length > 0) {
      if (!force) throw new Error(`The data folder ${config.dataDir} is not empty. Restore into a new folder (set BULWARK_DATA_DIR), or add --force to delete it first.`);
      if (runningPostmaster(config.dataDir)) throw new Error(`Bulwark is running on ${config.dataDir}; stop it before restoring over it.`);
      console.log(`--force: deleting ${config.dataDir}`);
      for (const e of entries) rmSync(join(config.dataDir, e), { recursive: true, force: true });
    }
    before = new Set(existsSync(config.dataDir) ? readdirSync(config.dataDir) : []);
    const server = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.BULWARK_PG_PORT, log: console.log });
    url = server.url;
    stop = () => server.stop();
  }
  console.log(`Restoring ${resolve(dir)} into ${config.DATABASE_URL ? "the database at DATABASE_URL" : `the data folder ${config.dataDir}`}`);
  const r = await restoreBackup({ dir: resolve(dir), url, store: artifactStore(), log: console.log });
  await stop();
  for (const t of r.rows) console.log(`  ${t.table}: ${t.rows} rows`);
  console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)}s: the backup of ${r.manifest.createdAt} (${r.artifacts} artifacts). Start Bulwark with npm start.`);
} catch (e) {
  await stop().catch(() => {});
  const created = before && existsSync(config.dataDir) ? readdirSync(config.dataDir).filter((entry) => !before!.has(entry)) : [];
  for (const entry of created) rmSync(join(config.dataDir, entry), { recursive: true, force: true });
  console.error(`Restore failed: ${(e as Error).message}${created.length ? ` What it had created in ${config.dataDir} was removed.` : ""}`);
  process.exit(1);
}
