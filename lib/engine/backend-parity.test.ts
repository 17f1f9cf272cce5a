import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles } from "./model";
import { pgdAttack } from "./attacks/pgd";
import { crossEntropy, lossAndGrad, oneHotOf } from "./attacks/common";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { cardFor, contextFor } from "./testing";

/*
 * The demo models on wasm (with the engine's kernels) against the cpu backend: input gradients of the
 * attack loss agree, and a PGD run gives the same robust accuracy within one example.
 */
const files = (v: string) => {
  const dir = join(process.cwd(), "demo", "models", `digits-cnn-${v}`);
  return { modelJson: JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), weights: { "weights.bin": new Uint8Array(readFileSync(join(dir, "weights.bin"))) } };
};

async function onBackend(backend: "cpu" | "wasm", v: string, n: number) {
  await initEngineBackend(backend);
  const model = await loadModelFromFiles(files(v));
  const ev = loadDemoEvalSplit();
  const x = tf.tensor4d(ev.images.slice(0, n * 784), [n, 28, 28, 1]);
  const labels = ev.labels.slice(0, n);
  const ctx = contextFor(model, cardFor([28, 28, 1], 10));
  const oh = oneHotOf(labels, 10);
  const g = lossAndGrad(ctx, x, (z) => crossEntropy(z, oh));
  const grad = (await g.grad.data()) as Float32Array;
  tf.dispose([g.grad, g.logits, g.loss, oh]);
  const pgd = await pgdAttack({ ctx, x, labels, indices: ev.ids.slice(0, n), eps: 0.1, seed: 1, stream: "parity" }, { norm: "linf", steps: 5, restarts: 1, randomStart: true });
  const pred = await model.logits(pgd.xAdv).argMax(1).data();
  const robust = Array.from(pred).filter((p, i) => p === labels[i]).length;
  tf.dispose([x, pgd.xAdv]);
  model.dispose();
  return { grad, robust };
}

describe("demo models: wasm matches cpu", () => {
  for (const v of ["v1", "v2"]) {
    it(`digits-cnn ${v}: input gradients and PGD robust accuracy`, async () => {
      const cpu = await onBackend("cpu", v, 16);
      const wasm = await onBackend("wasm", v, 16);
      let maxAbs = 0, maxDiff = 0, signDisagree = 0, counted = 0;
      for (let i = 0; i < cpu.grad.length; i++) maxAbs = Math.max(maxAbs, Math.abs(cpu.grad[i]));
      for (let i = 0; i < cpu.grad.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(cpu.grad[i] - wasm.grad[i]));
        // signs are compared where the entry is clearly above float32 noise
        if (Math.abs(cpu.grad[i]) > 1e-4 * maxAbs) {
          counted++;
          if (Math.sign(cpu.grad[i]) !== Math.sign(wasm.grad[i])) signDisagree++;
        }
      }
      expect(maxDiff / maxAbs).toBeLessThan(1e-4);
      expect(signDisagree).toBe(0);
      expect(counted).toBeGreaterThan(1000);
      expect(Math.abs(cpu.robust - wasm.robust)).toBeLessThanOrEqual(1);
    });
  }
});
