// npm run audit:prod — fails when production dependencies have high or critical advisories.
// When the registry's advisory endpoint cannot be reached (offline or a mirror without it: this
// machine's registry answers 405), it says plainly that no audit was performed and does not fail,
// unless BULWARK_AUDIT_REQUIRED=1.
import { spawnSync } from "node:child_process";

interface AuditJson {
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { name: string; severity: string; via: ({ title?: string; url?: string } | string)[]; fixAvailable?: unknown }>;
  message?: string;
  statusCode?: number;
}

const run = spawnSync("npm", ["audit", "--omit=dev", "--json"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
let report: AuditJson;
try {
  report = JSON.parse(run.stdout || "{}") as AuditJson;
} catch {
  report = { message: (run.stderr || run.stdout).trim().split("\n")[0] };
}

const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why = report.message ?? (run.stderr.trim().split("\n").at(-1) || "no answer");
  console.warn(`audit:prod: the advisory database could not be queried (${why}). The production dependency audit was NOT performed.`);
  process.exit(process.env.BULWARK_AUDIT_REQUIRED === "1" ? 1 : 0);
}

const serious = Object.values(report.vulnerabilities ?? {}).filter((v) => v.severity === "high" || v.severity === "critical");
const summary = Object.entries(counts).filter(([k, n]) => k !== "total" && n > 0).map(([k, n]) => `${n} ${k}`).join(", ") || "none";
if (serious.length > 0) {
  console.error(`audit:prod: ${serious.length} production dependencies with high or critical advisories:`);
  for (const v of serious) {
    const titles = v.via.map((x) => (typeof x === "string" ? `via ${x}` : `${x.title ?? ""} ${x.url ?? ""}`.trim())).join("; ");
    console.error(`  ${v.severity.padEnd(8)} ${v.name}: ${titles}${v.fixAvailable ? " (fix available)" : ""}`);
  }
  process.exit(1);
}
console.log(`audit:prod: no high or critical advisories in production dependencies (advisories: ${summary}).`);
