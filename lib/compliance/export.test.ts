import { describe, expect, it } from "vitest";
import { getCatalog } from "./catalog";
import { DEFAULT_CROSSWALK } from "./crosswalk";
import { computeControlStatuses } from "./engine";
import { defaultPolicy } from "./policy";
import { statusesToCsv } from "./export";

describe("CSV export", () => {
  it("has one row per control × model with status, reason, digests and versions; formulas are neutralised", () => {
    const now = new Date("2026-11-26T00:00:00Z");
    const model = {
      modelId: "m1", name: "=HYPERLINK(\"x\")", versionId: "v1", version: 1, digest: "a".repeat(64), tier: "limited" as const, owner: "o", cardGaps: [], registeredAt: now,
      evaluations: [], evaluationDataset: null, trainingDataset: null, openAlerts: [], schedules: [],
    };
    const statuses = computeControlStatuses(defaultPolicy(), getCatalog(), DEFAULT_CROSSWALK, { now, team: { policyVersion: 3, policyUpdatedAt: now, auditChainIntact: true, auditEventCount: 1 }, models: [model], attestations: [] });
    const csv = statusesToCsv(statuses, getCatalog(), [model], "nist-ai-rmf");
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(73);
    expect(lines[0]).toBe(["framework", "framework_version", "control_id", "control_title", "model", "model_digest", "status", "reason", "next_step", "evidence", "attestation", "catalog_version", "policy_version", "computed_at"].map((c) => `"${c}"`).join(","));
    const m27 = lines.find((l) => l.includes('"MEASURE 2.7"'))!;
    expect(m27).toContain('"Not assessed"');
    expect(m27).toContain(`"${"a".repeat(64)}"`);
    expect(m27).toContain('"3"');
    expect(m27).toContain(`"'=HYPERLINK(""x"") v1"`);
  });
});
