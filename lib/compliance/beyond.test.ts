import { describe, expect, it } from "vitest";
import { getCatalog } from "./catalog";
import { DEFAULT_CROSSWALK } from "./crosswalk";
import { computeControlStatuses } from "./engine";
import type { BeyondEvidence, EvaluationEvidence, Evidence, ModelEvidence } from "./engine-types";
import { defaultPolicy } from "./policy";

// E13 (calibration and OOD) and E14 (common corruptions) against the policy thresholds, on constructed evidence.

const NOW = new Date("2026-11-26T12:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const none: BeyondEvidence = { ece: null, eceUnderAttackMax: null, oodAuroc: null, oodHighConfidenceShare: null, corruptionAccuracy: null, corruptionMCE: null };

function evaluation(beyond?: Partial<BeyondEvidence>, o: Partial<EvaluationEvidence> = {}): EvaluationEvidence {
  return {
    id: "ev1", number: 7, finishedAt: daysAgo(1), modelVersionId: "mv1", modelDigest: "a".repeat(64),
    datasetVersionId: "dv1", datasetId: "ds1", datasetLabel: "digits v1", datasetDigest: "d".repeat(64), verdict: "reliable", reliabilityReasons: [],
    attacks: [{ id: "pgd", family: "iterative", norm: "linf" }, { id: "fgsm", family: "single-step", norm: "linf" }], samples: 1000, cleanAccuracy: 0.97,
    worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.7 }], backend: "wasm",
    ...(beyond ? { beyond: { ...none, ...beyond } } : {}), ...o,
  };
}
const model = (evaluations: EvaluationEvidence[], tier: ModelEvidence["tier"] = "high"): ModelEvidence => ({
  modelId: "m1", name: "digits-cnn", versionId: "mv1", version: 1, digest: "a".repeat(64), tier, owner: "Eli", cardGaps: [], registeredAt: daysAgo(30),
  evaluations, evaluationDataset: null, trainingDataset: null, openAlerts: [], schedules: [],
});
const evidence = (m: ModelEvidence): Evidence => ({ now: NOW, team: { policyVersion: 1, policyUpdatedAt: daysAgo(3), auditChainIntact: true, auditEventCount: 3 }, models: [m], attestations: [] });

function finding(control: string, kind: "E13" | "E14", m: ModelEvidence) {
  const s = computeControlStatuses(defaultPolicy(), getCatalog(), DEFAULT_CROSSWALK, evidence(m)).find((x) => x.control === control && x.modelId === "m1")!;
  return s.findings.find((f) => f.evidence === kind)!;
}

describe("calibration, OOD and corruption evidence", () => {
  it("maps to the named controls as supporting evidence", () => {
    const rows = DEFAULT_CROSSWALK.filter((r) => r.evidence === "E13" || r.evidence === "E14").map((r) => `${r.evidence} ${r.control} ${r.mark}`);
    expect(rows).toEqual([
      "E13 nist-ai-rmf:MEASURE 2.5 supporting", "E13 nist-ai-rmf:MAP 2.3 supporting",
      "E14 nist-ai-rmf:MEASURE 2.5 supporting", "E14 nist-ai-rmf:MEASURE 2.6 supporting", "E14 eu-ai-act:Art. 15(4) supporting",
    ]);
  });

  it("passes and fails against the high-risk thresholds (ECE <= 0.1, AUROC >= 0.8, corruption accuracy >= 70%)", () => {
    const good = model([evaluation({ ece: 0.04, eceUnderAttackMax: 0.8, oodAuroc: 0.91, corruptionAccuracy: 0.85, corruptionMCE: 0.15 })]);
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E13", good).outcome).toBe("pass");
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E13", good).reason).toMatch(/clean expected calibration error 0.040 ≤ 0.100; OOD-detection AUROC/);
    expect(finding("eu-ai-act:Art. 15(4)", "E14", good).outcome).toBe("pass");
    const bad = model([evaluation({ ece: 0.25, oodAuroc: 0.6, corruptionAccuracy: 0.5 })]);
    const f13 = finding("nist-ai-rmf:MAP 2.3", "E13", bad);
    expect(f13.outcome).toBe("fail");
    expect(f13.reason).toMatch(/0.250 > 0.100.*0.600 < 0.800/);
    expect(f13.links.filter((l) => l.metric).map((l) => [l.value, l.threshold])).toEqual([[0.25, 0.1], [0.6, 0.8]]);
    expect(finding("nist-ai-rmf:MEASURE 2.6", "E14", bad).outcome).toBe("fail");
  });

  it("missing, partial (measured calibration but not OOD), stale, and unreliable evaluations do not count", () => {
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E13", model([evaluation()])).outcome).toBe("missing");
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E13", model([evaluation({ ece: 0.02 })])).outcome).toBe("partial");
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E14", model([evaluation({ corruptionAccuracy: 0.9 }, { finishedAt: daysAgo(200) })])).outcome).toBe("stale");
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E14", model([evaluation({ corruptionAccuracy: 0.9 }, { verdict: "unreliable" })])).outcome).toBe("missing");
    // minimal tier: no thresholds, so a measurement passes and says so
    expect(finding("nist-ai-rmf:MEASURE 2.5", "E14", model([evaluation({ corruptionAccuracy: 0.4 })], "minimal")).reason).toMatch(/sets no threshold/);
  });
});
