// npm run audit:verify -- export.jsonl
// Checks an audit log exported from Bulwark (Audit log → Export → JSON Lines) offline, without Bulwark's
// database: recomputes every event's SHA-256 from its fields and the links between consecutive events,
// and names the first event that fails. Exit code 0: verified; 1: the file fails; 2: usage.
import { readFileSync } from "node:fs";
import { verifyExport } from "../lib/audit/export";

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error("Usage: npm run audit:verify -- <export.jsonl>");
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(file, "utf8");
} catch (e) {
  console.error(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  process.exit(2);
}
const v = verifyExport(text);
if (v.ok) {
  console.log(`OK: ${v.message}`);
} else {
  console.error(`FAILED: ${v.message}`);
  process.exitCode = 1;
}
