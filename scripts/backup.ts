// npm run backup [-- --out <folder>] — a consistent backup of the database and the artifact store,
// taken while Bulwark keeps running (one database snapshot; blobs are immutable). See lib/ops/backup.ts.
import { resolve } from "node:path";
import { withDatabase } from "../lib/db/embedded";
import { artifactStore } from "../lib/registry/store";
import { writeBackup } from "../lib/ops/backup";

const args = process.argv.slice(2);
const at = args.indexOf("--out");
const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "Z");
const out = resolve(at >= 0 && args[at + 1] ? args[at + 1]! : `bulwark-backup-${stamp}`);

try {
  const started = Date.now();
  console.log(`Backing up to ${out}`);
  const m = await withDatabase((url) => writeBackup({ url, store: artifactStore(), out, log: console.log }));
  const rows = m.tables.reduce((s, t) => s + t.rows, 0);
  console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)}s: ${rows} rows in ${m.tables.length} tables, ${m.artifacts.count} artifacts, ${m.migrations.length} migrations; manifest ${out}/manifest.json`);
} catch (e) {
  console.error(`Backup failed: ${(e as Error).message}`);
  process.exit(1);
}
