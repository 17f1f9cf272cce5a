import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initEngineBackend } from "./backend";
import { runShard } from "./shard";
import { beyondMetrics } from "./beyond";
import { calibrationSummary } from "./calibration";
import { AttackSuiteSchema } from "./suite";
import { tinyCnn, tinyProblem } from "./testing";

beforeAll(async () => {
  await initEngineBackend("cpu");
});

const { shape, k, card, samples } = tinyProblem(24, 4);
const suite = AttackSuiteSchema.parse({
  seed: 2, sanityCheck: false,
  epsilons: { linf: [0.05, 0.3], l2: [] },
  attacks: [{ kind: "pgd", steps: 5 }],
  corruptions: { kinds: ["gaussian-noise", "rotation", "jpeg"], severities: [1, 3, 5] },
  ood: { samples: 12 },
});

describe("calibration, corruptions and OOD through runShard", () => {
  it("records them per example, independent of the shard split, and aggregates them", async () => {
    const { model } = tinyCnn(shape, k, 1);
    const whole = await runShard({ model, card, samples, suite, ood: { indices: Array.from({ length: 12 }, (_, i) => i) } });
    const half = (a: number, b: number) => ({ x: samples.x.subarray(a * 64, b * 64), labels: samples.labels.subarray(a, b), indices: samples.indices.slice(a, b), shape: [b - a, ...shape] });
    const p1 = await runShard({ model, card, samples: half(0, 10), suite, batchSize: 4, ood: { indices: [0, 2, 4, 6, 8, 10] } });
    const p2 = await runShard({ model, card, samples: half(10, 24), suite, batchSize: 5, ood: { indices: [1, 3, 5, 7, 9, 11] } });
    const parts = [...p1.records, ...p2.records];
    for (const [i, r] of whole.records.entries()) {
      expect(parts[i].corruptions).toEqual(r.corruptions);
      expect(parts[i].cleanBrier).toBeCloseTo(r.cleanBrier!, 5);
    }
    const m = beyondMetrics(whole.records, suite, whole.ood!);
    const split = beyondMetrics(parts, suite, [...p2.ood!, ...p1.ood!]);
    expect(split.corruptions).toEqual(m.corruptions);
    expect(split.ood!.scores[0].auroc).toBeCloseTo(m.ood!.scores[0].auroc, 6);

    // calibration: clean row = the summary of the records' own confidences
    const direct = calibrationSummary({ confidence: whole.records.map((r) => r.cleanConf), correct: whole.records.map((r) => r.cleanCorrect) });
    expect(m.calibration!.clean.ece).toBeCloseTo(direct.ece, 12);
    expect(m.calibration!.clean.nll).toBeCloseTo(whole.records.reduce((s, r) => s + r.cleanLoss, 0) / 24, 6);
    expect(m.calibration!.underAttack.map((u) => [u.attack, u.eps])).toEqual([["pgd-linf-5x1", 0.05], ["pgd-linf-5x1", 0.3]]);
    // attacked inputs are less accurate, so the Brier score gets worse
    expect(m.calibration!.underAttack[1].brier!).toBeGreaterThan(m.calibration!.clean.brier!);

    // corruptions: 3 kinds x 3 severities; the gallery holds the first example under each
    expect(m.corruptions!.rows.map((r) => r.corruption)).toEqual(["gaussian-noise", "rotation", "jpeg"]);
    expect(m.corruptions!.rows[0].params).toEqual([0.08, 0.18, 0.38]);
    expect(m.corruptions!.rows.every((r) => r.accuracy.length === 3)).toBe(true);
    expect(whole.corruptionGallery!.items).toHaveLength(9);
    expect(whole.corruptionGallery!.index).toBe(0);
    expect(m.ood!.oodExamples).toBe(12);
    model.dispose();
  });

  it("OOD inputs drawn from the in-distribution samples themselves give AUROC 0.5; a one-model split changes nothing", async () => {
    const { model } = tinyCnn(shape, k, 1);
    const before = tf.memory().numTensors;
    const res = await runShard({ model, card, samples, suite: { ...suite, corruptions: undefined }, ood: { indices: samples.indices, x: samples.x } });
    expect(tf.memory().numTensors).toBe(before);
    const m = beyondMetrics(res.records, AttackSuiteSchema.parse({ ...suite, corruptions: undefined }), res.ood!);
    for (const s of m.ood!.scores) expect(s.auroc).toBeCloseTo(0.5, 5);
    expect(m.corruptions).toBeNull();
    model.dispose();
  });

  it("records written before these fields still aggregate (no Brier, no corruptions, no energy)", async () => {
    const { model } = tinyCnn(shape, k, 1);
    const res = await runShard({ model, card, samples, suite });
    const old = res.records.map(({ cleanBrier: _b, cleanEnergy: _e, corruptions: _c, ...r }) => ({ ...r, attacks: r.attacks.map(({ brier: _x, ...a }) => a) }));
    const m = beyondMetrics(old, suite, null);
    expect(m.calibration!.clean.brier).toBeNull();
    expect(m.calibration!.clean.ece).toBeGreaterThanOrEqual(0);
    expect(m.corruptions).toBeNull();
    expect(m.ood).toBeNull();
    model.dispose();
  });
});
