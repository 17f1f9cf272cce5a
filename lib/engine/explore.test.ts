import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { startBrowserBackend } from "./browser-backend";
import { exploreAttack, type ExploreAttack } from "./explore";
import { loadModelFromFiles, type LoadedModel } from "./model";
import { runShard } from "./shard";
import type { EngineCard } from "./card";
import { loadDemoEvalSplit, MNIST_PIXELS } from "../demo/mnist";

// The explorer's code path (exploreAttack, one example at a time, as the browser runs it) against the worker's
// (runShard over a batch) on the cpu backend: same demo model, digits, attack, budget and seed must give the same
// adversarial example, bit for bit.

const dir = new URL("../../demo/models/digits-cnn-v1/", import.meta.url);
const card: EngineCard = { inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, preprocessing: "none", classLabels: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] };
// Dataset indices (not 0..n-1): randomness is keyed by them, so the explorer must be handed the same one.
const picks = [3, 11, 27, 58];
const seed = 7;
let model: LoadedModel;
let x: Float32Array;
let labels: Int32Array;

beforeAll(async () => {
  await initEngineBackend("cpu");
  model = await loadModelFromFiles({ modelJson: readFileSync(new URL("model.json", dir)), weights: { "weights.bin": readFileSync(new URL("weights.bin", dir)) } });
  const digits = loadDemoEvalSplit();
  x = new Float32Array(picks.length * MNIST_PIXELS);
  picks.forEach((p, i) => x.set(digits.images.subarray(p * MNIST_PIXELS, (p + 1) * MNIST_PIXELS), i * MNIST_PIXELS));
  labels = Int32Array.from(picks, (p) => digits.labels[p]);
});

const cases: { name: string; attack: ExploreAttack; eps: number }[] = [
  { name: "FGSM L∞", attack: { kind: "fgsm", norm: "linf", targeted: false }, eps: 0.1 },
  { name: "PGD L∞ (random start)", attack: { kind: "pgd", norm: "linf", steps: 6, restarts: 1, randomStart: true }, eps: 0.1 },
  { name: "PGD L2 (random start, 2 restarts)", attack: { kind: "pgd", norm: "l2", steps: 4, restarts: 2, randomStart: true }, eps: 1.5 },
];

describe("explorer and worker produce the same adversarial examples (cpu backend)", () => {
  it.each(cases)("$name", async ({ attack, eps }) => {
    const worker = await runShard({
      model, card, seed, batchSize: picks.length, galleryLimit: picks.length,
      samples: { x, shape: [picks.length, 28, 28, 1], labels, indices: picks },
      suite: { attacks: [attack], epsilons: { [attack.norm]: [eps] }, sanityCheck: false },
    });
    // The browser module selects the same backend the test runs on.
    expect((await startBrowserBackend("cpu")).backend).toBe("cpu");
    let broken = 0, compared = 0;
    for (let i = 0; i < picks.length; i++) {
      const rec = worker.records[i];
      if (!rec.cleanCorrect) continue;
      const steps: number[] = [];
      const mine = await exploreAttack({ model, card, x: x.slice(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), label: labels[i], index: picks[i], attack, eps, seed, onIterate: (_r, _k, l) => steps.push(l) });
      const e = rec.attacks[0];
      compared++;
      expect(mine.cleanPred).toBe(rec.cleanPred);
      expect(mine.advPred).toBe(e.advPred);
      expect(mine.success).toBe(e.success);
      // Exact equality: the loss, norms and loss trace are functions of the adversarial input.
      expect(mine.loss).toBe(e.loss);
      expect(mine.linf).toBe(e.linf);
      expect(mine.l2).toBe(e.l2);
      expect(mine.queries).toBe(e.queries);
      expect(mine.lossTrace).toEqual(e.lossTrace);
      if (attack.kind === "pgd") expect(steps.length).toBe(e.queries);
      if (e.success) {
        broken++;
        // The worker keeps the pixels of its breaks (gallery): the very same floats.
        const g = worker.gallery.find((it) => it.index === picks[i])!;
        expect(Array.from(mine.xAdv)).toEqual(g.adversarial);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(3);
    expect(broken).toBeGreaterThanOrEqual(1);
    // A different seed moves a random start: the match above is not a coincidence of a seed-free attack.
    if (attack.kind === "pgd") {
      const i = worker.records.findIndex((r) => r.cleanCorrect && !r.attacks[0].success);
      if (i >= 0) {
        const other = await exploreAttack({ model, card, x: x.slice(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), label: labels[i], index: picks[i], attack, eps, seed: seed + 1 });
        expect(other.loss).not.toBe(worker.records[i].attacks[0].loss);
      }
    }
    expect(tf.getBackend()).toBe("cpu");
  }, 60_000);

  it("refuses an input that does not fit the card, naming the problem", async () => {
    await expect(exploreAttack({ model, card, x: new Float32Array(10), label: 0, index: 0, attack: cases[0].attack, eps: 0.1, seed })).rejects.toThrow(/x has 10 values; one input of shape \[28,28,1\] needs 784/);
    await expect(exploreAttack({ model, card, x: new Float32Array(784).fill(2), label: 0, index: 0, attack: cases[0].attack, eps: 0.1, seed })).rejects.toThrow(/outside the card's range 0..1/);
    await expect(exploreAttack({ model, card, x: new Float32Array(784), label: 12, index: 0, attack: cases[0].attack, eps: 0.1, seed })).rejects.toThrow(/label 12 is not a class index/);
  });
});
