import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { AttackSuiteSchema } from "../suite";
import { runShard } from "../shard";
import { cardFor, contextFor, linearModel, syntheticSamples, tinyCnn } from "../testing";
import { noiseQueryAttack, squareQueryAttack, type BlackBoxBatch } from "./attacks";
import { hopSkipJump } from "./hsj";
import { modelOracle, type Oracle } from "./oracle";
import { assertQueryOnlySuite, runBlackBoxShard } from "./shard";

beforeAll(async () => {
  await initEngineBackend("wasm");
});

/** Wraps an oracle to count every row it is sent, independently of what the attack reports. */
function counted(o: Oracle): Oracle & { sent: number } {
  const c = { sent: 0, numClasses: o.numClasses, outputKind: o.outputKind, query: (x: Float32Array, rows: number) => ((c.sent += rows), o.query(x, rows)) };
  return c;
}

async function labelsOf(model: { logits(x: tf.Tensor): tf.Tensor2D }, x: Float32Array, shape: number[]) {
  const z = model.logits(tf.tensor(x, [x.length / shape.reduce((a, b) => a * b, 1), ...shape]));
  const l = Array.from(await z.argMax(1).data());
  z.dispose();
  return l;
}

function setup(seed = 7) {
  const shape = [12, 12, 1];
  const { model } = tinyCnn([12, 12, 1], 3, seed);
  const card = cardFor(shape, 3);
  const s = syntheticSamples(12, shape, 3, 4);
  return { model, card, shape, s, ctx: contextFor(model, card) };
}

describe("Square attack through an oracle", () => {
  for (const norm of ["linf", "l2"] as const) {
    it(`${norm}: stays in the budget and the range, never exceeds the query budget, and its claims hold`, async () => {
      const { model, shape, s, ctx } = setup();
      const pred = Int32Array.from(await labelsOf(model, s.x, shape));
      const eps = norm === "linf" ? 0.15 : 1.5;
      const oracle = counted(modelOracle(ctx));
      const b: BlackBoxBatch = { oracle, x: s.x, labels: pred, indices: s.indices, shape, range: { min: 0, max: 1 }, eps, seed: 1, stream: "sq" };
      const out = await squareQueryAttack(b, { norm, queries: 200, pInit: 0.8 });
      expect(oracle.sent).toBe(out.queries.reduce((a, v) => a + v, 0));
      for (const q of out.queries) expect(q).toBeLessThanOrEqual(200);
      const d = 144;
      for (let i = 0; i < pred.length; i++) {
        let linf = 0, l2 = 0;
        for (let j = 0; j < d; j++) {
          const v = out.xAdv[i * d + j];
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
          linf = Math.max(linf, Math.abs(v - s.x[i * d + j]));
          l2 += (v - s.x[i * d + j]) ** 2;
        }
        if (norm === "linf") expect(linf).toBeLessThanOrEqual(eps * (1 + 1e-6));
        else expect(Math.sqrt(l2)).toBeLessThanOrEqual(eps * (1 + 1e-5));
      }
      // What the attack says the model answered is what the model answers.
      expect(await labelsOf(model, out.xAdv, shape)).toEqual(Array.from(out.pred));
      const broken = Array.from(out.pred).filter((p, i) => p !== pred[i]).length;
      const noise = await noiseQueryAttack({ ...b, oracle: modelOracle(ctx), stream: "n" }, { norm, distribution: "uniform", draws: 3 });
      const noiseBroken = Array.from(noise.pred).filter((p, i) => p !== pred[i]).length;
      expect(broken).toBeGreaterThan(noiseBroken);
      model.dispose();
    });
  }

  it("refuses a label-only model", async () => {
    const { model, shape, s, ctx } = setup();
    await expect(
      squareQueryAttack({ oracle: modelOracle(ctx, { labelOnly: true }), x: s.x, labels: s.labels, indices: s.indices, shape, range: { min: 0, max: 1 }, eps: 0.1, seed: 1, stream: "x" }, { norm: "linf", queries: 10, pInit: 0.8 }),
    ).rejects.toThrow(/labels only/);
    model.dispose();
  });
});

describe("HopSkipJump (labels only)", () => {
  it("L2 on a linear model: the distance found approaches the true distance to the boundary, within the budget", async () => {
    // Two classes, logits = x·W: the boundary is the hyperplane (w1 - w0)·x = 0; its L2 distance is known.
    const d = 16;
    const w0 = Array.from({ length: d }, (_, j) => (j % 3) - 1);
    const w1 = Array.from({ length: d }, (_, j) => ((j * 7) % 5) / 2 - 1);
    const model = linearModel(Array.from({ length: d }, (_, j) => [w0[j], w1[j]]), [0, 0.1], [d]);
    const card = cardFor([d], 2, { min: -10, max: 10 });
    const ctx = contextFor(model, card);
    const x = new Float32Array(4 * d);
    for (let i = 0; i < 4; i++) for (let j = 0; j < d; j++) x[i * d + j] = Math.sin(i * 3 + j) * 0.8;
    const labels = Int32Array.from(await labelsOf(model, x, [d]));
    const oracle = counted(modelOracle(ctx, { labelOnly: true }));
    const out = await hopSkipJump({ oracle, x, labels, indices: [0, 1, 2, 3], shape: [d], range: card.inputRange, eps: 100, seed: 3, stream: "h" }, { norm: "l2", queries: 600 });
    expect(oracle.sent).toBe(out.queries.reduce((a, v) => a + v, 0));
    const wd = w1.map((v, j) => v - w0[j]);
    const wn = Math.sqrt(wd.reduce((a, v) => a + v * v, 0));
    for (let i = 0; i < 4; i++) {
      expect(out.queries[i]).toBeLessThanOrEqual(600);
      const margin = Math.abs(wd.reduce((a, v, j) => a + v * x[i * d + j], 0.1));
      const truth = margin / wn;
      expect(out.distance![i]).toBeGreaterThanOrEqual(truth * (1 - 1e-3));
      expect(out.distance![i]).toBeLessThan(truth * 1.1);
    }
    // Every claimed success is misclassified by the model itself.
    expect(await labelsOf(model, out.xAdv, [d])).toEqual(Array.from(out.pred));
    model.dispose();
  });

  it("Linf on a CNN: breaks an example only within eps, and the claim holds", async () => {
    const { model, shape, s, ctx } = setup();
    const pred = Int32Array.from(await labelsOf(model, s.x, shape));
    const eps = 0.2;
    const out = await hopSkipJump({ oracle: modelOracle(ctx, { labelOnly: true }), x: s.x, labels: pred, indices: s.indices, shape, range: { min: 0, max: 1 }, eps, seed: 2, stream: "h" }, { norm: "linf", queries: 300 });
    const after = await labelsOf(model, out.xAdv, shape);
    expect(after).toEqual(Array.from(out.pred));
    for (let i = 0; i < pred.length; i++) {
      expect(out.queries[i]).toBeLessThanOrEqual(300);
      if (out.pred[i] !== pred[i]) expect(out.distance![i]).toBeLessThanOrEqual(eps * (1 + 1e-6));
      else expect(out.distance![i] > eps || !Number.isFinite(out.distance![i])).toBe(true);
    }
    expect(Array.from(out.pred).filter((p, i) => p !== pred[i]).length).toBeGreaterThan(0);
    model.dispose();
  });
});

describe("runBlackBoxShard", () => {
  it("gives records like the white-box engine's, with the queries sent, and matches it on the same attack", async () => {
    const { model, card, s, ctx } = setup();
    const suite = AttackSuiteSchema.parse({
      sanityCheck: false, sampleCount: 12, seed: 5, epsilons: { linf: [0.05, 0.15], l2: [] },
      attacks: [{ kind: "square", norm: "linf", queries: 100 }, { kind: "noise", norm: "linf", distribution: "uniform", draws: 2 }],
    });
    const oracle = counted(modelOracle(ctx));
    const bb = await runBlackBoxShard({ oracle, card, samples: s, suite });
    expect(bb.records).toHaveLength(12);
    expect(bb.records.every((r) => r.gradient === undefined && r.attacks.length === 4)).toBe(true);
    const sentByAttacks = bb.records.flatMap((r) => r.attacks).reduce((a, e) => a + e.queries, 0);
    const replayed = bb.records.flatMap((r) => r.attacks).filter((e) => e.replay).length;
    expect(replayed).toBe(bb.records.flatMap((r) => r.attacks).filter((e) => e.success && !e.skipped).length);
    // the clean pass, exactly what the records say, and one replay query per break
    expect(oracle.sent).toBe(12 + sentByAttacks + replayed);
    // The white-box engine's noise baseline draws the same noise (same seed and streams): identical outcomes.
    const wb = await runShard({ model, card, samples: s, suite: { ...suite, attacks: [suite.attacks[1]] } });
    const noiseOf = (r: { attacks: { attack: string; success: boolean }[] }) => r.attacks.filter((a) => a.attack.startsWith("noise")).map((a) => a.success);
    expect(bb.records.map(noiseOf)).toEqual(wb.records.map(noiseOf));
    model.dispose();
  });

  it("refuses what an endpoint cannot run, naming the attacks", () => {
    const base = { sampleCount: 10, epsilons: { linf: [0.1], l2: [] } };
    expect(() => assertQueryOnlySuite(AttackSuiteSchema.parse({ ...base, sanityCheck: false, attacks: [{ kind: "pgd" }, { kind: "fgsm" }] }), "scores")).toThrow(/pgd-linf-10x1, fgsm-linf need gradients/);
    expect(() => assertQueryOnlySuite(AttackSuiteSchema.parse({ ...base, attacks: [{ kind: "square" }] }), "scores")).toThrow(/sanity check/);
    expect(() => assertQueryOnlySuite(AttackSuiteSchema.parse({ ...base, sanityCheck: false, attacks: [{ kind: "square" }] }), "label")).toThrow(/labels only/);
    expect(() => assertQueryOnlySuite(AttackSuiteSchema.parse({ ...base, sanityCheck: false, attacks: [{ kind: "hop-skip-jump" }] }), "label")).not.toThrow();
  });
});
