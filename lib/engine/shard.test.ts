import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { pickGalleryItems, runShard, ShardCancelledError, type ShardResult } from "./shard";
import { aggregateRecords } from "./aggregate";
import { AttackSuiteSchema } from "./suite";
import { cardFor, engineTestBackends, linearModel, randomMatrix, syntheticSamples, tinyCnn } from "./testing";

const suite = AttackSuiteSchema.parse({
  seed: 11, sampleCount: 21,
  epsilons: { linf: [0.05, 0.1], l2: [0.5] },
  attacks: [
    { kind: "fgsm", norm: "linf" },
    { kind: "pgd", norm: "linf", steps: 4, restarts: 2 },
    { kind: "pgd", norm: "l2", steps: 3, restarts: 1 },
    { kind: "apgd-ce", norm: "linf", steps: 5 },
    { kind: "apgd-dlr-t", norm: "linf", steps: 4, targets: 2 },
    { kind: "square", norm: "linf", queries: 15 },
    { kind: "noise", norm: "linf", distribution: "gaussian", draws: 2 },
    { kind: "noise", norm: "l2", distribution: "uniform", draws: 2 },
  ],
});

function split(samples: ReturnType<typeof syntheticSamples>, parts: number) {
  const n = samples.labels.length;
  const d = samples.x.length / n;
  const out = [];
  for (let p = 0; p < parts; p++) {
    const a = Math.floor((p * n) / parts), b = Math.floor(((p + 1) * n) / parts);
    out.push({ x: samples.x.slice(a * d, b * d), shape: [b - a, ...samples.shape.slice(1)], labels: samples.labels.slice(a, b), indices: samples.indices.slice(a, b) });
  }
  return out;
}

/** Same structure, booleans, strings and integers; other numbers equal within `tol` relative or absolute. */
function expectNearlyEqual(a: unknown, b: unknown, tol: number, path = "$"): void {
  if (typeof a === "number" && typeof b === "number" && !(Number.isInteger(a) && Number.isInteger(b))) {
    if (Math.abs(a - b) > tol * Math.max(1, Math.abs(a), Math.abs(b))) expect.fail(`${path}: ${a} vs ${b}`);
  } else if (a && b && typeof a === "object" && typeof b === "object") {
    expect(Object.keys(b as object), path).toEqual(Object.keys(a as object));
    for (const k of Object.keys(a as object)) expectNearlyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
  } else {
    expect(b, path).toEqual(a);
  }
}

for (const backend of await engineTestBackends()) {
  describe(`shards on ${backend}`, () => {
    let cnn: ReturnType<typeof tinyCnn>;
    beforeAll(async () => {
      await initEngineBackend(backend);
      cnn = tinyCnn([8, 8, 1], 4, 3);
    });
    afterAll(() => cnn.model.dispose());
    const card = cardFor([8, 8, 1], 4);
    const samples = syntheticSamples(21, [8, 8, 1], 4, 17);

    it("1 shard and 7 shards (other batch sizes) give identical records and metrics", async () => {
      const whole = await runShard({ model: cnn.model, card, samples, suite, batchSize: 16 });
      const parts: ShardResult[] = [];
      for (const s of split(samples, 7)) parts.push(await runShard({ model: cnn.model, card, samples: s, suite, batchSize: 2 }));
      const merged = parts.flatMap((p) => p.records);
      // Native TensorFlow's kernels sum in a batch-size-dependent order: confidences and losses may differ
      // in the last float32 bit (measured: ≤ 1.2e-7 relative; perturbations, differences of inputs in [0, 1],
      // by ~6e-8 absolute), never a prediction or a success flag.
      const same = backend === "tensorflow" ? (a: unknown, b: unknown) => expectNearlyEqual(a, b, 1e-6) : (a: unknown, b: unknown) => expect(a).toEqual(b);
      same(merged, whole.records);
      same(aggregateRecords(merged, suite, card.classLabels), aggregateRecords(whole.records, suite, card.classLabels));
      // the attacks did something: not all robust, not all broken
      const m = aggregateRecords(whole.records, suite, card.classLabels);
      expect(m.cleanCorrect).toBeGreaterThan(0);
      same(pickGalleryItems(parts, 3), pickGalleryItems([whole], 3));
      // gallery items are broken examples inside their budget; the whole result survives JSON unchanged
      const items = pickGalleryItems([whole], 3);
      expect(items.length).toBeGreaterThan(0);
      for (const g of items) {
        expect(g.advPred).not.toBe(g.label);
        const bound = g.norm === "linf" ? Math.max(...g.perturbation.map(Math.abs)) : Math.hypot(...g.perturbation);
        expect(bound).toBeLessThanOrEqual(g.eps * (1 + 1e-5));
      }
      expect(JSON.parse(JSON.stringify(whole))).toEqual(whole);
    });

    it("same seed twice gives identical numbers; another seed changes random attacks", async () => {
      const a = await runShard({ model: cnn.model, card, samples, suite, batchSize: 8 });
      const b = await runShard({ model: cnn.model, card, samples, suite, batchSize: 8 });
      expect(b.records).toEqual(a.records);
      const c = await runShard({ model: cnn.model, card, samples, suite, seed: 12, batchSize: 8 });
      const noiseA = a.records.flatMap((r) => r.attacks.filter((e) => e.family === "noise" && !e.skipped).map((e) => e.l2));
      const noiseC = c.records.flatMap((r) => r.attacks.filter((e) => e.family === "noise" && !e.skipped).map((e) => e.l2));
      expect(noiseC).not.toEqual(noiseA);
    });
  });
}

describe("shard bookkeeping", () => {
  beforeAll(async () => {
    await initEngineBackend("cpu");
  });

  it("memory stays flat across 10,000 samples", async () => {
    const d = 6;
    const model = linearModel(randomMatrix(d, 3, 4), [0, 0, 0], [d]);
    const card = cardFor([d], 3);
    const samples = syntheticSamples(10_000, [d], 3, 5);
    const small = AttackSuiteSchema.parse({
      epsilons: { linf: [0.05], l2: [] }, sanityCheck: true,
      attacks: [{ kind: "fgsm" }, { kind: "pgd", steps: 3 }, { kind: "apgd-ce", steps: 3 }, { kind: "square", queries: 3 }, { kind: "noise", distribution: "uniform", draws: 1 }],
    });
    // warm-up so kernels and any lazily created backend state exist before counting
    await runShard({ model, card, samples: { ...samples, x: samples.x.slice(0, 10 * d), labels: samples.labels.slice(0, 10), indices: samples.indices.slice(0, 10), shape: [10, d] }, suite: small });
    const before = tf.memory().numTensors;
    let progress = 0;
    const res = await runShard({ model, card, samples, suite: small, batchSize: 512, galleryLimit: 2, onProgress: (done, total) => { progress = done / total; } });
    expect(res.records.length).toBe(10_000);
    expect(progress).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("cancels between batches and rejects bad inputs with clear messages", async () => {
    const model = linearModel(randomMatrix(4, 2, 1), [0, 0], [4]);
    const card = cardFor([4], 2);
    const samples = syntheticSamples(20, [4], 2, 1);
    const small = AttackSuiteSchema.parse({ epsilons: { linf: [0.1], l2: [] }, attacks: [{ kind: "fgsm" }] });
    let calls = 0;
    await expect(runShard({ model, card, samples, suite: small, batchSize: 5, shouldCancel: () => ++calls > 3 })).rejects.toBeInstanceOf(ShardCancelledError);
    const bad = Float32Array.from(samples.x);
    bad[5] = 1.5;
    await expect(runShard({ model, card, samples: { ...samples, x: bad }, suite: small })).rejects.toThrow(/outside the card's range/);
    await expect(runShard({ model, card: cardFor([4], 3), samples, suite: small })).rejects.toThrow(/3 labels/);
    model.dispose();
  });
});
