import { describe, expect, it } from "vitest";
import { getCatalog } from "./catalog";
import { DEFAULT_CROSSWALK, unknownControls } from "./crosswalk";
import { computeControlStatuses } from "./engine";
import type { Evidence, IntegrityEvidence, ModelEvidence } from "./engine-types";
import { defaultPolicy, PolicySchema } from "./policy";

// E15 (training-data integrity scan) against the default policy, on constructed evidence shaped like the demo
// scans: the poisoned model (live backdoor, 3.5% likely mislabelled) and the clean one (0.5%, nothing live).

const NOW = new Date("2026-11-26T12:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

function scan(o: Partial<IntegrityEvidence> = {}): IntegrityEvidence {
  return {
    id: "sc1", number: 9, finishedAt: daysAgo(1), datasetVersionId: "dv0", datasetLabel: "mnist-demo-train v1", samples: 8000,
    suspectedMislabelShare: 0.005, flaggedClasses: [], liveBackdoors: [], leakageGroups: 0, verdict: "reliable", ...o,
  };
}
const model = (integrity: IntegrityEvidence[] | undefined, tier: ModelEvidence["tier"] = "limited"): ModelEvidence => ({
  modelId: "m1", name: "digits-cnn", versionId: "mv1", version: 1, digest: "a".repeat(64), tier, owner: "Eli", cardGaps: [], registeredAt: daysAgo(30),
  evaluations: [], evaluationDataset: null, trainingDataset: null, openAlerts: [], schedules: [], integrity,
});
const evidence = (m: ModelEvidence): Evidence => ({ now: NOW, team: { policyVersion: 1, policyUpdatedAt: daysAgo(3), auditChainIntact: true, auditEventCount: 3 }, models: [m], attestations: [] });
const status = (control: string, m: ModelEvidence) => computeControlStatuses(defaultPolicy(), getCatalog(), DEFAULT_CROSSWALK, evidence(m)).find((x) => x.control === control && x.modelId === "m1")!;
const e15 = (control: string, m: ModelEvidence) => status(control, m).findings.find((f) => f.evidence === "E15")!;

const POISONED = scan({ suspectedMislabelShare: 0.035, flaggedClasses: ["0"], liveBackdoors: ["0"], datasetLabel: "mnist-demo-train-poisoned v1" });
const A74 = "iso-42001:A.7.4";

describe("training-data integrity evidence (E15)", () => {
  it("maps to the data-quality and poisoning controls, all in the catalog", () => {
    const rows = DEFAULT_CROSSWALK.filter((r) => r.evidence === "E15").map((r) => `${r.control} ${r.mark}`);
    expect(rows).toEqual(expect.arrayContaining([
      "nist-ai-rmf:MEASURE 2.7 supporting", "nist-ai-rmf:MAP 4.2 supporting", "iso-42001:A.7.4 direct", "iso-42001:A.7.6 supporting",
      "eu-ai-act:Art. 10 supporting", "eu-ai-act:Art. 15(5) supporting", "mitre-atlas:AML.T0020 threat", "mitre-atlas:AML.T0018 threat",
    ]));
    for (const r of DEFAULT_CROSSWALK.filter((x) => x.evidence === "E15")) expect(r.basis?.length).toBeGreaterThan(20);
    expect(unknownControls(DEFAULT_CROSSWALK, getCatalog())).toEqual([]);
  });

  it("the poisoned demo fails A.7.4 (live backdoor, 3.5% > 3% likely mislabelled); the clean one satisfies it", () => {
    const bad = status(A74, model([POISONED]));
    expect(bad.status).toBe("failing");
    expect(bad.reason).toMatch(/live backdoor.*"0".*likely mislabelled 3\.5% > 3\.0%/);
    const good = status(A74, model([scan()]));
    expect(good.status).toBe("satisfied");
    expect(good.reason).toMatch(/no suspicious class and no live trigger; likely mislabelled 0\.5% ≤ 3\.0%; no train\/test leakage/);
    // MEASURE 2.7 rests on E1 (attacks) directly; the failed scan shows there as a supporting gap.
    expect(e15("nist-ai-rmf:MEASURE 2.7", model([POISONED])).outcome).toBe("fail");
  });

  it("MEASURE 2.7 of a poisoned model never attacked: partial (a supporting gap), from the scan the drawer lists as failing (issue 24)", () => {
    // Before: the direct E1 finding was missing, so the status fell through to "not assessed" next to an E15 finding that fails.
    const s = status("nist-ai-rmf:MEASURE 2.7", model([POISONED]));
    expect(s.findings.find((f) => f.evidence === "E1")!.outcome).toBe("missing");
    expect(s.status).toBe("partial");
    expect(s.reason).toMatch(/live backdoor.*integrity scan #9/);
    // An old scan and nothing else: stale, not "not assessed".
    expect(status("nist-ai-rmf:MEASURE 2.7", model([scan({ finishedAt: daysAgo(181) })])).status).toBe("stale");
  });

  it("no scan: not assessed; leakage fails; a scan without cross-validation is partial; old scans are stale; tiers differ", () => {
    expect(status(A74, model(undefined)).status).toBe("not_assessed");
    expect(e15(A74, model([scan({ leakageGroups: 2 })])).reason).toMatch(/2 duplicate groups shared by the training and held-out data/);
    expect(e15(A74, model([scan({ suspectedMislabelShare: null })])).outcome).toBe("partial");
    expect(e15(A74, model([scan({ leakageGroups: null })])).outcome).toBe("partial");
    expect(e15(A74, model([scan({ finishedAt: daysAgo(181) })])).outcome).toBe("stale");
    // 2.5% passes for limited (3%) and fails for high (2%).
    expect(e15(A74, model([scan({ suspectedMislabelShare: 0.025 })])).outcome).toBe("pass");
    expect(e15(A74, model([scan({ suspectedMislabelShare: 0.025 })], "high")).outcome).toBe("fail");
    // The newest scan decides.
    expect(e15(A74, model([POISONED, scan({ number: 10, finishedAt: daysAgo(0) })])).outcome).toBe("pass");
  });

  it("policies saved before integrity thresholds existed get the limited default", () => {
    const p = defaultPolicy() as unknown as { tiers: Record<string, Record<string, unknown>> };
    for (const t of Object.values(p.tiers)) delete t.integrity;
    const parsed = PolicySchema.parse(p);
    expect(parsed.tiers.high.integrity).toEqual({ maxSuspectedMislabelShare: 0.03, requireNoLiveBackdoor: true, requireNoLeakage: true });
    expect(defaultPolicy().tiers.high.integrity.maxSuspectedMislabelShare).toBe(0.02);
  });
});
