import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles } from "./model";
import { pgdAttack } from "./attacks/pgd";
import { crossEntropy, lossAndGrad, oneHotOf } from "./attacks/common";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { cardFor, contextFor, nativeUnavailableReason } from "./testing";
import { runShard, type ExampleRecord } from "./shard";
import { aggregateRecords } from "./aggregate";
import { AttackSuiteSchema } from "./suite";
import { DIGITS_CARD } from "@/lib/demo/digits-cnn";
import { DIGIT_LABELS } from "@/lib/demo/mnist";
import { parseEnv } from "@/lib/env";

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

/*
 * Native TensorFlow (tfjs-node, `npm run engine:native`) against wasm on the demo models: the engine's real
 * shard pipeline on the first N evaluation digits, FGSM and PGD-10 (Linf) at ε = 0.1 and 0.3.
 * Both backends run in this process, native first (switching is clean: each keeps its own kernels).
 * Without native the test says so and is skipped — unless BULWARK_REQUIRE_NATIVE is set (CI), then it fails.
 */
const N = 300;
const paritySuite = AttackSuiteSchema.parse({
  seed: 5, sampleCount: N, sanityCheck: false,
  epsilons: { linf: [0.1, 0.3], l2: [] },
  attacks: [{ kind: "fgsm", norm: "linf" }, { kind: "pgd", norm: "linf", steps: 10, restarts: 1 }],
});
const nativeMissing = await nativeUnavailableReason();
const requireNative = parseEnv(process.env).BULWARK_REQUIRE_NATIVE;
if (nativeMissing) {
  console.warn(`[backend-parity] native backend not available (${nativeMissing.split("\n")[0]}): native-vs-wasm parity ${requireNative ? "FAILS (BULWARK_REQUIRE_NATIVE is set)" : "is skipped; run `npm run engine:native`, or set BULWARK_REQUIRE_NATIVE=1 to make this a failure"}`);
}

async function shardOn(backend: "tensorflow" | "wasm", v: string) {
  const info = await initEngineBackend(backend);
  const model = await loadModelFromFiles(files(v));
  const ev = loadDemoEvalSplit();
  const samples = { x: ev.images.slice(0, N * 784), shape: [N, 28, 28, 1], labels: ev.labels.slice(0, N), indices: ev.ids.slice(0, N) };
  const result = await runShard({ model, card: DIGITS_CARD, samples, suite: paritySuite, batchSize: 100, backend: info });
  model.dispose();
  return result;
}

/** Input gradients of the attack loss on the N digits, native against wasm: how many entries differ in sign. */
async function inputGradientSigns(v: string) {
  const grads: Float32Array[] = [];
  for (const backend of ["tensorflow", "wasm"] as const) {
    await initEngineBackend(backend);
    const model = await loadModelFromFiles(files(v));
    const ev = loadDemoEvalSplit();
    const x = tf.tensor4d(ev.images.slice(0, N * 784), [N, 28, 28, 1]);
    const oh = oneHotOf(ev.labels.slice(0, N), 10);
    const out = lossAndGrad(contextFor(model, cardFor([28, 28, 1], 10)), x, (z) => crossEntropy(z, oh));
    grads.push((await out.grad.data()) as Float32Array);
    tf.dispose([x, oh, out.grad, out.logits, out.loss]);
    model.dispose();
  }
  const [a, b] = grads as [Float32Array, Float32Array];
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (Math.sign(a[i]!) !== Math.sign(b[i]!)) differ++;
  return { differ, total: a.length, examples: N };
}

describe("demo models: native TensorFlow matches wasm", () => {
  it("the native backend starts when BULWARK_REQUIRE_NATIVE is set (CI)", () => {
    if (requireNative) expect(nativeMissing, "BULWARK_REQUIRE_NATIVE is set but the native backend does not start; run `npm run engine:native`").toBeNull();
  });
  for (const v of ["v1", "v2"]) {
    it.runIf(nativeMissing === null)(`digits-cnn ${v}: clean predictions, FGSM and PGD robust accuracy on ${N} digits`, { timeout: 120_000 }, async () => {
      const nat = await shardOn("tensorflow", v);
      const wasm = await shardOn("wasm", v);
      expect(nat.backend.backend).toBe("tensorflow");
      expect(wasm.backend.backend).toBe("wasm");
      // Same clean predictions on every digit (logits agree to float32 rounding).
      expect(nat.records.map((r) => r.cleanPred)).toEqual(wasm.records.map((r) => r.cleanPred));
      const m = { nat: aggregateRecords(nat.records, paritySuite, DIGIT_LABELS), wasm: aggregateRecords(wasm.records, paritySuite, DIGIT_LABELS) };
      const rows = m.nat.attacks.map((a) => {
        const w = m.wasm.attacks.find((x) => x.attack === a.attack && x.eps === a.eps)!;
        const outcome = (r: ExampleRecord) => r.attacks.find((x) => x.attack === a.attack && x.eps === a.eps)!.success;
        const differ = nat.records.filter((r, i) => outcome(r) !== outcome(wasm.records[i]!)).length;
        // Tolerances (docs/engine.md): PGD within 1 point; FGSM within 3 points, because a single signed step
        // at large ε turns the few gradient signs that are float32 noise (very confident digits, loss ~1e-6)
        // into different adversarials, and on a non-robust model the few survivors of FGSM are exactly the
        // examples where that decides the outcome.
        const tol = a.kind === "fgsm" ? 0.03 : 0.01;
        return { a, w, differ, tol, line: `${a.attack} ε=${a.eps}: native ${(a.robustAccuracy * 100).toFixed(2)}%, wasm ${(w.robustAccuracy * 100).toFixed(2)}%, outcome differs on ${differ}/${N} (tolerance ${tol * 100} points)` };
      });
      const g = await inputGradientSigns(v);
      console.log(`[backend-parity] digits-cnn ${v}: input-gradient signs differ on ${g.differ} of ${g.total} entries (${g.examples} digits)\n  ${rows.map((r) => r.line).join("\n  ")}`);
      expect(g.differ / g.total).toBeLessThan(1e-3);
      for (const r of rows) expect(Math.abs(r.a.robustAccuracy - r.w.robustAccuracy), r.line).toBeLessThanOrEqual(r.tol);
    });
  }
});
