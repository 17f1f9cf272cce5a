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

  it("resolves the session, the team and the role in one place (app/_lib/team.ts), which every page, action and route uses", () => {
    // The root page (which team to open) and the sign-in page (already signed in?) ask only for the session.
    const SESSION_ONLY = new Set(["app/page.tsx", "app/(auth)/sign-in/page.tsx"]);
    const all = files(join(ROOT, "app")).map((f) => ({ f: relative(ROOT, f), text: readFileSync(f, "utf8") }));
    const teamLookups = all.filter(({ f, text }) => f !== "app/_lib/team.ts" && /\bgetTeamContext\b|\brequireTeam\b/.test(text));
    expect(teamLookups.map(({ f }) => f)).toEqual([]);
    const sessionLookups = all.filter(({ f, text }) => f !== "app/_lib/team.ts" && !SESSION_ONLY.has(f) && /\b(getSessionUser|requireUser)\b/.test(text));
    expect(sessionLookups.map(({ f }) => f)).toEqual([]);
    // Every page under /t/[team] goes through it (directly, or through the layout's and the action/route wrappers).
    const teamPages = all.filter(({ f }) => /^app\/t\/\[team\]\/.*(page|layout)\.tsx$/.test(f));
    // The registry pages (models and datasets) begin through app/t/[team]/_registry/page-start.tsx, whose two
    // helpers call teamPage themselves.
    const pageStart = readFileSync(join(ROOT, "app/t/[team]/_registry/page-start.tsx"), "utf8");
    expect(pageStart.match(/\bawait teamPage\(params\)/g)).toHaveLength(2);
    const bypass = teamPages.filter(({ text }) => !/\b(teamPage(Access)?|registryListStart|registryUploadStart)\(/.test(text) && /\bparams\b/.test(text) && /from "@\/lib\//.test(text));
    expect(bypass.map(({ f }) => f)).toEqual([]);
  });
});
