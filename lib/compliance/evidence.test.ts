import { describe, expect, it } from "vitest";
import { cardGaps, evaluationEvidence, runTasks } from "./evidence";

// The loader's pure parts: stored JSON (engine metrics, reliability, suite, provenance) -> engine evidence.

const row = (over: Record<string, unknown> = {}) => ({
  id: "e1", number: 7, finishedAt: new Date("2026-11-20T10:00:00Z"), createdAt: new Date("2026-11-20T09:00:00Z"), modelVersionId: "mv", datasetVersionId: "dv",
  suite: { attacks: [{ kind: "fgsm", norm: "linf" }, { kind: "pgd", norm: "linf", steps: 10 }] },
  metrics: {
    samples: 500, cleanAccuracy: 0.96,
    attacks: [
      { attack: "fgsm-linf", family: "single-step", norm: "linf", eps: 0.1 }, { attack: "fgsm-linf", family: "single-step", norm: "linf", eps: 0.2 },
      { attack: "pgd-linf-10x1", family: "iterative", norm: "linf", eps: 0.1 },
    ],
    worstCase: [{ norm: "linf", eps: 0.1, robustAccuracy: 0.33, robust: 165 }],
  },
  reliability: { verdict: "questionable", reasons: ["FGSM depends on rounding noise"], checks: [] },
  verdict: "questionable", cleanAccuracy: 0.96, provenance: { engine: { backend: "wasm" } }, sampleCount: 500,
  ...over,
});

describe("evidence loader", () => {
  it("reads the engine's stored metrics: distinct attacks, worst case, verdict, backend, digests", () => {
    const e = evaluationEvidence(row(), "m".repeat(64), { label: "digits v1", digest: "d".repeat(64), datasetId: "ds" });
    expect(e.attacks).toEqual([{ id: "fgsm-linf", family: "single-step", norm: "linf" }, { id: "pgd-linf-10x1", family: "iterative", norm: "linf" }]);
    expect(e).toMatchObject({ number: 7, samples: 500, cleanAccuracy: 0.96, verdict: "questionable", backend: "wasm", modelDigest: "m".repeat(64), datasetDigest: "d".repeat(64), datasetId: "ds" });
    expect(e.reliabilityReasons[0]).toMatch(/rounding/);
  });

  it("falls back to the suite when metrics list no attacks, and never invents a verdict", () => {
    const e = evaluationEvidence(row({ metrics: { samples: 10, worstCase: [] }, reliability: null, verdict: "bogus" }), "m", undefined);
    expect(e.attacks.map((a) => a.family)).toEqual(["single-step", "iterative"]);
    expect(e.verdict).toBeNull();
    expect(e.worstCase).toEqual([]);
  });

  it("lists card gaps an auditor cares about", () => {
    expect(cardGaps({})).toEqual(["a valid model card"]);
    const card = { task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["a", "b"], intendedUse: "x", outOfScopeUse: "y", riskTier: "high", owner: "o", trainingMethod: { kind: "standard" } };
    expect(cardGaps(card)).toEqual(["known limitations", "a link to the training dataset"]);
    expect(cardGaps({ ...card, knownLimitations: "small data", trainingDatasetVersionId: "dv" })).toEqual([]);
  });
});

describe("runTasks", () => {
  // Tasks that record when they start and finish, each finishing after the others had a turn.
  const recorder = () => {
    const log: string[] = [];
    const task = <T,>(name: string, value: T) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setImmediate(r));
      log.push(`end ${name}`);
      return value;
    };
    return { log, task };
  };

  it("answers the same results in the same order together and one at a time", async () => {
    for (const oneAtATime of [false, true]) {
      const { task } = recorder();
      const [a, b, c] = await runTasks([task("a", 1), task("b", "two"), task("c", { three: 3 })] as const, oneAtATime);
      expect([a, b, c]).toEqual([1, "two", { three: 3 }]);
    }
  });

  it("starts a task only after the one before it finished when asked to run them one at a time", async () => {
    const { log, task } = recorder();
    await runTasks([task("a", 1), task("b", 2)] as const, true);
    expect(log).toEqual(["start a", "end a", "start b", "end b"]);
  });

  it("starts every task at once by default", async () => {
    const { log, task } = recorder();
    await runTasks([task("a", 1), task("b", 2)] as const);
    expect(log.slice(0, 2)).toEqual(["start a", "start b"]);
  });

  it("passes a failure on", async () => {
    await expect(runTasks([async () => 1, async () => { throw new Error("boom"); }] as const, true)).rejects.toThrow("boom");
  });
});
