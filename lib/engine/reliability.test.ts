import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { runShard } from "./shard";
import { aggregateRecords } from "./aggregate";
import { assessReliability } from "./reliability";
import { AttackSuiteSchema } from "./suite";
import { modelFromLogitsFunction } from "./model";
import { cardFor, linearModel, randomMatrix, syntheticSamples } from "./testing";
import type { AttackEntry, ExampleRecord } from "./shard";

beforeAll(async () => {
  await initEngineBackend("cpu");
});

const d = 20, k = 3;
const teacher = randomMatrix(d, k, 42, 1);
const samples = syntheticSamples(60, [d], k, 9, teacher);
const card = cardFor([d], k);
const suite = AttackSuiteSchema.parse({
  seed: 3,
  epsilons: { linf: [0.05, 0.1, 0.2], l2: [] },
  attacks: [
    { kind: "fgsm" },
    { kind: "pgd", steps: 10 },
    { kind: "square", queries: 150 },
    { kind: "noise", distribution: "uniform", draws: 3 },
  ],
});

describe("reliability checks", () => {
  it("a plain linear model is evaluated reliably", async () => {
    // logits = (x - 0.5) W: the teacher itself, so clean accuracy is 100% and gradients are informative
    const model = linearModel(teacher, [0, 0, 0].map((_, c) => -0.5 * teacher.reduce((s, row) => s + row[c], 0)), [d]);
    const res = await runShard({ model, card, samples, suite });
    const metrics = aggregateRecords(res.records, suite, card.classLabels);
    const report = assessReliability(res.records, suite, metrics);
    expect(metrics.cleanAccuracy).toBe(1);
    if (report.verdict !== "reliable") console.log(JSON.stringify(report.checks, null, 1));
    expect(report.checks.map((c) => [c.id, c.status])).toEqual(report.checks.map((c) => [c.id, "pass"]));
    expect(report.verdict).toBe("reliable");
    model.dispose();
  });

  it("a model with masked gradients (quantised input) is flagged unreliable, not robust", async () => {
    const base = linearModel(teacher, [0, 0, 0].map((_, c) => -0.5 * teacher.reduce((s, row) => s + row[c], 0)), [d]);
    // Rounding to 1/4 steps in front: the gradient of round() is zero, so gradient attacks cannot move.
    const masked = modelFromLogitsFunction((x) => tf.tidy(() => base.logits(tf.div(tf.round(tf.mul(x, 4)), 4))), {
      inputShape: [d], numClasses: k, dispose: () => base.dispose(),
    });
    const res = await runShard({ model: masked, card, samples, suite });
    const metrics = aggregateRecords(res.records, suite, card.classLabels);
    const report = assessReliability(res.records, suite, metrics);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(byId.gradients).toBe("fail");
    expect(byId["loss-increases"]).toBe("fail");
    expect(byId["black-box-vs-white-box"]).toBe("fail");
    expect(report.verdict).toBe("unreliable");
    expect(report.reasons.length).toBeGreaterThan(0);
    // and the worst case, which includes Square, is far below what PGD alone claims
    const pgd = metrics.attacks.find((a) => a.attack === "pgd-linf-10x1" && a.eps === 0.2)!.robustAccuracy;
    const wc = metrics.worstCase.find((w) => w.eps === 0.2)!.robustAccuracy;
    expect(wc).toBeLessThan(pgd);
    masked.dispose();
  });

  it("near-zero gradients warn only when FGSM's numbers reach the worst case", () => {
    const mk = (i: number, entries: [string, AttackEntry["family"], boolean][]): ExampleRecord => ({
      index: i, label: 0, cleanPred: 0, cleanConf: 0.9, cleanCorrect: true, cleanLoss: 0.1,
      gradient: { zeroFraction: 0, tinyFraction: 0.6, maxAbs: 1, nonFinite: false },
      attacks: entries.map(([attack, family, success]) => ({ attack, kind: family === "single-step" ? "fgsm" : "pgd", family, norm: "linf", eps: 0.1,
        advPred: success ? 1 : 0, advConf: 0.9, success, linf: 0.1, l2: 1, loss: 1, queries: 5, lossTrace: [0.1, 0.5] })),
    });
    const s1 = AttackSuiteSchema.parse({ sanityCheck: false, epsilons: { linf: [0.1] }, attacks: [{ kind: "fgsm" }, { kind: "pgd" }] });
    // PGD breaks everything FGSM breaks: FGSM is noisy but irrelevant to the worst case
    const dominated = Array.from({ length: 50 }, (_, i) => mk(i, [["fgsm-linf", "single-step", i < 10], ["pgd-linf-10x1", "iterative", i < 20]]));
    const g1 = assessReliability(dominated, s1).checks.find((c) => c.id === "gradients")!;
    expect(g1.status).toBe("pass");
    expect(g1.explanation).toMatch(/worst case comes from the iterative attacks/);
    // FGSM breaks examples PGD misses: its noisy numbers enter the worst case
    const matters = Array.from({ length: 50 }, (_, i) => mk(i, [["fgsm-linf", "single-step", i < 10], ["pgd-linf-10x1", "iterative", i >= 5 && i < 20]]));
    expect(assessReliability(matters, s1).checks.find((c) => c.id === "gradients")!.status).toBe("warn");
  });
});
