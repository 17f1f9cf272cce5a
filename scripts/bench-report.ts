// npm run bench:report — render time of a 30-page audit report (synthetic snapshot, no database).
// Prints the page count, the size, and the render time of each run (the first includes loading the fonts).
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { renderReportPdf } from "../lib/reports/pdf";
import { sampleSnapshot } from "../lib/reports/sample";
import { sha256Hex } from "../lib/reports/hash";

const snapshot = sampleSnapshot({ models: 2, evaluationsPerModel: 2, frameworks: ["nist-ai-rmf", "iso-42001"] });
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 5);
const times: number[] = [];
const hashes = new Set<string>();
let pdf: Buffer = Buffer.alloc(0);
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  pdf = await renderReportPdf(snapshot, { status: "draft" });
  times.push(performance.now() - t);
  hashes.add(sha256Hex(pdf));
}
let pages = "?";
try {
  pages = /Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", ["-"], { input: pdf }).toString())?.[1] ?? "?";
} catch {
  // poppler-utils not installed: page count unknown
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`report: ${pages} pages, ${(pdf.byteLength / 1024).toFixed(0)} KB, sha256 ${sha256Hex(pdf).slice(0, 16)}… (byte-identical on every run: ${hashes.size === 1})`);
console.log(`render times (ms): ${times.map((t) => t.toFixed(0)).join(", ")}`);
console.log(`first (cold, fonts loaded): ${times[0]!.toFixed(0)} ms; median of warm runs: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms; target < 2000 ms`);
console.log(`load average: ${loadavg().map((v) => v.toFixed(2)).join(" ")}`);
