import { describe, expect, it } from "vitest";
import { getCatalog } from "./catalog";
import { DEFAULT_CROSSWALK, EVIDENCE_KIND_INFO } from "./crosswalk";
import { computeControlStatuses } from "./engine";
import type { Evidence, ModelEvidence, PrivacyEvaluationEvidence } from "./engine-types";
import { gateVerdict } from "./gate";
import { defaultPolicy } from "./policy";

// E7 (membership inference) against the default policy's privacy limits, on constructed evidence.

const NOW = new Date("2026-11-26T12:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

function privacy(o: Partial<PrivacyEvaluationEvidence> = {}): PrivacyEvaluationEvidence {
  return { id: "pe1", number: 9, finishedAt: daysAgo(1), verdict: "reliable", attack: "lira-offline", auc: 0.53, aucLow: 0.5, aucHigh: 0.56, advantage: 0.06, tprAt1Fpr: 0.012, tprAt01Fpr: 0.002, members: 1000, nonMembers: 1000, lira: true, ...o };
}
const model = (p: PrivacyEvaluationEvidence[] | undefined, tier: ModelEvidence["tier"] = "high"): ModelEvidence => ({
  modelId: "m1", name: "digits-cnn", versionId: "mv1", version: 1, digest: "a".repeat(64), tier, owner: "Eli", cardGaps: [], registeredAt: daysAgo(30),
  evaluations: [], evaluationDataset: null, trainingDataset: null, openAlerts: [], schedules: [], ...(p ? { privacy: p } : {}),
});
const evidence = (m: ModelEvidence): Evidence => ({ now: NOW, team: { policyVersion: 1, policyUpdatedAt: daysAgo(3), auditChainIntact: true, auditEventCount: 3 }, models: [m], attestations: [] });
const status = (control: string, m: ModelEvidence) => computeControlStatuses(defaultPolicy(), getCatalog(), DEFAULT_CROSSWALK, evidence(m)).find((x) => x.control === control && x.modelId === "m1")!;

describe("membership-inference evidence (E7)", () => {
  it("is available and maps per the crosswalk", () => {
    expect(EVIDENCE_KIND_INFO.E7.available).toBe(true);
    const rows = DEFAULT_CROSSWALK.filter((r) => r.evidence === "E7").map((r) => `${r.control} ${r.mark}`);
    expect(rows).toEqual(expect.arrayContaining(["nist-ai-rmf:MEASURE 2.10 direct", "nist-ai-rmf:MEASURE 2.7 supporting", "iso-42001:A.6.2.4 supporting", "iso-42001:A.5.4 supporting", "eu-ai-act:Art. 15(5) supporting"]));
    expect(rows.some((r) => r.startsWith("mitre-atlas:AML.T0024.000") && r.endsWith("threat"))).toBe(true);
  });

  it("changes MEASURE 2.10 under the default policy: not assessed → satisfied (within the high-risk limits) → failing (above them)", () => {
    expect(status("nist-ai-rmf:MEASURE 2.10", model(undefined)).status).toBe("not_assessed");
    const ok = status("nist-ai-rmf:MEASURE 2.10", model([privacy()]));
    expect(ok.status).toBe("satisfied");
    expect(ok.reason).toMatch(/membership-inference AUC 0.530 ≤ 0.600; TPR at 1% FPR 1.2% ≤ 5.0%; TPR at 0.1% FPR 0.20% ≤ 1.00%/);
    const leaky = status("nist-ai-rmf:MEASURE 2.10", model([privacy({ auc: 0.93, aucLow: 0.9, aucHigh: 0.96, tprAt1Fpr: 0.4, tprAt01Fpr: 0.2 }), privacy({ id: "old", number: 3, finishedAt: daysAgo(5) })]));
    expect(leaky.status).toBe("failing");
    expect(leaky.reason).toMatch(/AUC 0.930 > 0.600/);
    const f = leaky.findings.find((x) => x.evidence === "E7")!;
    expect(f.links.filter((l) => l.metric).map((l) => [l.metric, l.value, l.threshold])).toEqual([["membership-inference AUC", 0.93, 0.6], ["TPR at 1% FPR", 0.4, 0.05], ["TPR at 0.1% FPR", 0.2, 0.01]]);
  });

  it("an unresolvable 0.1% figure is partial, not a pass; stale and unreliable runs do not count", () => {
    const few = status("nist-ai-rmf:MEASURE 2.10", model([privacy({ nonMembers: 500, members: 500, tprAt01Fpr: null })]));
    expect(few.status).toBe("partial");
    expect(few.reason).toMatch(/not TPR at 0.1% FPR \(not resolvable with 500 non-members; needs 1,000\)/);
    expect(status("nist-ai-rmf:MEASURE 2.10", model([privacy({ finishedAt: daysAgo(120) })])).status).toBe("stale");
    expect(status("nist-ai-rmf:MEASURE 2.10", model([privacy({ verdict: "unreliable", auc: 0.99 })])).status).toBe("not_assessed");
    // Minimal tier: no limits; a measurement passes and says so.
    expect(status("nist-ai-rmf:MEASURE 2.10", model([privacy({ auc: 0.95 })], "minimal")).reason).toMatch(/sets no privacy limit/);
  });

  it("the release gate honours the privacy limits", () => {
    const tp = defaultPolicy().tiers.high;
    const g = (p?: PrivacyEvaluationEvidence[]) => gateVerdict({ tier: "high", tierPolicy: tp, evaluations: [], openAlerts: [], now: NOW, privacy: p }).checks.filter((c) => c.id.startsWith("privacy"));
    expect(g()).toEqual([expect.objectContaining({ id: "privacy", outcome: "pass", detail: expect.stringMatching(/No privacy evaluation/) })]);
    expect(g([privacy()]).map((c) => c.outcome)).toEqual(["pass", "pass", "pass"]);
    expect(g([privacy({ auc: 0.7 })]).find((c) => c.id === "privacy:auc")!.outcome).toBe("fail");
    expect(g([privacy({ tprAt01Fpr: null, nonMembers: 500 })]).find((c) => c.id === "privacy:tpr@0.1%")).toMatchObject({ outcome: "fail", detail: expect.stringMatching(/Not resolvable.*500 non-members, 1,000 needed/) });
    // Minimal tier sets no limits: no privacy check at all.
    expect(gateVerdict({ tier: "minimal", tierPolicy: defaultPolicy().tiers.minimal, evaluations: [], openAlerts: [], now: NOW, privacy: [privacy({ auc: 0.99 })] }).checks.some((c) => c.id.startsWith("privacy"))).toBe(false);
  });
});
