import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/auth/tokens";
import { stopQueue } from "@/lib/jobs/queue";
import { OPS, type Operation } from "@/lib/api/operations";
import { useTempStore } from "@/lib/registry/test-helpers";
import { registerDemoModel } from "@/lib/operations/test-helpers";
import { approveReport, createReport, getReport } from "@/lib/reports";
import { runReportJob } from "@/lib/reports/generate";
import { oscalSchemaProblems } from "@/lib/compliance/oscal/validate";
import { getPolicy, savePolicy, setCrosswalkOverride } from "@/lib/compliance/policies";
import { importTeamCatalog } from "@/lib/compliance/team-catalogs";
import { db } from "@/lib/db/client";
import { makeTeam } from "@/test/fixtures";
import { startApiServer } from "@/test/api-server";
import { callOperation, contractLog, ownedPairs } from "@/test/contract-pairs";

// The OSCAL operations of REST API v1 through their route handlers (documented statuses, problem+json for
// errors), team-scoped tokens, and the CLI's `bulwark oscal` over HTTP.

const log = contractLog();

const ROOT = resolve(import.meta.dirname, "../../..");
useTempStore();
const tmp = mkdtempSync(join(tmpdir(), "bulwark-oscal-"));
const tokens: Record<string, string> = {};
let reportId = "";
let queuedReportId = "";
let snapshotSha256 = "";
let server: Awaited<ReturnType<typeof startApiServer>>;
let team: Awaited<ReturnType<typeof makeTeam>>;

async function call(o: Operation, token: string, c: { params?: Record<string, string>; query?: Record<string, string>; form?: FormData; body?: unknown } = {}) {
  const res = await callOperation(o, { token, ...c });
  await log.check(o, res);
  expect(log.violations, `${o.id} ${res.status}`).toEqual([]);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function cli(args: string[], token = tokens.VIEWER!): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", BULWARK_URL: server.url, BULWARK_TOKEN: token, BULWARK_CONFIG: join(tmp, "none.json") } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => done({ code, out, err }));
  });
}

beforeAll(async () => {
  const t = team = await makeTeam("oscal-api");
  const other = await makeTeam("oscal-api-other");
  tokens.VIEWER = (await createApiToken(t.ctx("ADMIN"), { name: "viewer", role: "VIEWER", expiresInDays: 1 })).secret;
  tokens.OTHER = (await createApiToken(other.ctx("ADMIN"), { name: "other", role: "ADMIN", expiresInDays: 1 })).secret;
  tokens.REVIEWER = (await createApiToken(t.ctx("ADMIN"), { name: "reviewer", role: "REVIEWER", expiresInDays: 1 })).secret;
  tokens.ADMIN = (await createApiToken(t.ctx("ADMIN"), { name: "admin", role: "ADMIN", expiresInDays: 1 })).secret;
  await registerDemoModel(t.ctx("ENGINEER"), "v1", undefined, t.users.ENGINEER.email);
  const created = await createReport(t.ctx("ENGINEER"), { title: "OSCAL over the API" });
  expect(await runReportJob({ teamId: t.team.id, reportId: created.id })).toBe("generated");
  const view = await getReport(t.ctx("VIEWER"), created.id);
  await approveReport(t.ctx("REVIEWER"), { reportId: view.id, snapshotSha256: view.snapshotSha256! });
  reportId = view.id;
  queuedReportId = (await createReport(t.ctx("ENGINEER"), { title: "Not generated yet" })).id;
  snapshotSha256 = view.snapshotSha256!;
  server = await startApiServer();
}, 600_000);

afterAll(async () => {
  await server?.close();
  await stopQueue();
  rmSync(tmp, { recursive: true, force: true });
});

describe("REST API v1 OSCAL", () => {
  it("a report's assessment results: valid OSCAL with the snapshot hash in X-Snapshot-SHA256 and the metadata; another team's token gets 404", async () => {
    const r = await call(OPS.getReportOscal, tokens.VIEWER!, { params: { id: reportId } });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-snapshot-sha256")).toBe(snapshotSha256);
    expect(r.headers.get("content-disposition")).toMatch(/attachment; filename=".*oscal-assessment-results\.json"/);
    const doc = JSON.parse(r.text);
    expect(oscalSchemaProblems("assessment-results", doc)).toEqual([]);
    expect(doc["assessment-results"].metadata.props).toContainEqual(expect.objectContaining({ name: "snapshot-sha256", value: snapshotSha256 }));
    expect((await call(OPS.getReportOscal, tokens.OTHER!, { params: { id: reportId } })).status).toBe(404);
  });
  it("posture results, a model version's component definition and a catalog; unknown names answer 404 or 400", async () => {
    expect((await call(OPS.getOscalAssessmentResults, tokens.VIEWER!)).status).toBe(200);
    const one = await call(OPS.getOscalAssessmentResults, tokens.VIEWER!, { query: { model: "digits-cnn", frameworks: "nist-ai-rmf,eu-ai-act" } });
    expect(JSON.parse(one.text)["assessment-results"].results.map((x: { props: { name: string; value: string }[] }) => x.props.find((p) => p.name === "framework")!.value)).toEqual(["nist-ai-rmf", "eu-ai-act"]);
    expect((await call(OPS.getOscalAssessmentResults, tokens.VIEWER!, { query: { model: "nope" } })).status).toBe(404);
    expect((await call(OPS.getOscalAssessmentResults, tokens.OTHER!, { query: { model: "digits-cnn" } })).status).toBe(404);
    const bad = await call(OPS.getOscalAssessmentResults, tokens.VIEWER!, { query: { frameworks: "nist-ai-rmf,soc2" } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).detail).toMatch(/unknown framework "soc2"/);
    const cd = await call(OPS.getModelVersionOscal, tokens.VIEWER!, { params: { name: "digits-cnn", version: "1" } });
    expect(cd.status).toBe(200);
    expect(oscalSchemaProblems("component-definition", JSON.parse(cd.text))).toEqual([]);
    expect((await call(OPS.getModelVersionOscal, tokens.OTHER!, { params: { name: "digits-cnn", version: "1" } })).status).toBe(404);
    const cat = await call(OPS.getOscalCatalog, tokens.VIEWER!, { params: { framework: "mitre-atlas" } });
    expect(cat.status).toBe(200);
    expect(oscalSchemaProblems("catalog", JSON.parse(cat.text))).toEqual([]);
    expect((await call(OPS.getOscalCatalog, tokens.VIEWER!, { params: { framework: "soc2" } })).status).toBe(404);
  });
  it("the CLI saves a report's results (the same bytes as the API) and exits 3 naming an unknown framework", async () => {
    const file = join(tmp, "r.json");
    const saved = await cli(["oscal", "report", reportId, "--output", file]);
    expect(saved.err).toBe("");
    expect(saved.code).toBe(0);
    expect(saved.out).toContain(`snapshot sha256 ${snapshotSha256}`);
    expect(readFileSync(file, "utf8")).toBe((await call(OPS.getReportOscal, tokens.VIEWER!, { params: { id: reportId } })).text);
    const bad = await cli(["oscal", "catalog", "soc2"]);
    expect(bad.code).toBe(3);
    expect(bad.err).toMatch(/The framework "soc2" was not found/);
    expect((await cli(["oscal", "component", "--model", "digits-cnn"])).code).toBe(2);
  });

  it("a team's own catalog: uploaded (201), refused with a 400 naming the problem or 413, listed, exported, and only for its team", async () => {
    const doc = { catalog: { uuid: "5d6e7f80-1a2b-4c3d-8e4f-a0b1c2d3e4f5", metadata: { title: "API controls", "last-modified": "2026-11-01T00:00:00Z", version: "3", "oscal-version": "1.0.6" }, controls: [{ id: "api-1", title: "Gate releases" }] } };
    const form = (text: string, extra: Record<string, string> = {}) => {
      const f = new FormData();
      f.set("file", new Blob([text], { type: "application/json" }), "catalog.json");
      for (const [k, v] of Object.entries(extra)) f.set(k, v);
      return f;
    };
    const up = await call(OPS.importTeamCatalog, tokens.REVIEWER!, { form: form(JSON.stringify(doc)) });
    expect(up.status).toBe(201);
    expect(JSON.parse(up.text)).toMatchObject({ framework: "custom-api-controls", version: 1, controls: 1, current: true });
    const bad = await call(OPS.importTeamCatalog, tokens.REVIEWER!, { form: form("{ nope") });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).detail).toMatch(/not valid JSON/);
    const dup = await call(OPS.importTeamCatalog, tokens.REVIEWER!, { form: form(JSON.stringify({ catalog: { ...doc.catalog, controls: [...doc.catalog.controls, ...doc.catalog.controls] } })) });
    expect(JSON.parse(dup.text).detail).toMatch(/"api-1" appears more than once/);
    expect((await call(OPS.importTeamCatalog, tokens.REVIEWER!, { form: form(" ".repeat(5 * 1024 * 1024 + 1)) })).status).toBe(413);
    const list = await call(OPS.listTeamCatalogs, tokens.VIEWER!);
    expect(JSON.parse(list.text).catalogs.map((c: { framework: string; version: number }) => `${c.framework}@${c.version}`)).toEqual(["custom-api-controls@1"]);
    expect(JSON.parse((await call(OPS.listTeamCatalogs, tokens.OTHER!)).text).catalogs).toEqual([]);
    const cat = await call(OPS.getOscalCatalog, tokens.VIEWER!, { params: { framework: "custom-api-controls" } });
    expect(oscalSchemaProblems("catalog", JSON.parse(cat.text))).toEqual([]);
    expect((await call(OPS.getOscalCatalog, tokens.OTHER!, { params: { framework: "custom-api-controls" } })).status).toBe(404);
    const results = await call(OPS.getOscalAssessmentResults, tokens.VIEWER!, { query: { frameworks: "custom-api-controls" } });
    expect(results.status).toBe(200);
    expect((await call(OPS.getOscalAssessmentResults, tokens.OTHER!, { query: { frameworks: "custom-api-controls" } })).status).toBe(400);
  });

  it("a catalog's mapping as a file: downloaded, refused naming the entry (400), uploaded back; rollback (201) and delete (409, then 200), admins only", async () => {
    const fw = { framework: "custom-api-controls" };
    const empty = await call(OPS.getCatalogMapping, tokens.VIEWER!, { params: fw });
    expect(JSON.parse(empty.text)).toEqual({ format: "bulwark-catalog-mapping/1", framework: "custom-api-controls", catalogVersion: 1, title: "API controls", entries: [] });
    const file = { ...JSON.parse(empty.text), entries: [{ control: "api-1", evidence: "E10", relation: "direct", scope: null, reason: "The deployment gate is this control." }] };
    const bad = await call(OPS.uploadCatalogMapping, tokens.REVIEWER!, { params: fw, body: { ...file, entries: [...file.entries, { control: "api-7", evidence: "E1", relation: "direct" }] } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).detail).toMatch(/entries\[1\] \(api-7\): not a control of custom-api-controls version 1/);
    expect(JSON.parse((await call(OPS.uploadCatalogMapping, tokens.REVIEWER!, { params: fw, body: { ...file, entries: [{ ...file.entries[0], relation: "strong" }] } })).text).detail).toMatch(/entries\.0\.relation: relation "strong" is not direct or supporting/);
    const up = await call(OPS.uploadCatalogMapping, tokens.REVIEWER!, { params: fw, body: file });
    expect(JSON.parse(up.text)).toEqual({ framework: "custom-api-controls", catalogVersion: 1, entries: 1, added: 1, changed: 0, removed: 0 });
    expect(JSON.parse((await call(OPS.getCatalogMapping, tokens.VIEWER!, { params: fw })).text)).toEqual(file);
    expect((await call(OPS.getCatalogMapping, tokens.OTHER!, { params: fw })).status).toBe(404);

    // The CLI uploads a second version and the mapping file, and exports the catalog again.
    const v2 = join(tmp, "catalog-v2.json");
    const doc = { catalog: { uuid: "5d6e7f80-1a2b-4c3d-8e4f-a0b1c2d3e4f5", metadata: { title: "API controls", "last-modified": "2026-11-02T00:00:00Z", version: "4", "oscal-version": "1.0.6" }, controls: [{ id: "api-1", title: "Gate releases" }, { id: "api-2", title: "Monitor drift" }] } };
    writeFileSync(v2, JSON.stringify(doc));
    const uploaded = await cli(["catalog", "upload", v2, "--framework", "custom-api-controls"], tokens.REVIEWER);
    expect(uploaded.err).toBe("");
    expect(uploaded.out).toMatch(/custom-api-controls version 2 \(2 controls, catalog version 4\), sha256 [0-9a-f]{64}/);
    const mapping = join(tmp, "mapping.json");
    expect((await cli(["catalog", "mapping", "download", "custom-api-controls", "--output", mapping])).code).toBe(0);
    writeFileSync(mapping, JSON.stringify({ ...JSON.parse(readFileSync(mapping, "utf8")), entries: [...file.entries, { control: "api-2", evidence: "E8", relation: "direct" }] }));
    const mapped = await cli(["catalog", "mapping", "upload", mapping], tokens.REVIEWER);
    expect(mapped.out).toContain("custom-api-controls version 2: 2 entries (1 added, 0 changed, 0 removed)");
    const badMap = join(tmp, "bad-mapping.json");
    writeFileSync(badMap, JSON.stringify({ ...JSON.parse(readFileSync(mapping, "utf8")), entries: [{ control: "api-2", evidence: "E77", relation: "direct" }] }));
    const refused = await cli(["catalog", "mapping", "upload", badMap], tokens.REVIEWER);
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/entries\.0\.evidence: unknown evidence kind "E77"/);

    // Rollback: admins only; version 1's content comes back as version 3.
    expect((await call(OPS.rollbackTeamCatalog, tokens.REVIEWER!, { params: fw, body: { version: 1, reason: "v2 was a mistake" } })).status).toBe(403);
    const back = await call(OPS.rollbackTeamCatalog, tokens.ADMIN!, { params: fw, body: { version: 1, reason: "v2 was a mistake" } });
    expect(back.status).toBe(201);
    expect(JSON.parse(back.text)).toMatchObject({ framework: "custom-api-controls", version: 3, restoredFrom: 1, controls: 1, current: true });
    expect((await call(OPS.rollbackTeamCatalog, tokens.OTHER!, { params: fw, body: { version: 1, reason: "v2 was a mistake" } })).status).toBe(404);

    // Delete: refused while the policy requires an attestation of its control, then done.
    const policy = (await getPolicy(team.ctx("VIEWER"))).policy;
    policy.tiers.limited.attestationRequired = ["custom-api-controls:api-1"];
    await savePolicy(team.ctx("ADMIN"), policy);
    const blocked = await call(OPS.deleteTeamCatalog, tokens.ADMIN!, { params: fw, query: { reason: "We retire it." } });
    expect(blocked.status).toBe(409);
    expect(JSON.parse(blocked.text).detail).toMatch(/requires attestations of its controls for limited-risk models/);
    policy.tiers.limited.attestationRequired = [];
    await savePolicy(team.ctx("ADMIN"), policy);
    expect((await call(OPS.deleteTeamCatalog, tokens.OTHER!, { params: fw, query: { reason: "We retire it." } })).status).toBe(404);
    const gone = await call(OPS.deleteTeamCatalog, tokens.ADMIN!, { params: fw, query: { reason: "We retire it." } });
    expect(JSON.parse(gone.text)).toEqual({ framework: "custom-api-controls", versions: 3, mappings: 2 });
    expect(JSON.parse((await call(OPS.listTeamCatalogs, tokens.VIEWER!)).text).catalogs).toEqual([]);
  });

  it("the release gate checks a team catalog's controls when it is named, like a bundled framework's; an unknown one is a 400", async () => {
    const json = JSON.stringify({ catalog: { uuid: "6e7f8091-2a3b-4c4d-9e5f-b0c1d2e3f405", metadata: { title: "Gate controls", "last-modified": "2026-11-01T00:00:00Z", version: "1", "oscal-version": "1.0.6" }, controls: [{ id: "g-1", title: "Register models" }, { id: "g-2", title: "Measure robustness" }] } });
    await importTeamCatalog(team.ctx("REVIEWER"), { json });
    await setCrosswalkOverride(team.ctx("REVIEWER"), { evidence: "E5", control: "custom-gate-controls:g-1", action: "set", mark: "direct", reason: "The registry entry is the register." });
    await setCrosswalkOverride(team.ctx("REVIEWER"), { evidence: "E1", control: "custom-gate-controls:g-2", action: "set", mark: "direct", reason: "Robust accuracy against the policy." });
    const plain = JSON.parse((await call(OPS.getGate, tokens.VIEWER!, { query: { model: "digits-cnn@1" } })).text);
    expect(plain.checks.some((c: { id: string }) => c.id.startsWith("framework:"))).toBe(false);
    const named = await call(OPS.getGate, tokens.VIEWER!, { query: { model: "digits-cnn@1", frameworks: "custom-gate-controls,nist-ai-rmf" } });
    expect(named.status).toBe(200);
    const g = JSON.parse(named.text);
    // Without evaluations the controls are partial or not assessed, none failing: the checks pass and say so.
    expect(g.checks.filter((c: { id: string }) => c.id.startsWith("framework:"))).toEqual([
      { id: "framework:custom-gate-controls", label: "Controls of Gate controls (catalog v1)", outcome: "pass", detail: "None of 2 controls failing or stale (1 partial, 1 not assessed)." },
      { id: "framework:nist-ai-rmf", label: "Controls of NIST AI RMF", outcome: "pass", detail: expect.stringMatching(/^None of \d+ controls failing or stale/) },
    ]);
    expect(g.evidenceHash).not.toBe(plain.evidenceHash);
    // Once version 2 is current, version 1's statuses are not its own: the named framework's check fails.
    const model = (await db.model.findFirstOrThrow({ where: { teamId: team.team.id, name: "digits-cnn" } })).id;
    await registerDemoModel(team.ctx("ENGINEER"), "v2", model, team.users.ENGINEER.email);
    const old = JSON.parse((await call(OPS.getGate, tokens.VIEWER!, { query: { model: "digits-cnn@1", frameworks: "custom-gate-controls" } })).text);
    expect(old.pass).toBe(false);
    expect(old.checks.find((c: { id: string }) => c.id === "framework:custom-gate-controls")).toMatchObject({ outcome: "fail", detail: expect.stringMatching(/current version only/) });
    const bad = await call(OPS.getGate, tokens.VIEWER!, { query: { model: "digits-cnn@1", frameworks: "custom-nope" } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).detail).toMatch(/Unknown framework "custom-nope"/);
    expect((await call(OPS.getGate, tokens.OTHER!, { query: { model: "digits-cnn@1", frameworks: "custom-gate-controls" } })).status).toBe(404);
  });

  it("a report without a snapshot yet (queued): 409", async () => {
    expect((await call(OPS.getReportOscal, tokens.VIEWER!, { params: { id: queuedReportId } })).status).toBe(409);
  });

  it("produced every success and operation-specific answer of the operations it owns (test/contract-pairs.ts)", () => {
    expect(log.violations).toEqual([]);
    expect(log.missing(ownedPairs("oscal"), "oscal.test.ts")).toEqual([]);
  });
});
