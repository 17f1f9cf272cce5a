import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { fgsmAttack } from "./fgsm";
import { cardFor, contextFor, linearModel, randomMatrix } from "../testing";

beforeAll(async () => {
  await initEngineBackend("cpu");
});

/** Analytic input gradient of CE for logits = xW + b: W (softmax(z) - onehot(y)). */
function analyticGrad(w: number[][], b: number[], x: number[], y: number): number[] {
  const z = b.map((bc, c) => bc + x.reduce((s, xi, i) => s + xi * w[i][c], 0));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  const p = e.map((v) => v / s);
  return x.map((_, i) => w[i].reduce((acc, wic, c) => acc + wic * (p[c] - (c === y ? 1 : 0)), 0));
}

describe("FGSM on a linear model", () => {
  const d = 12, k = 3;
  const w = randomMatrix(d, k, 7);
  const b = [0.1, -0.2, 0.05];
  const xs = [Array.from({ length: d }, (_, i) => 0.3 + 0.4 * ((i * 37) % 11) / 11), Array.from({ length: d }, (_, i) => 0.5 + 0.02 * i)];
  const labels = Int32Array.from([0, 2]);

  it("moves every coordinate by exactly eps * sign(analytic gradient)", async () => {
    const model = linearModel(w, b, [d]);
    const card = cardFor([d], k);
    const x = tf.tensor2d(xs);
    const eps = 0.1;
    const out = await fgsmAttack({ ctx: contextFor(model, card), x, labels, indices: [0, 1], eps, seed: 1, stream: "t" }, { norm: "linf", targeted: false });
    const adv = (await out.xAdv.array()) as number[][];
    xs.forEach((row, n) => {
      const g = analyticGrad(w, b, row, labels[n]);
      row.forEach((v, i) => {
        // inputs lie in [0.3, 0.74], so x +- 0.1 stays inside [0, 1]: no clipping
        expect(adv[n][i] - v).toBeCloseTo(eps * Math.sign(g[i]), 6);
        expect(Math.abs(adv[n][i] - v)).toBeLessThanOrEqual(eps + 1e-7);
      });
    });
    out.xAdv.dispose(); x.dispose(); model.dispose();
  });

  it("targeted FGSM steps against the gradient of the target's loss", async () => {
    const model = linearModel(w, b, [d]);
    const card = cardFor([d], k);
    const x = tf.tensor2d(xs);
    const out = await fgsmAttack({ ctx: contextFor(model, card), x, labels, indices: [0, 1], eps: 0.05, seed: 1, stream: "t" }, { norm: "linf", targeted: true });
    const adv = (await out.xAdv.array()) as number[][];
    xs.forEach((row, n) => {
      const t = out.targets![n];
      expect(t).not.toBe(labels[n]);
      const g = analyticGrad(w, b, row, t);
      row.forEach((v, i) => expect(adv[n][i] - v).toBeCloseTo(-0.05 * Math.sign(g[i]), 6));
    });
    out.xAdv.dispose(); x.dispose(); model.dispose();
  });

  it("clips to the value range", async () => {
    const model = linearModel(w, b, [d]);
    const card = cardFor([d], k, { min: 0.35, max: 0.6 });
    const x = tf.tensor2d(xs.map((r) => r.map((v) => Math.min(0.6, Math.max(0.35, v)))));
    const out = await fgsmAttack({ ctx: contextFor(model, card), x, labels, indices: [0, 1], eps: 0.3, seed: 1, stream: "t" }, { norm: "linf", targeted: false });
    const adv = (await out.xAdv.data()) as Float32Array;
    for (const v of adv) {
      // the bounds as float32 values, which is what the tensors hold
      expect(v).toBeGreaterThanOrEqual(Math.fround(0.35));
      expect(v).toBeLessThanOrEqual(Math.fround(0.6));
    }
    out.xAdv.dispose(); x.dispose(); model.dispose();
  });
});
