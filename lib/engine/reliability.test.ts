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

  it("a model fed inputs on the wrong scale (its own Rescaling(1/255) on 0..1 data) is unreliable, whatever the attacks say", async () => {
    const base = linearModel(teacher, [0, 0, 0].map((_, c) => -0.5 * teacher.reduce((s, row) => s + row[c], 0)), [d]);
    const misScaled = modelFromLogitsFunction((x) => tf.tidy(() => base.logits(tf.div(x, 255))), { inputShape: [d], numClasses: k, dispose: () => base.dispose() });
    const res = await runShard({ model: misScaled, card, samples, suite });
    const metrics = aggregateRecords(res.records, suite, card.classLabels);
    const report = assessReliability(res.records, suite, metrics, card.classLabels);
    const check = report.checks.find((c) => c.id === "clean-accuracy")!;
    // Every input collapses to about the same point: one class for all, about a third right.
    expect(metrics.cleanAccuracy).toBeLessThan(0.5);
    expect(check.status).toBe("fail");
    expect(check.explanation).toMatch(/cannot be told apart from chance .*preprocessing mismatch/);
    expect(report.verdict).toBe("unreliable");
    expect(report.reasons[0]).toMatch(/^Clean accuracy is clearly above chance/);
    // The same model correctly scaled passes the check; a card stating 99% while 60% is measured does not.
    const cheap = AttackSuiteSchema.parse({ sanityCheck: false, epsilons: { linf: [0.05] }, attacks: [{ kind: "noise", distribution: "uniform", draws: 1 }] });
    const good = await runShard({ model: base, card, samples, suite: cheap });
    const cleanCheck = (records: ExampleRecord[], stated?: number) =>
      assessReliability(records, cheap, aggregateRecords(records, cheap, card.classLabels), card.classLabels, { statedAccuracy: stated }).checks.find((c) => c.id === "clean-accuracy")!.status;
    expect(cleanCheck(good.records)).toBe("pass");
    // Chance here is 43.3% (the largest class: 26 of the 60 samples), not a third.
    const wrongFirst = (n: number) => good.records.map((r, i) => (i < n ? { ...r, cleanCorrect: false } : r));
    expect(cleanCheck(wrongFirst(30))).toBe("fail"); // 50%: interval 37.7%–62.3% reaches 43.3%
    // 35 of 60 (interval 45.7%–69.9%): above chance, but far below a stated 99% (under 43.3% + half the margin = 71.2%).
    expect(cleanCheck(wrongFirst(25))).toBe("pass");
    expect(cleanCheck(wrongFirst(25), 0.99)).toBe("fail");
    // 45 of 60 (interval 62.7%–84.2%): more than 10 points short of 99%, within half the margin: a warning.
    expect(cleanCheck(wrongFirst(15), 0.99)).toBe("warn");
    misScaled.dispose();
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

  it("says at which Linf budget FGSM is dominated by zero and near-zero gradient entries", () => {
    // Per example: 40% of entries exactly zero (they do not move), `tiny` of all entries near zero (noise sign).
    const mk = (i: number, tiny: number, outcomes: { eps: number; fgsm: boolean; pgd: boolean }[]): ExampleRecord => ({
      index: i, label: 0, cleanPred: 0, cleanConf: 0.99, cleanCorrect: true, cleanLoss: 0.01,
      gradient: { zeroFraction: 0.4, tinyFraction: tiny, maxAbs: 1, nonFinite: false },
      attacks: outcomes.flatMap(({ eps, fgsm, pgd }) => ([["fgsm-linf", "single-step", fgsm], ["pgd-linf-10x1", "iterative", pgd]] as const).map(([attack, family, success]) => ({
        attack, kind: family === "single-step" ? "fgsm" as const : "pgd" as const, family, norm: "linf" as const, eps,
        advPred: success ? 1 : 0, advConf: 0.9, success, linf: eps, l2: 1, loss: 1, queries: 5, lossTrace: [0.1, 0.5] }))),
    });
    const s2 = AttackSuiteSchema.parse({ sanityCheck: false, epsilons: { linf: [0.1, 0.3] }, attacks: [{ kind: "fgsm" }, { kind: "pgd" }] });
    // At eps 0.3 FGSM alone breaks examples 0-5; at 0.1 PGD breaks everything FGSM breaks.
    const outcomes = (i: number) => [{ eps: 0.1, fgsm: i < 3, pgd: i < 10 }, { eps: 0.3, fgsm: i < 20, pgd: i >= 6 && i < 20 }];
    // 0.35 of entries near zero out of 0.6 moved: 58% of the step is noise.
    const noisy = Array.from({ length: 60 }, (_, i) => mk(i, 0.35, outcomes(i)));
    const g = assessReliability(noisy, s2).checks.find((c) => c.id === "gradients")!;
    expect(g.status).toBe("warn");
    expect(g.explanation).toMatch(/40\.0% of gradient entries are exactly zero and 35\.0% non-zero but below 1e-6/);
    expect(g.explanation).toMatch(/FGSM decides 0 of 60 at eps 0\.1 \(0 dominated by near-zero entries\), 6 of 60 at eps 0\.3 \(6 dominated/);
    expect(g.explanation).toMatch(/dominated by the sign of rounding noise at Linf eps 0\.3,/);
    expect(g.explanation).not.toMatch(/at Linf eps 0\.1/);
    // The same outcomes with a gradient that is mostly signal (10% of 60% moved is noise): no warning.
    const clean = Array.from({ length: 60 }, (_, i) => mk(i, 0.1, outcomes(i)));
    expect(assessReliability(clean, s2).checks.find((c) => c.id === "gradients")!.status).toBe("pass");
    // FGSM alone at a budget (no iterative attack there): every example's FGSM outcome is the worst case.
    const s3 = AttackSuiteSchema.parse({ sanityCheck: false, epsilons: { linf: [0.1] }, attacks: [{ kind: "fgsm" }] });
    const alone = Array.from({ length: 60 }, (_, i) => ({ ...mk(i, 0.35, []), attacks: mk(i, 0.35, [{ eps: 0.1, fgsm: i < 30, pgd: false }]).attacks.filter((a) => a.family === "single-step") }));
    const g3 = assessReliability(alone, s3).checks.find((c) => c.id === "gradients")!;
    expect(g3.status).toBe("warn");
    expect(g3.explanation).toMatch(/FGSM decides 60 of 60 at eps 0\.1 \(60 dominated/);
  });
});
