import { expect, test, type APIRequestContext } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createUserWithCli, signIn } from "./helpers";

// Tenant isolation across the whole web app, enumerated from the file system so that a new page,
// route handler or server action without a fixture fails this test: a member of another team gets 404
// (or "not found") everywhere, and the demo team's VIEWER can read every page but change nothing.
// The REST API has its own table-driven test (app/api/v1/api.test.ts) and lib the same check per
// operation with foreign ids (test/tenancy.test.ts).

const ROOT = "app/t/[team]";
const env = { ...process.env, BULWARK_DATA_DIR: process.env.E2E_DATA_DIR, BULWARK_PG_PORT: process.env.E2E_PG_PORT };

function walk(dir: string, name: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name), name) : d.name === name ? [join(dir, d.name)] : []));
}

interface Fixtures { team: string; modelId: string; datasetId: string; number: number; integrityNumber: number; scheduleId: string; reportId: string; fileId: string; envId: string; modelFile: { version: string; path: string }; datasetFile: { version: string; path: string }; auditEvents: Record<string, number> }
const MALLORY = "mallory@other.example";
// A viewer of the demo team of its own: the walk ends by signing it out everywhere, which must not sign out the
// demo viewer other journeys use meanwhile.
const VIEWER = { email: `viewer-isolation-${randomBytes(3).toString("hex")}@example.test`, password: `viewer-${randomBytes(6).toString("hex")}` };
const fixtures = (): Fixtures => JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "e2e/scripts/isolation-fixtures.ts", "demo", MALLORY, VIEWER.email], { env, stdio: ["ignore", "pipe", "pipe"] }).toString().trim().split("\n").at(-1)!);

/** app/t/[team]/reports/[id]/pdf/route.ts → /t/demo/reports/<report id>/pdf?… */
function urlOf(file: string, f: Fixtures): string {
  const segments = relative("app", file).split("/").slice(0, -1);
  const out = segments.map((s, i) => {
    if (!s.startsWith("[")) return s;
    const name = s.slice(1, -1);
    const parent = segments[i - 1];
    if (name === "team") return f.team;
    if (name === "modelId") return f.modelId;
    if (name === "datasetId") return f.datasetId;
    if (name === "number") return String(file.includes("/suspects") ? f.integrityNumber : f.number);
    if (name === "fileId") return f.fileId;
    if (name === "envId") return f.envId;
    if (name === "framework") return "nist-ai-rmf";
    if (name === "id" && parent === "schedules") return f.scheduleId;
    if (name === "id" && parent === "reports") return f.reportId;
    throw new Error(`${file}: no fixture for the parameter ${s} (add one to e2e/isolation.spec.ts and e2e/scripts/isolation-fixtures.ts)`);
  });
  let url = `/${out.join("/")}`;
  if (url.endsWith(`/models/${f.modelId}/file`)) url += `?version=${f.modelFile.version}&path=${encodeURIComponent(f.modelFile.path)}`;
  if (url.endsWith(`/datasets/${f.datasetId}/file`)) url += `?version=${f.datasetFile.version}&path=${encodeURIComponent(f.datasetFile.path)}`;
  if (url.endsWith("/audit/export")) url += "?format=jsonl";
  if (url.endsWith(`/models/${f.modelId}/explore/example`)) url += `?version=${f.modelFile.version}&dataset=${f.datasetFile.version}&index=0`;
  return url;
}

const pages = walk(ROOT, "page.tsx").sort();
const routes = walk(ROOT, "route.ts").sort();
const actionFiles = walk(ROOT, "actions.ts").sort();

/** Exported server actions of a file with their parameter names (from the source). */
function exportedActions(file: string): { name: string; params: string[] }[] {
  const src = readFileSync(file, "utf8");
  const written = [...src.matchAll(/export async function (\w+)\(([^)]*)\)/g)].map((m) => ({ name: m[1]!, params: m[2]!.split(",").map((p) => p.trim().split(":")[0]!.trim()).filter(Boolean) }));
  // Actions made by app/_lib/action.ts: formAction's take (team, _prev, form), recordFormAction's (team, id, _prev, form).
  const made = [...src.matchAll(/export const (\w+) = (formAction|recordFormAction)\(/g)].map((m) => ({ name: m[1]!, params: m[2] === "formAction" ? ["team", "_prev", "form"] : ["team", "id", "_prev", "form"] }));
  return [...written, ...made];
}

/** Calls a server action the way React does (Flight reply: field "0" holds the arguments, "$K1" the form). */
async function callAction(request: APIRequestContext, baseURL: string, pageUrl: string, id: string, args: unknown[]): Promise<string> {
  const res = await request.post(pageUrl, { headers: { "Next-Action": id, Origin: baseURL, Accept: "text/x-component" }, multipart: { "0": JSON.stringify(args) } });
  expect(res.status(), `${pageUrl} action ${id}`).toBeLessThan(500);
  return res.text();
}

test("another team's member gets 404 on every page, route and server action; a demo VIEWER reads but changes nothing", async ({ browser, baseURL }) => {
  test.setTimeout(600_000);
  createUserWithCli({ email: VIEWER.email, team: "demo", role: "VIEWER", password: VIEWER.password });
  const f = fixtures();
  createUserWithCli({ email: MALLORY, team: "other-team", role: "ADMIN", password: "mallory-password-2026" });

  const outsiderCtx = await browser.newContext();
  const outsider = await outsiderCtx.newPage();
  await signIn(outsider, MALLORY, "mallory-password-2026");
  const viewerCtx = await browser.newContext();
  const viewer = await viewerCtx.newPage();
  await signIn(viewer, VIEWER.email, VIEWER.password);

  // Pages.
  expect(pages.length).toBeGreaterThan(20);
  for (const file of pages) {
    const url = urlOf(file, f);
    expect((await outsiderCtx.request.get(url)).status(), `outsider ${url}`).toBe(404);
    expect((await viewerCtx.request.get(url)).status(), `viewer ${url}`).toBe(200);
  }

  // Route handlers: downloads are readable by the viewer; uploads refuse both.
  for (const file of routes) {
    const url = urlOf(file, f);
    const src = readFileSync(file, "utf8");
    if (/export (async function|const) GET/.test(src)) {
      expect((await outsiderCtx.request.get(url)).status(), `outsider GET ${url}`).toBe(404);
      // The report PDF exists once the worker has rendered the fixture report.
      await expect(async () => expect((await viewerCtx.request.get(url)).status(), `viewer GET ${url}`).toBe(200)).toPass({ timeout: 180_000, intervals: [2_000] });
    }
    if (/export (async function|const) POST/.test(src)) {
      const form = { multipart: { name: "x" }, headers: { Origin: baseURL! } };
      expect((await outsiderCtx.request.post(url, form)).status(), `outsider POST ${url}`).toBe(404);
      expect((await viewerCtx.request.post(url, form)).status(), `viewer POST ${url}`).toBe(403);
    }
  }

  // Server actions: every exported action of every actions.ts is in the build's manifest, and each
  // refuses the outsider ("not found") and, unless it only reads, the viewer.
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as { node: Record<string, { workers: Record<string, unknown>; filename: string; exportedName: string }> };
  const built = Object.entries(manifest.node).filter(([, a]) => a.filename.startsWith(ROOT));
  const declared = actionFiles.flatMap((file) => exportedActions(file).map((a) => ({ ...a, file })));
  expect(declared.map((a) => `${a.file}#${a.name}`).sort()).toEqual(built.map(([, a]) => `${a.filename}#${a.exportedName}`).sort());
  const READ_ONLY = new Set(["verifyAction"]);
  // Self-service: any member may end their own sessions. Run last: it signs the viewer out.
  const SELF_SERVICE = new Set(["signOutEverywhereAction"]);
  declared.sort((x, y) => Number(SELF_SERVICE.has(x.name)) - Number(SELF_SERVICE.has(y.name)));
  for (const a of declared) {
    const [id, entry] = built.find(([, b]) => b.filename === a.file && b.exportedName === a.name)!;
    const page = Object.keys(entry.workers).map((w) => `${w.replace(/^app/, "").replace(/\/page$/, "")}/page.tsx`).map((p) => join("app", p)).find((p) => existsSync(p))!;
    const pageUrl = urlOf(page, f);
    const args = a.params.map((p) => (p === "team" ? f.team : p.startsWith("_prev") ? null : p === "form" || p === "formData" ? "$K1" : p === "path" ? "models" : p === "modelId" ? f.modelId : p === "datasetId" ? f.datasetId : p === "scheduleId" ? f.scheduleId : "fixture"));
    expect(await callAction(outsiderCtx.request, baseURL!, pageUrl, id, args), `outsider ${a.name}`).toMatch(/This team was not found/);
    const answer = await callAction(viewerCtx.request, baseURL!, pageUrl, id, args);
    if (READ_ONLY.has(a.name) || SELF_SERVICE.has(a.name)) expect(answer, `viewer ${a.name}`).not.toMatch(/does not allow|was not found/);
    else expect(answer, `viewer ${a.name}`).toMatch(/Your role in this team does not allow this action/);
  }

  // Nothing above changed the demo team: the only audit event either of them has there is the
  // viewer ending their own sessions.
  expect(f.auditEvents).toEqual({});
  expect(fixtures().auditEvents).toEqual({ "user.sessions.revoke": 1 });
  expect((await viewerCtx.request.get("/t/demo/dashboard")).url()).toContain("/sign-in");
  await outsiderCtx.close();
  await viewerCtx.close();
});
