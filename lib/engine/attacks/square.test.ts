import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { squareAttack, squareFraction } from "./square";
import { noiseAttack } from "./noise";
import { perturbationNorms } from "./common";
import { cardFor, contextFor, syntheticSamples, tinyCnn } from "../testing";

beforeAll(async () => {
  await initEngineBackend("wasm");
});

describe("Square attack (Linf)", () => {
  it("follows the published square-size schedule", () => {
    expect(squareFraction(0.8, 5, 10000)).toBe(0.8);
    expect(squareFraction(0.8, 30, 10000)).toBe(0.4);
    expect(squareFraction(0.8, 9000, 10000)).toBeCloseTo(0.8 / 512);
    expect(squareFraction(0.8, 50, 1000)).toBeCloseTo(0.8 / 8); // scaled to a 1000-query budget: 50/1000 -> 500 of 10,000
  });

  it("finds adversarials on a weak model within the budget, using only outputs", async () => {
    const { model } = tinyCnn([12, 12, 1], 3, 7);
    const card = cardFor([12, 12, 1], 3);
    const s = syntheticSamples(16, [12, 12, 1], 3, 4);
    const x = tf.tensor(s.x, s.shape);
    const pred = Int32Array.from(await model.logits(x).argMax(1).data());
    const eps = 0.15;
    const out = await squareAttack({ ctx: contextFor(model, card), x, labels: pred, indices: s.indices, eps, seed: 1, stream: "sq" }, { queries: 300, pInit: 0.8 });
    const advPred = await model.logits(out.xAdv).argMax(1).data();
    const broken = Array.from(advPred).filter((p, i) => p !== pred[i]).length;
    expect(broken).toBeGreaterThanOrEqual(12);
    const { linf } = await perturbationNorms(tf.sub(out.xAdv, x));
    for (const l of linf) expect(l).toBeLessThanOrEqual(eps * (1 + 1e-6));
    for (const v of await out.xAdv.data()) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
    for (const q of out.queries) { expect(q).toBeGreaterThanOrEqual(1); expect(q).toBeLessThanOrEqual(300); }
    // uniform noise at the same budget does much worse: the search, not the budget, does the work
    const noise = await noiseAttack({ ctx: contextFor(model, card), x, labels: pred, indices: s.indices, eps, seed: 1, stream: "n" }, { norm: "linf", distribution: "uniform", draws: 3 });
    const noisePred = await model.logits(noise.xAdv).argMax(1).data();
    expect(Array.from(noisePred).filter((p, i) => p !== pred[i]).length).toBeLessThan(broken);
    model.dispose();
  });
});
