import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "../backend";
import { apgdAttack, apgdCheckpoints } from "./apgd";
import { pgdAttack } from "./pgd";
import { perturbationNorms } from "./common";
import { modelFromLogitsFunction } from "../model";
import { loadDemoEvalSplit, loadDemoTrainSplit } from "@/lib/demo/mnist";
import { cardFor, contextFor } from "../testing";
import { loadModelFromFiles } from "../model";
import { readFileSync } from "node:fs";
import { join } from "node:path";

beforeAll(async () => {
  await initEngineBackend("wasm");
});

describe("APGD", () => {
  it("uses AutoAttack's checkpoint schedule", () => {
    // 100 steps: first check at 22, gaps shrink by 3 down to 6
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
  });

  it("is at least as strong as PGD with the same step budget on a digits MLP", async () => {
    // A small demo-like digits model, trained here deterministically on 2,000 training digits.
    const train = loadDemoTrainSplit();
    const n = 2000;
    const net = tf.sequential();
    net.add(tf.layers.dense({ inputShape: [784], units: 32, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    net.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    net.compile({ optimizer: tf.train.adam(3e-3), loss: (y: tf.Tensor, z: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, z) });
    const xs = tf.tensor2d(train.images.slice(0, n * 784), [n, 784]);
    const ys = tf.oneHot(tf.tensor1d(train.labels.slice(0, n), "int32"), 10).toFloat();
    await net.fit(xs, ys, { epochs: 4, batchSize: 100, shuffle: false, verbose: 0 });
    tf.dispose([xs, ys]);
    const model = modelFromLogitsFunction((x) => net.apply(tf.reshape(x, [-1, 784]), { training: false }) as tf.Tensor2D, {
      inputShape: [28, 28, 1], numClasses: 10, dispose: () => net.dispose(),
    });
    const ev = loadDemoEvalSplit();
    const m = 60;
    const x = tf.tensor4d(ev.images.slice(0, m * 784), [m, 28, 28, 1]);
    const labels = ev.labels.slice(0, m);
    const card = cardFor([28, 28, 1], 10);
    const batch = { ctx: contextFor(model, card), x, labels, indices: ev.ids.slice(0, m), eps: 0.05, seed: 3, stream: "s" };
    const broken = async (xAdv: tf.Tensor) => Array.from(await model.logits(xAdv).argMax(1).data()).filter((p, i) => p !== labels[i]).length;
    const clean = await broken(x);
    const pgd = await pgdAttack(batch, { norm: "linf", steps: 20, restarts: 1, randomStart: true });
    const apgd = await apgdAttack(batch, { norm: "linf", steps: 20, restarts: 1, loss: "ce" });
    const dlr = await apgdAttack(batch, { norm: "linf", steps: 20, restarts: 2, loss: "dlr-targeted" });
    const [bp, ba, bd] = [await broken(pgd.xAdv), await broken(apgd.xAdv), await broken(dlr.xAdv)];
    expect(bp).toBeGreaterThan(clean); // the budget is meaningful: PGD breaks some
    expect(bp).toBeLessThan(m); // and not everything
    expect(ba).toBeGreaterThanOrEqual(bp);
    expect(bd).toBeGreaterThan(clean);
    for (const out of [apgd, dlr]) {
      const { linf } = await perturbationNorms(tf.sub(out.xAdv, x));
      for (const l of linf) expect(l).toBeLessThanOrEqual(0.05 * (1 + 1e-6));
    }
    model.dispose();
  });

  it("is at least as strong as PGD on the adversarially trained demo CNN (v2)", async () => {
    const dir = join(process.cwd(), "demo", "models", "digits-cnn-v2");
    const model = await loadModelFromFiles({
      modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")),
      weights: { "weights.bin": new Uint8Array(readFileSync(join(dir, "weights.bin"))) },
    });
    const ev = loadDemoEvalSplit();
    const m = 40;
    const x = tf.tensor4d(ev.images.slice(0, m * 784), [m, 28, 28, 1]);
    const labels = ev.labels.slice(0, m);
    const batch = { ctx: contextFor(model, cardFor([28, 28, 1], 10)), x, labels, indices: ev.ids.slice(0, m), eps: 0.3, seed: 5, stream: "v2" };
    const broken = async (xAdv: tf.Tensor) => Array.from(await model.logits(xAdv).argMax(1).data()).filter((p, i) => p !== labels[i]).length;
    const pgd = await pgdAttack(batch, { norm: "linf", steps: 20, restarts: 1, randomStart: true });
    const apgd = await apgdAttack(batch, { norm: "linf", steps: 20, restarts: 1, loss: "ce" });
    const [bp, ba] = [await broken(pgd.xAdv), await broken(apgd.xAdv)];
    expect(bp).toBeLessThan(m); // a robust model: PGD leaves some examples
    expect(ba).toBeGreaterThanOrEqual(bp);
    tf.dispose([x, pgd.xAdv, apgd.xAdv]);
    model.dispose();
  });
});
