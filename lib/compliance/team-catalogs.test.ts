import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { createReport, getReportSnapshot } from "../reports";
import { runReportJob } from "../reports/generate";
import { createAttestation } from "./attestations";
import { exportFrameworkCatalog, exportPostureResults } from "./oscal";
import { oscalSchemaProblems } from "./oscal/validate";
import { copyControlMapping, savePolicy, setCrosswalkOverride, getPolicy } from "./policies";
import { assessTeam, getPosture } from "./posture";
import { catalogForTeam, deleteTeamCatalog, importTeamCatalog, listTeamCatalogs, rollbackTeamCatalog } from "./team-catalogs";
import { exportCatalogMapping, importCatalogMapping } from "./catalog-mapping";

// A team's own OSCAL catalog on a real database: refused uploads store nothing, a good one is versioned and
// audited, and once evidence is mapped it is a framework like the bundled ones (posture, attestations, policy,
// reports, OSCAL) for its team only.

let team: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;

const control = (id: string, title = `Control ${id}`) => ({ id, title, props: [{ name: "label", value: id.toUpperCase() }], parts: [{ id: `${id}_smt`, name: "statement", prose: `The team shall ${title.toLowerCase()}.` }] });
const catalog = (controls: unknown[], version = "2026.1", title = "ACME AI controls") => JSON.stringify({
  catalog: {
    uuid: "7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f",
    metadata: { title, "last-modified": "2026-11-01T00:00:00Z", version, "oscal-version": "1.0.6" },
    groups: [{ id: "rob", title: "Robustness", controls }],
  },
});
const GOOD = catalog([control("rob-1", "Test robustness before release"), control("rob-2", "Keep a model register")]);

async function refusal(json: string): Promise<string> {
  const err = await importTeamCatalog(team.ctx("REVIEWER"), { json }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).status).toBe(400);
  return (err as ValidationError).message;
}

beforeAll(async () => {
  team = await makeTeam("catalogs");
  other = await makeTeam("catalogs-other");
}, 600_000);

afterAll(async () => {
  await stopQueue();
});

describe("uploading a team catalog", () => {
  it("refuses bad files with a 400 naming the problem and stores nothing (no row, no audit event)", async () => {
    expect(await refusal("{ not json")).toMatch(/not valid JSON/);
    expect(await refusal(JSON.stringify({ catalog: { uuid: "nope", metadata: {} } }))).toMatch(/OSCAL 1\.0\.6 catalog schema/);
    expect(await refusal(catalog(Array.from({ length: 2001 }, (_, i) => ({ id: `c-${i}`, title: `C ${i}` }))))).toMatch(/more than 2000 controls/);
    expect(await refusal(catalog([control("rob-1"), control("rob-1")]))).toMatch(/"rob-1" appears more than once/);
    expect(await refusal(JSON.stringify({ catalog: { uuid: "7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f", metadata: { title: "Empty", "last-modified": "2026-11-01T00:00:00Z", version: "1", "oscal-version": "1.0.6" } } }))).toMatch(/no controls/);
    expect(await db.teamCatalog.count({ where: { teamId: team.team.id } })).toBe(0);
    expect(await db.auditEvent.count({ where: { teamId: team.team.id, action: "catalog.import" } })).toBe(0);
    // Engineers and viewers cannot upload at all.
    await expect(importTeamCatalog(team.ctx("ENGINEER"), { json: GOOD })).rejects.toThrow();
  });

  it("stores a good file as version 1, refuses the same file again, stores a changed one as version 2; each audited", async () => {
    const v1 = await importTeamCatalog(team.ctx("REVIEWER"), { json: GOOD });
    expect(v1).toMatchObject({ frameworkId: "custom-acme-ai-controls", version: 1, controlCount: 2, shortName: "ACME AI controls" });
    expect(await refusal(GOOD)).toMatch(/already version 1/);
    const v2 = await importTeamCatalog(team.ctx("ADMIN"), { json: catalog([control("rob-1", "Test robustness before release"), control("rob-2", "Keep a model register"), control("rob-3", "Review attacks yearly")], "2026.2"), framework: "custom-acme-ai-controls", shortName: "ACME" });
    expect(v2).toMatchObject({ version: 2, controlCount: 3, shortName: "ACME" });
    expect((await listTeamCatalogs(team.ctx("VIEWER"))).map((c) => [c.version, c.current])).toEqual([[2, true], [1, false]]);
    expect(await db.auditEvent.count({ where: { teamId: team.team.id, action: "catalog.import" } })).toBe(2);
    const cat = await catalogForTeam(team.ctx("VIEWER"));
    expect(cat.byKey.get("custom-acme-ai-controls:ROB-3")?.title).toBe("Review attacks yearly");
    expect(cat.version).toMatch(/\+custom-acme-ai-controls@v2$/);
  });
});

describe("a team catalog as a framework", () => {
  const key = "custom-acme-ai-controls:ROB-1";
  it("mapped evidence gives its controls statuses in the posture; a control can take a bundled control's evidence", async () => {
    await setCrosswalkOverride(team.ctx("REVIEWER"), { evidence: "E4", control: key, action: "set", mark: "direct", reason: "Our policy is the team robustness policy." });
    await copyControlMapping(team.ctx("REVIEWER"), { control: "custom-acme-ai-controls:ROB-2", from: "nist-ai-rmf:MEASURE 2.7", reason: "Same duty as MEASURE 2.7." });
    const a = await assessTeam(team.ctx("VIEWER"));
    const rob1 = a.statuses.find((s) => s.control === key)!;
    expect(rob1.framework).toBe("custom-acme-ai-controls");
    expect(rob1.findings.map((f) => [f.evidence, f.mark])).toEqual([["E4", "direct"]]);
    const measure = a.crosswalk.filter((e) => e.control === "nist-ai-rmf:MEASURE 2.7").map((e) => e.evidence).sort();
    expect(a.crosswalk.filter((e) => e.control === "custom-acme-ai-controls:ROB-2").map((e) => e.evidence).sort()).toEqual(measure);
    expect(rob1.catalogVersion).toMatch(/custom-acme-ai-controls@v2/);
    const p = await getPosture(team.ctx("VIEWER"), { record: false });
    expect(p.frameworks.find((f) => f.framework === "custom-acme-ai-controls")).toMatchObject({ name: "ACME", total: 3 });
  });

  it("attestations and the policy accept its controls", async () => {
    await createAttestation(team.ctx("REVIEWER"), { control: "custom-acme-ai-controls:ROB-3", statement: "Yearly attack review held on 2026-10-01 with minutes.", expiresOn: new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10) });
    const policy = (await getPolicy(team.ctx("VIEWER"))).policy;
    policy.tiers.high.attestationRequired = [...policy.tiers.high.attestationRequired, key];
    await savePolicy(team.ctx("REVIEWER"), policy);
    const a = await assessTeam(team.ctx("VIEWER"));
    expect(a.statuses.find((s) => s.control === "custom-acme-ai-controls:ROB-3")!.attestation.state).toBe("valid");
    expect(a.statuses.find((s) => s.control === key)!.attestation.needed).toBe(true);
  });

  it("reports and OSCAL assessment results include it and name its version; its OSCAL catalog exports", async () => {
    const r = await createReport(team.ctx("REVIEWER"), { title: "ACME quarter", frameworks: ["custom-acme-ai-controls"] });
    expect(await runReportJob({ teamId: team.team.id, reportId: r.id })).toBe("generated");
    const { snapshot } = await getReportSnapshot(team.ctx("VIEWER"), r.id);
    expect(snapshot.posture.map((p) => [p.framework, p.version])).toEqual([["custom-acme-ai-controls", "2026.2, catalog v2"]]);
    expect(snapshot.controls.map((c) => c.controlId)).toEqual(["ROB-1", "ROB-2", "ROB-3"]);
    expect(snapshot.versions.catalog).toMatch(/custom-acme-ai-controls@v2/);
    const doc = JSON.parse((await exportPostureResults(team.ctx("VIEWER"), { frameworks: ["custom-acme-ai-controls"] })).json);
    expect(oscalSchemaProblems("assessment-results", doc)).toEqual([]);
    expect(JSON.stringify(doc)).toContain("ROB-1");
    // The catalog's back-matter resource and the result name both versions without nesting parentheses.
    expect(doc["assessment-results"]["back-matter"].resources.map((x: { title: string }) => x.title)).toContain("ACME catalog (2026.2, catalog v2)");
    expect(doc["assessment-results"].results.map((x: { title: string }) => x.title)).toEqual(["ACME (2026.2, catalog v2)"]);
    const cat = JSON.parse((await exportFrameworkCatalog(team.ctx("VIEWER"), "custom-acme-ai-controls")).json);
    expect(oscalSchemaProblems("catalog", cat)).toEqual([]);
    expect(cat.catalog.metadata.title).toBe("ACME AI controls");
  }, 120_000);

  it("another team never sees or uses it", async () => {
    const o = other.ctx("ADMIN");
    expect((await catalogForTeam(o)).byKey.has(key)).toBe(false);
    expect(await listTeamCatalogs(o)).toEqual([]);
    await expect(setCrosswalkOverride(o, { evidence: "E4", control: key, action: "set", mark: "direct", reason: "borrowing another team's catalog" })).rejects.toThrow(/Unknown control/);
    await expect(createAttestation(o, { control: key, statement: "Trying to attest another team's control here.", expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) })).rejects.toBeInstanceOf(NotFoundError);
    await expect(exportFrameworkCatalog(o, "custom-acme-ai-controls")).rejects.toBeInstanceOf(NotFoundError);
    await expect(exportPostureResults(o, { frameworks: ["custom-acme-ai-controls"] })).rejects.toThrow(/Unknown framework/);
    await expect(createReport(o, { frameworks: ["custom-acme-ai-controls"] })).rejects.toThrow(/no framework/);
    expect((await assessTeam(o)).statuses.some((s) => s.framework === "custom-acme-ai-controls")).toBe(false);
    // The other team may upload a catalog of the same title: it is its own, under the same id, version 1.
    expect((await importTeamCatalog(o, { json: GOOD })).version).toBe(1);
    expect((await listTeamCatalogs(team.ctx("VIEWER"))).length).toBe(2);
  });
});

describe("the mapping as a file", () => {
  const FW = "custom-acme-ai-controls";
  const refused = async (file: unknown) => {
    const err = await importCatalogMapping(team.ctx("REVIEWER"), FW, JSON.stringify(file)).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).message;
  };

  it("refuses unknown controls, evidence kinds and relations naming the entry, and stores nothing", async () => {
    const before = await exportCatalogMapping(team.ctx("VIEWER"), FW);
    expect(before).toMatchObject({ format: "bulwark-catalog-mapping/1", framework: FW, catalogVersion: 2 });
    expect(before.entries).toContainEqual({ control: "ROB-1", evidence: "E4", relation: "direct", scope: null, reason: "Our policy is the team robustness policy." });
    const events = await db.auditEvent.count({ where: { teamId: team.team.id } });
    const entry = (e: object) => ({ ...before, entries: [{ control: "ROB-1", evidence: "E4", relation: "direct" }, e] });
    expect(await refused(entry({ control: "ROB-9", evidence: "E1", relation: "direct" }))).toMatch(/entries\[1\] \(ROB-9\): not a control of custom-acme-ai-controls version 2/);
    expect(await refused(entry({ control: "ROB-2", evidence: "E99", relation: "direct" }))).toMatch(/entries\[1\] \(ROB-2\): unknown evidence kind "E99"/);
    expect(await refused(entry({ control: "ROB-2", evidence: "E1", relation: "strong" }))).toMatch(/entries\[1\] \(ROB-2\): relation "strong" is not direct or supporting/);
    expect(await refused(entry({ control: "ROB-1", evidence: "E4", relation: "supporting" }))).toMatch(/entries\[1\] \(ROB-1\): E4 is mapped to it twice/);
    expect(await refused({ ...before, framework: "custom-other" })).toMatch(/maps custom-other/);
    await expect(importCatalogMapping(team.ctx("REVIEWER"), FW, "{ nope")).rejects.toThrow(/not valid JSON/);
    await expect(importCatalogMapping(team.ctx("ENGINEER"), FW, JSON.stringify(before))).rejects.toBeInstanceOf(ForbiddenError);
    expect(await exportCatalogMapping(team.ctx("VIEWER"), FW)).toEqual(before);
    expect(await db.auditEvent.count({ where: { teamId: team.team.id } })).toBe(events);
  });

  it("round trip: download then upload gives the same mapping; an edited file replaces it, audited", async () => {
    const before = await exportCatalogMapping(team.ctx("VIEWER"), FW);
    expect(await importCatalogMapping(team.ctx("REVIEWER"), FW, JSON.stringify(before))).toMatchObject({ added: 0, changed: 0, removed: 0 });
    expect(await exportCatalogMapping(team.ctx("VIEWER"), FW)).toEqual(before);
    // Edited elsewhere: ROB-2's rows dropped, ROB-3 gets E9 as supporting evidence.
    const edited = { ...before, entries: [...before.entries.filter((e) => e.control !== "ROB-2"), { control: "ROB-3", evidence: "E9", relation: "supporting" as const, scope: "yearly re-runs", reason: "Re-evaluation shows the yearly review." }] };
    const r = await importCatalogMapping(team.ctx("REVIEWER"), FW, JSON.stringify(edited));
    expect(r).toMatchObject({ added: 1, changed: 0, removed: before.entries.filter((e) => e.control === "ROB-2").length });
    const after = await exportCatalogMapping(team.ctx("VIEWER"), FW);
    expect(after.entries).toEqual([...edited.entries].sort((a, b) => a.control.localeCompare(b.control) || a.evidence.localeCompare(b.evidence, "en", { numeric: true })));
    expect((await db.auditEvent.findFirst({ where: { teamId: team.team.id, action: "crosswalk.import" }, orderBy: { seq: "desc" } }))!.details).toMatchObject({ framework: FW, added: 1, catalogVersion: 2 });
    // The original file restores the original mapping exactly.
    await importCatalogMapping(team.ctx("REVIEWER"), FW, JSON.stringify(before));
    expect(await exportCatalogMapping(team.ctx("VIEWER"), FW)).toEqual(before);
  });

  it("downloads a bundled framework's mapping as a template; an upload of it is refused", async () => {
    const nist = await exportCatalogMapping(team.ctx("VIEWER"), "nist-ai-rmf");
    expect(nist).toMatchObject({ format: "bulwark-catalog-mapping/1", framework: "nist-ai-rmf" });
    // MEASURE 2.7 (security and resilience) is where the robustness evaluations land directly.
    expect(nist.entries).toContainEqual(expect.objectContaining({ control: "MEASURE 2.7", relation: "direct" }));
    expect(await refused(nist)).toMatch(/one of the team's own catalogs/);
    await expect(exportCatalogMapping(team.ctx("VIEWER"), "no-such-framework")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("is its team's only", async () => {
    await expect(exportCatalogMapping(other.ctx("ADMIN"), "custom-nothing-here")).rejects.toBeInstanceOf(NotFoundError);
    expect((await exportCatalogMapping(other.ctx("ADMIN"), FW)).entries).toEqual([]);
  });
});

describe("rolling back and deleting a catalog (admins)", () => {
  const FW = "custom-acme-ai-controls";
  it("a rollback stores the earlier content as the next version, audited; the versions in between stay", async () => {
    await expect(rollbackTeamCatalog(team.ctx("REVIEWER"), { framework: FW, version: 1, reason: "Version 2 was premature." })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rollbackTeamCatalog(team.ctx("ADMIN"), { framework: FW, version: 9, reason: "Version 2 was premature." })).rejects.toThrow(/has no version 9/);
    await expect(rollbackTeamCatalog(team.ctx("ADMIN"), { framework: FW, version: 2, reason: "Version 2 was premature." })).rejects.toThrow(/is what custom-acme-ai-controls assesses now/);
    await expect(rollbackTeamCatalog(team.ctx("ADMIN"), { framework: FW, version: 1, reason: "no" })).rejects.toThrow(/at least 5 characters/);
    const v3 = await rollbackTeamCatalog(team.ctx("ADMIN"), { framework: FW, version: 1, reason: "Version 2 was premature." });
    expect(v3).toMatchObject({ version: 3, restoredFrom: 1, controlCount: 2, current: true });
    expect((await listTeamCatalogs(team.ctx("VIEWER"))).filter((c) => c.frameworkId === FW).map((c) => [c.version, c.restoredFrom])).toEqual([[3, 1], [2, null], [1, null]]);
    const cat = await catalogForTeam(team.ctx("VIEWER"));
    expect(cat.byKey.has(`${FW}:ROB-3`)).toBe(false);
    expect(cat.version).toMatch(/custom-acme-ai-controls@v3/);
    expect((await db.auditEvent.findFirst({ where: { teamId: team.team.id, action: "catalog.rollback" } }))!.details).toMatchObject({ framework: FW, version: 3, restoredFrom: 1, previous: 2, reason: "Version 2 was premature." });
    // The same content twice in a row is refused; another team cannot roll back what it does not have.
    await expect(rollbackTeamCatalog(team.ctx("ADMIN"), { framework: FW, version: 1, reason: "Again, just in case." })).rejects.toThrow(/has the same content/);
    await expect(rollbackTeamCatalog(other.ctx("ADMIN"), { framework: FW, version: 2, reason: "Borrowing another team's version." })).rejects.toThrow(/has no version 2/);
  });

  it("a delete is refused while the policy or a report depends on it, naming them; another catalog is deleted with its mapping", async () => {
    await expect(deleteTeamCatalog(team.ctx("ADMIN"), { framework: FW, reason: "We no longer use it." })).rejects.toThrow(/the team's policy \(version \d+\) requires attestations of its controls for high-risk models/);
    const policy = (await getPolicy(team.ctx("VIEWER"))).policy;
    policy.tiers.high.attestationRequired = policy.tiers.high.attestationRequired.filter((k) => !k.startsWith(`${FW}:`));
    await savePolicy(team.ctx("REVIEWER"), policy);
    const err = await deleteTeamCatalog(team.ctx("ADMIN"), { framework: FW, reason: "We no longer use it." }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/report R-\d+ \(draft\) covers it/);

    const beta = await importTeamCatalog(team.ctx("REVIEWER"), { json: catalog([control("b-1", "Log decisions")], "1", "Beta controls") });
    await setCrosswalkOverride(team.ctx("REVIEWER"), { evidence: "E11", control: `${beta.frameworkId}:B-1`, action: "set", mark: "direct", reason: "The audit log is the decision log." });
    await expect(deleteTeamCatalog(team.ctx("REVIEWER"), { framework: beta.frameworkId, reason: "A trial catalog." })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteTeamCatalog(other.ctx("ADMIN"), { framework: beta.frameworkId, reason: "A trial catalog." })).rejects.toBeInstanceOf(NotFoundError);
    expect(await deleteTeamCatalog(team.ctx("ADMIN"), { framework: beta.frameworkId, reason: "A trial catalog." })).toEqual({ framework: "custom-beta-controls", versions: 1, mappings: 1 });
    expect((await catalogForTeam(team.ctx("VIEWER"))).frameworks.some((f) => f.id === beta.frameworkId)).toBe(false);
    expect(await db.crosswalkOverride.count({ where: { teamId: team.team.id, control: { startsWith: `${beta.frameworkId}:` } } })).toBe(0);
    expect((await db.auditEvent.findFirst({ where: { teamId: team.team.id, action: "catalog.delete" } }))!.details).toMatchObject({ framework: beta.frameworkId, mappings: 1, reason: "A trial catalog." });
    expect((await assessTeam(team.ctx("VIEWER"))).statuses.some((s) => s.framework === beta.frameworkId)).toBe(false);
  });
});
