import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { GET } from "./route";

// The served OpenAPI document, checked by external tools with their own rulesets (redocly.yaml:
// Redocly's recommended; .spectral.yaml: spectral:oas), not only by our tests: 0 errors, 0 warnings.

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../../../..");
const bin = (name: string) => join(ROOT, "node_modules/.bin", name);
const dir = mkdtempSync(join(tmpdir(), "bulwark-openapi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function served(): Promise<string> {
  const res = GET();
  expect(res.status).toBe(200);
  const file = join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(await res.json(), null, 1));
  return file;
}

/** The CLI's stdout even when it exits non-zero (it does when it finds errors). */
async function output(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (e) {
    return (e as { stdout?: string }).stdout ?? "";
  }
}

describe("GET /api/v1/openapi.json", () => {
  it("lints clean with Redocly (recommended) and Spectral (spectral:oas)", { timeout: 180_000 }, async () => {
    const file = await served();
    const [redocly, spectral] = await Promise.all([
      output(bin("redocly"), ["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format=json"]),
      output(bin("spectral"), ["lint", file, "--ruleset", join(ROOT, ".spectral.yaml"), "--format=json", "--quiet"]),
    ]);
    const r = JSON.parse(redocly.slice(redocly.indexOf("{"))) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    const s = JSON.parse(spectral.slice(spectral.indexOf("[")) || "[]") as { code: string; severity: number; message: string; path: string[] }[];
    const sErrors = s.filter((p) => p.severity === 0);
    const sWarnings = s.filter((p) => p.severity === 1);
    console.log(`OpenAPI lint: Redocly ${r.totals.errors} errors, ${r.totals.warnings} warnings; Spectral ${sErrors.length} errors, ${sWarnings.length} warnings`);
    expect(r.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect([...sErrors, ...sWarnings].map((p) => `${p.code} at ${p.path.join(".")}: ${p.message}`)).toEqual([]);
  });
});
