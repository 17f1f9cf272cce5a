import { describe, expect, it } from "vitest";
import { sampleSnapshot } from "../../reports/sample";
import { buildAssessmentResults, type AssessmentResultsInput } from "./assessment-results";
import { oscalBytes } from "./ids";
import { oscalSchemaProblems } from "./validate";

const SHA = "a".repeat(64);

function input(over: Partial<AssessmentResultsInput> = {}): AssessmentResultsInput {
  return {
    snapshot: sampleSnapshot({ models: 2, evaluationsPerModel: 2, frameworks: ["nist-ai-rmf", "iso-42001", "eu-ai-act", "mitre-atlas"] }),
    snapshotSha256: SHA,
    subject: "report",
    report: { label: "R-3", status: "approved", approvedBy: "Zoë Ødegård", approvedAt: "2026-11-02T10:00:00.000Z", draftPdfSha256: "b".repeat(64), approvedPdfSha256: "c".repeat(64) },
    log: [
      { id: "ev1", seq: 1, at: "2026-10-01T09:00:00.000Z", actor: "Łukasz Żółkiewski", actorIsUser: true, action: "evaluation.complete", description: "Evaluation #1 completed", hash: "d".repeat(64) },
      { id: "ev2", seq: 2, at: "2026-10-02T09:00:00.000Z", actor: "system", actorIsUser: false, action: "report.generate", description: "Report generated", hash: "e".repeat(64) },
    ],
    baseUrl: "https://bulwark.example.com/",
    ...over,
  };
}

describe("OSCAL assessment results", () => {
  it("is valid against NIST's OSCAL 1.0.6 assessment-results schema, with one result per framework", () => {
    const doc = buildAssessmentResults(input());
    expect(oscalSchemaProblems("assessment-results", doc)).toEqual([]);
    const ar = doc["assessment-results"] as { metadata: { "oscal-version": string }; results: { title: string; findings?: unknown[] }[] };
    expect(ar.metadata["oscal-version"]).toBe("1.0.6");
    expect(ar.results).toHaveLength(4);
  });
  it("is valid without models, log, report or attestations too", () => {
    const s = sampleSnapshot({ models: 0 });
    const doc = buildAssessmentResults(input({ snapshot: { ...s, attestations: [], alerts: [] }, log: [], report: null, subject: "team" }));
    expect(oscalSchemaProblems("assessment-results", doc)).toEqual([]);
  });
  it("is deterministic: the same snapshot gives the same bytes; another snapshot hash other UUIDs", () => {
    const a = oscalBytes(buildAssessmentResults(input()));
    expect(oscalBytes(buildAssessmentResults(input()))).toBe(a);
    const b = oscalBytes(buildAssessmentResults(input({ snapshotSha256: "f".repeat(64) })));
    expect(b).not.toBe(a);
    expect(JSON.parse(b)["assessment-results"].uuid).not.toBe(JSON.parse(a)["assessment-results"].uuid);
  });
});

/** The parts of an assessment-results document these tests read. */
interface Prop { name: string; value: string }
interface Finding { title: string; description: string; props: Prop[]; target: { status: { state: string; reason?: string } }; "related-observations"?: { "observation-uuid": string }[] }
interface ResultsView { uuid: string; metadata: { "oscal-version"?: string; props: Prop[] }; results: { uuid: string; observations: { uuid: string }[]; findings?: Finding[] }[] }

describe("OSCAL assessment results: contents", () => {
  const doc = buildAssessmentResults(input());
  const ar = doc["assessment-results"] as ResultsView;
  it("the validator refuses a broken document (it checks, not just parses)", () => {
    const broken = structuredClone(doc) as { "assessment-results": ResultsView };
    delete broken["assessment-results"].metadata["oscal-version"];
    broken["assessment-results"].results[0]!.uuid = "not-a-uuid";
    expect(oscalSchemaProblems("assessment-results", broken).length).toBeGreaterThan(0);
  });
  it("carries the snapshot hash, and every finding points at observations of its own result", () => {
    expect(ar.metadata.props).toContainEqual(expect.objectContaining({ name: "snapshot-sha256", value: SHA }));
    const snap = input().snapshot;
    let linked = 0;
    for (const r of ar.results) {
      const obs = new Set(r.observations.map((o) => o.uuid));
      for (const f of r.findings ?? []) for (const o of f["related-observations"] ?? []) {
        expect(obs.has(o["observation-uuid"])).toBe(true);
        linked++;
      }
    }
    expect(linked).toBeGreaterThan(0);
    expect(ar.results.flatMap((r) => r.findings ?? [])).toHaveLength(snap.controls.filter((c) => ["nist-ai-rmf", "iso-42001", "eu-ai-act", "mitre-atlas"].includes(c.framework)).length);
  });
  it("a failing control's finding is not-satisfied and gives the status engine's reason", () => {
    const snap = input().snapshot;
    const failing = snap.controls.find((c) => c.status === "failing")!;
    expect(failing).toBeTruthy();
    const f = ar.results.flatMap((r) => r.findings ?? []).find((x) => x.title.startsWith(`${failing.controlId} `) && x.title.includes(failing.modelLabel))!;
    expect(f.target.status).toMatchObject({ state: "not-satisfied", reason: "fail" });
    expect(f.description).toContain(failing.reason);
    expect(f.props).toContainEqual(expect.objectContaining({ name: "status", value: "failing" }));
  });
});
