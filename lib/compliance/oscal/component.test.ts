import { describe, expect, it } from "vitest";
import { getCatalog } from "../catalog";
import { DEFAULT_CROSSWALK } from "../crosswalk";
import { computeControlStatuses } from "../engine";
import type { Evidence } from "../engine-types";
import { defaultPolicy } from "../policy";
import { buildComponentDefinition, type ComponentInput } from "./component";
import { oscalBytes } from "./ids";
import { oscalSchemaProblems } from "./validate";

const at = new Date("2026-11-20T08:00:00Z");
const catalog = getCatalog();
const digest = (c: string) => c.repeat(64);

// One high-tier model with one robustness evaluation below the default threshold at ε 0.2.
const evidence: Evidence = {
  now: at,
  team: { policyVersion: 2, policyUpdatedAt: new Date("2026-10-01T00:00:00Z"), auditChainIntact: true, auditEventCount: 40 },
  attestations: [],
  userIdentities: {},
  models: [{
    modelId: "m-oscal", name: "digits <b>cnn</b>", versionId: "mv-oscal", version: 3, digest: digest("a"), tier: "high", owner: "Ada", cardGaps: [],
    registeredAt: new Date("2026-11-01T00:00:00Z"), openAlerts: [], schedules: [],
    evaluationDataset: { versionId: "dv", datasetId: "ds", label: "digits v1", digest: digest("d"), licence: "MIT", personalData: "no", source: "npm", legalBasis: "" },
    trainingDataset: null,
    evaluations: [{
      id: "ev-oscal", number: 7, finishedAt: new Date("2026-11-19T00:00:00Z"), modelVersionId: "mv-oscal", modelDigest: digest("a"),
      datasetVersionId: "dv", datasetId: "ds", datasetLabel: "digits v1", datasetDigest: digest("d"), verdict: "reliable", reliabilityReasons: [],
      attacks: [{ id: "fgsm-linf", family: "single-step", norm: "linf" }, { id: "pgd-linf-10x1", family: "iterative", norm: "linf" }],
      samples: 1000, cleanAccuracy: 0.98, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.8 }, { norm: "linf", eps: 0.2, robustAccuracy: 0.1 }], backend: "tensorflow",
    }],
  }],
};

function input(): ComponentInput {
  return {
    team: { id: "team-oscal", slug: "acme", name: "ACME" },
    model: { id: "m-oscal", name: "digits <b>cnn</b>", version: 3, versionId: "mv-oscal", manifestDigest: digest("a"), tier: "high", owner: "Ada", task: "image-classification", intendedUse: "Reading digits", files: [{ path: "model.json", sha256: digest("b") }] },
    statuses: computeControlStatuses(defaultPolicy(), catalog, DEFAULT_CROSSWALK, evidence),
    catalog, policyVersion: 2, at: at.toISOString(), baseUrl: "http://localhost:3000",
  };
}

describe("OSCAL component definition of a model version", () => {
  const doc = buildComponentDefinition(input());
  it("is valid against NIST's OSCAL 1.0.6 component-definition schema and deterministic", () => {
    expect(oscalSchemaProblems("component-definition", doc)).toEqual([]);
    expect(oscalBytes(buildComponentDefinition(input()))).toBe(oscalBytes(doc));
  });
  it("lists the controls the measurements implement, with the evidence kinds and hashes", () => {
    // The parts of a component definition this test reads.
    type Prop = { name: string; value: string; class?: string };
    type Requirement = { "control-id": string; description: string; props: Prop[] };
    type Component = { title: string; "control-implementations": { props: Prop[]; "implemented-requirements": Requirement[] }[] };
    const comp = (doc["component-definition"] as { components: Component[] }).components[0]!;
    const nist = comp["control-implementations"].find((c) => c.props.some((p) => p.value === "nist-ai-rmf"))!;
    const m27 = nist["implemented-requirements"].find((r) => r["control-id"] === "measure-2.7")!;
    expect(m27.props).toContainEqual(expect.objectContaining({ name: "control-label", value: "MEASURE 2.7" }));
    expect(m27.props).toContainEqual(expect.objectContaining({ name: "evidence-kind", value: "E1", class: "direct" }));
    expect(m27.props).toContainEqual(expect.objectContaining({ name: "evidence-sha256", value: digest("a") }));
    const engine = input().statuses.find((x) => x.control === "nist-ai-rmf:MEASURE 2.7")!;
    expect(m27.props).toContainEqual(expect.objectContaining({ name: "status", value: engine.status }));
    expect(m27.description).toContain(engine.reason);
    expect(comp.title).toBe("digits <b>cnn</b> v3");
  });
});
