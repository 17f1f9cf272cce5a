import { describe, expect, it } from "vitest";
import { gateVerdict } from "./gate";
import { defaultPolicy } from "./policy";
import type { EvaluationEvidence } from "./engine";

const now = new Date("2026-11-26T12:00:00Z");
const ev = (o: Partial<EvaluationEvidence> = {}): EvaluationEvidence => ({
  id: "e1", number: 7, finishedAt: new Date("2026-11-20T12:00:00Z"), modelVersionId: "mv", modelDigest: "d", datasetVersionId: "dv", datasetId: "ds", datasetLabel: "eval v1", datasetDigest: "dd",
  verdict: "reliable", reliabilityReasons: [], attacks: [{ id: "fgsm", family: "single-step", norm: "linf" }, { id: "pgd", family: "iterative", norm: "linf" }],
  samples: 400, cleanAccuracy: 0.95, worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.92 }], backend: "wasm", ...o,
});
const limited = defaultPolicy().tiers.limited;

describe("gateVerdict", () => {
  it("passes a version whose deciding evaluation meets every check of its tier", () => {
    const v = gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev()], openAlerts: [], now });
    expect(v.pass).toBe(true);
    expect(v.evaluationNumber).toBe(7);
    // The limited tier sets a membership-inference limit (AUC ≤ 0.7): without a privacy evaluation that check passes and says why.
    expect(v.checks.map((c) => c.id)).toEqual(["suite", "reliability", "threshold:linf:0.1", "freshness", "privacy", "regression"]);
  });

  it("fails below the robust-accuracy threshold and names the measured figure", () => {
    const v = gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev({ worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.3245 }] })], openAlerts: [], now });
    expect(v.pass).toBe(false);
    const t = v.checks.find((c) => c.id === "threshold:linf:0.1")!;
    expect(t.outcome).toBe("fail");
    expect(t.detail).toContain("32.5%");
  });

  it("fails without an evaluation that meets the required suite (too few samples, no iterative attack)", () => {
    expect(gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [], openAlerts: [], now }).checks[0]).toMatchObject({ id: "suite", outcome: "fail" });
    const v = gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev({ samples: 50, attacks: [{ id: "fgsm", family: "single-step", norm: "linf" }] })], openAlerts: [], now });
    expect(v.pass).toBe(false);
    expect(v.checks[0].detail).toMatch(/50 samples \(needs 200\)/);
    expect(v.checks[0].detail).toMatch(/no iterative attack/);
  });

  it("fails on an unreliable verdict, stale evidence or an open regression alert", () => {
    expect(gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev({ verdict: "unreliable", reliabilityReasons: ["gradient masking suspected"] })], openAlerts: [], now }).pass).toBe(false);
    const old = gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev({ finishedAt: new Date("2026-01-01T00:00:00Z") })], openAlerts: [], now });
    expect(old.checks.find((c) => c.id === "freshness")!.outcome).toBe("fail");
    const alert = gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev()], openAlerts: [{ summary: "PGD Linf 0.1 dropped 6 points", evaluationNumber: 7 }], now });
    expect(alert.pass).toBe(false);
    expect(alert.checks.at(-1)!.detail).toContain("#7 PGD Linf 0.1 dropped 6 points");
  });

  it("applies the stricter high tier: clean accuracy and a reliable verdict", () => {
    const high = defaultPolicy().tiers.high;
    const v = gateVerdict({ tier: "high", tierPolicy: high, evaluations: [ev({ samples: 600, verdict: "questionable", cleanAccuracy: 0.85 })], openAlerts: [], now });
    expect(v.checks.find((c) => c.id === "reliability")!.outcome).toBe("fail");
    expect(v.checks.find((c) => c.id === "clean-accuracy")!.outcome).toBe("fail");
  });
});
