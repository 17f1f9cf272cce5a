import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../db/client";
import { NotFoundError, ValidationError } from "../../errors";
import { stopQueue } from "../../jobs/queue";
import { makeTeam } from "../../../test/fixtures";
import { useTempStore } from "../../registry/test-helpers";
import { DEMO_MODEL_DIRS, seedModelVersion, seedSplit } from "../../seed/registry";
import { systemContext } from "../../teams/context";
import { loadDemoTrainSplit } from "../../demo/mnist";
import { approveReport, createReport, getReport } from "../../reports";
import { runReportJob } from "../../reports/generate";
import { createAttestation } from "../attestations";
import { exportComponentDefinition, exportFrameworkCatalog, exportPostureResults, exportReportResults } from "./index";
import { oscalSchemaProblems } from "./validate";

// OSCAL exports on a real database: two versions of the demo model digits-cnn, an attestation, a
// report generated in this process (the real snapshot and renderer) and approved by a reviewer.

useTempStore();
let team: Awaited<ReturnType<typeof makeTeam>>;
let other: Awaited<ReturnType<typeof makeTeam>>;
let reportId: string;

beforeAll(async () => {
  team = await makeTeam("oscal");
  other = await makeTeam("oscal-other");
  // The demo model's two versions on a small training split (200 digits keeps the registry checks short).
  const all = loadDemoTrainSplit();
  const n = 200;
  const split = { images: all.images.slice(0, n * 784), labels: all.labels.slice(0, n), ids: all.ids.slice(0, n), count: n };
  const trainId = await seedSplit(systemContext(team.team.id, "seed"), "digits-oscal-train", "train", split, "First 200 demo training digits.");
  for (const dir of DEMO_MODEL_DIRS) await seedModelVersion(systemContext(team.team.id, "seed"), dir, trainId);
  await createAttestation(team.ctx("REVIEWER"), { control: "nist-ai-rmf:GOVERN 1.1", statement: "Legal register reviewed with counsel on 2026-11-01.", expiresOn: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10) });
  const created = await createReport(team.ctx("ENGINEER"), { title: "OSCAL quarter" });
  expect(await runReportJob({ teamId: team.team.id, reportId: created.id })).toBe("generated");
  const view = await getReport(team.ctx("VIEWER"), created.id);
  await approveReport(team.ctx("REVIEWER"), { reportId: view.id, snapshotSha256: view.snapshotSha256! });
  reportId = created.id;
}, 600_000);

afterAll(async () => {
  await stopQueue();
});

describe("OSCAL exports", () => {
  it("an approved report's assessment results: valid, the snapshot hash its PDF prints, the same bytes every time", async () => {
    const view = await getReport(team.ctx("VIEWER"), reportId);
    expect(view.status).toBe("approved");
    const a = await exportReportResults(team.ctx("VIEWER"), reportId);
    expect(a.snapshotSha256).toBe(view.snapshotSha256);
    const doc = JSON.parse(a.json);
    expect(oscalSchemaProblems("assessment-results", doc)).toEqual([]);
    const ar = doc["assessment-results"];
    expect(ar.metadata.props).toContainEqual(expect.objectContaining({ name: "snapshot-sha256", value: view.snapshotSha256 }));
    expect(ar.metadata.props).toContainEqual(expect.objectContaining({ name: "report-status", value: "approved" }));
    expect(ar["back-matter"].resources.flatMap((r: { rlinks?: { hashes?: { value: string }[] }[] }) => r.rlinks?.flatMap((l) => l.hashes?.map((h) => h.value) ?? []) ?? [])).toContain(view.approvedPdfSha256);
    // The log comes from the audit events: the report's creation and approval and the attestation are in it.
    const actions = ar.results[0]["assessment-log"].entries.map((e: { title: string }) => e.title);
    expect(actions).toEqual(expect.arrayContaining(["attestation.create", "report.create"]));
    expect(ar.results[0].attestations.some((x: { parts: { prose: string }[] }) => x.parts[0]!.prose.includes("Legal register reviewed"))).toBe(true);
    expect((await exportReportResults(team.ctx("VIEWER"), reportId)).json).toBe(a.json);
  });
  it("the team's and a model's posture now, a model version's component definition and the catalogs: all valid", async () => {
    const now = new Date();
    const posture = await exportPostureResults(team.ctx("VIEWER"), {}, now);
    expect(oscalSchemaProblems("assessment-results", JSON.parse(posture.json))).toEqual([]);
    const model = await db.model.findFirstOrThrow({ where: { teamId: team.team.id } });
    const one = await exportPostureResults(team.ctx("VIEWER"), { modelId: model.id }, now);
    expect(JSON.parse(one.json)["assessment-results"].results[0]["local-definitions"].components.map((c: { title: string }) => c.title)).toEqual([expect.stringMatching(/^digits-cnn v\d+$/)]);
    const current = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id, modelId: model.id, status: "ACTIVE" }, orderBy: { version: "desc" } });
    const cd = await exportComponentDefinition(team.ctx("VIEWER"), current.id);
    expect(oscalSchemaProblems("component-definition", JSON.parse(cd.json))).toEqual([]);
    expect(JSON.parse(cd.json)["component-definition"].components[0].props).toContainEqual(expect.objectContaining({ name: "manifest-sha256", value: current.manifestDigest }));
    const older = await db.modelVersion.findFirst({ where: { teamId: team.team.id, modelId: model.id, version: { lt: current.version } } });
    if (older) await expect(exportComponentDefinition(team.ctx("VIEWER"), older.id)).rejects.toThrow(ValidationError);
    expect(oscalSchemaProblems("catalog", JSON.parse((await exportFrameworkCatalog(team.ctx("VIEWER"), "iso-42001")).json))).toEqual([]);
  });
  it("another team's report and model version answer 404, as if they did not exist", async () => {
    const version = await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id } });
    await expect(exportReportResults(other.ctx("ADMIN"), reportId)).rejects.toThrow(NotFoundError);
    await expect(exportComponentDefinition(other.ctx("ADMIN"), version.id)).rejects.toThrow(NotFoundError);
    const model = await db.model.findFirstOrThrow({ where: { teamId: team.team.id } });
    await expect(exportPostureResults(other.ctx("ADMIN"), { modelId: model.id })).rejects.toThrow(NotFoundError);
  });
});
