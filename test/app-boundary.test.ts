import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// app/ stays thin: pages, actions and routes call lib, which scopes every query to the caller's team.
// A page that reaches the database itself skips that, so no file under app/ (tests aside) imports the
// Prisma client or Prisma's own packages.

const ROOT = resolve(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(ts|tsx)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("app/", () => {
  it("imports no database client: pages and actions query through lib", () => {
    const offenders = files(join(ROOT, "app")).filter((f) => /from\s+["'](@\/|(\.\.\/)+)lib\/db\/(client|generated)|from\s+["']@prisma\//m.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
