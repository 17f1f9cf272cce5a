import { describe, expect, it } from "vitest";
import { frameworkChecks, gateVerdict } from "./gate";
import { defaultPolicy } from "./policy";
import type { ControlStatus, EvaluationEvidence, IntegrityEvidence } from "./engine-types";

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
    expect(v.checks.map((c) => c.id)).toEqual(["suite", "reliability", "threshold:linf:0.1", "freshness", "privacy", "integrity", "regression"]);
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

  it("checks the newest usable integrity scan: a live backdoor, too many likely mislabelled examples or leakage fail; what a scan did not measure fails", () => {
    const scan = (o: Partial<IntegrityEvidence> = {}): IntegrityEvidence => ({
      id: "s1", number: 9, finishedAt: new Date("2026-11-21T12:00:00Z"), datasetVersionId: "dt", datasetLabel: "train v1", samples: 4000,
      suspectedMislabelShare: 0.009, flaggedClasses: [], liveBackdoors: [], leakageGroups: 0, verdict: "reliable", ...o,
    });
    const g = (integrity: IntegrityEvidence[]) => gateVerdict({ tier: "limited", tierPolicy: limited, evaluations: [ev()], openAlerts: [], now, integrity });
    const clean = g([scan()]);
    expect(clean.pass).toBe(true);
    expect(clean.checks.filter((c) => c.id.startsWith("integrity")).map((c) => `${c.id}:${c.outcome}`)).toEqual(["integrity:backdoor:pass", "integrity:mislabelled:pass", "integrity:leakage:pass"]);
    const poisoned = g([scan({ liveBackdoors: ["0"], flaggedClasses: ["0"], suspectedMislabelShare: 0.038, leakageGroups: 2 })]);
    expect(poisoned.pass).toBe(false);
    expect(poisoned.checks.find((c) => c.id === "integrity:backdoor")).toMatchObject({ outcome: "fail", detail: expect.stringContaining('class "0" in scan #9 of train v1') });
    expect(poisoned.checks.find((c) => c.id === "integrity:mislabelled")).toMatchObject({ outcome: "fail", detail: "3.8% flagged in scan #9 of train v1; policy: at most 3.0%." });
    expect(poisoned.checks.find((c) => c.id === "integrity:leakage")!.detail).toMatch(/^2 duplicate groups/);
    // Not measured is not shown to hold.
    const partial = g([scan({ suspectedMislabelShare: null, leakageGroups: null })]);
    expect(partial.checks.filter((c) => c.outcome === "fail").map((c) => c.id)).toEqual(["integrity:mislabelled", "integrity:leakage"]);
    // An unreliable scan is ignored in favour of an older usable one; with none, the check passes and says why.
    const newerUnreliable = scan({ id: "s2", number: 10, finishedAt: new Date("2026-11-25T12:00:00Z"), liveBackdoors: ["3"], verdict: "unreliable" });
    expect(g([scan(), newerUnreliable]).pass).toBe(true);
    expect(g([newerUnreliable]).checks.find((c) => c.id === "integrity")).toMatchObject({ outcome: "pass", detail: expect.stringMatching(/No integrity scan of this version/) });
  });
});

describe("frameworkChecks", () => {
  const st = (framework: string, controlId: string, status: ControlStatus["status"]) => ({ framework, controlId, status }) as ControlStatus;
  const acme = { id: "custom-acme" as const, shortName: "ACME", revision: 3 };
  const nist = { id: "nist-ai-rmf" as const, shortName: "NIST AI RMF" };
  const statuses = [st("custom-acme", "ROB-1", "satisfied"), st("custom-acme", "ROB-2", "failing"), st("custom-acme", "ROB-3", "stale"), st("nist-ai-rmf", "MAP 1.1", "partial"), st("nist-ai-rmf", "MEASURE 2.7", "not_assessed")];

  it("fails a framework with a failing or stale control, naming them and the catalog version; passes one with none", () => {
    const [a, n] = frameworkChecks([acme, nist], statuses, true);
    expect(a).toEqual({ id: "framework:custom-acme", label: "Controls of ACME (catalog v3)", outcome: "fail", detail: "2 of 3 controls failing or stale: ROB-2 failing, ROB-3 stale." });
    expect(n).toEqual({ id: "framework:nist-ai-rmf", label: "Controls of NIST AI RMF", outcome: "pass", detail: "None of 2 controls failing or stale (1 partial, 1 not assessed)." });
  });

  it("fails for a version that is not the model's current one (statuses are not its own)", () => {
    expect(frameworkChecks([nist], statuses, false)[0]).toMatchObject({ outcome: "fail", detail: expect.stringMatching(/current version only/) });
  });
});
