import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { loadModelFromFiles } from "./model";
import { pgdAttack } from "./attacks/pgd";
import { crossEntropy, lossAndGrad, oneHotOf } from "./attacks/common";
import { loadDemoEvalSplit } from "@/lib/demo/mnist";
import { fgsmAttack } from "./attacks/fgsm";
import { cardFor, contextFor, nativeUnavailableReason } from "./testing";
import { parseEnv } from "@/lib/env";

/*
 * The demo models on wasm (with the engine's kernels) against the cpu backend: input gradients of the
 * attack loss agree, and a PGD run gives the same robust accuracy.
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
      expect(wasm.robust).toBe(cpu.robust);
    });
  }
});

/*
 * Per-example decisions of FGSM and PGD-10 (L∞, ε = 0.1 and 0.3, the engine's attack code) on the demo models'
 * first N evaluation digits, on cpu (the reference), wasm and native (when installed; BULWARK_REQUIRE_NATIVE makes
 * its absence a failure). Every decision must be identical, except on an example whose margin
 * z_y − max_{j≠y} z_j at the adversarial input is within float32 rounding of the logits (|margin| ≤ 1e-5 of the
 * largest |logit|) on both backends: such an example is listed with its margins. N is small because the cpu backend
 * (plain JavaScript kernels) takes about a second per digit for these four attacks.
 */
const N = 24;
const EPS = [0.1, 0.3];
const ROUNDING = 1e-5;
const nativeMissing = await nativeUnavailableReason();
const requireNative = parseEnv(process.env).BULWARK_REQUIRE_NATIVE;
if (nativeMissing) {
  console.warn(`[backend-parity] native backend not available (${nativeMissing.split("\n")[0]}): native parity ${requireNative ? "FAILS (BULWARK_REQUIRE_NATIVE is set)" : "is skipped; run `npm run engine:native`, or set BULWARK_REQUIRE_NATIVE=1 to make this a failure"}`);
}
const parityBackends = nativeMissing === null ? (["cpu", "wasm", "tensorflow"] as const) : (["cpu", "wasm"] as const);

type Decisions = Map<string, { pred: number[]; margin: number[]; scale: number[] }>;

async function decisionsOn(backend: "cpu" | "wasm" | "tensorflow", v: string): Promise<Decisions> {
  await initEngineBackend(backend);
  const model = await loadModelFromFiles(files(v));
  const ctx = contextFor(model, cardFor([28, 28, 1], 10));
  const ev = loadDemoEvalSplit();
  const x = tf.tensor4d(ev.images.slice(0, N * 784), [N, 28, 28, 1]);
  const labels = ev.labels.slice(0, N);
  const out: Decisions = new Map();
  for (const eps of EPS) {
    const batch = { ctx, x, labels, indices: ev.ids.slice(0, N), eps, seed: 5, stream: `parity|${eps}` };
    const runs = [
      ["FGSM", () => fgsmAttack(batch, { norm: "linf", targeted: false })],
      ["PGD-10", () => pgdAttack(batch, { norm: "linf", steps: 10, restarts: 1, randomStart: true })],
    ] as const;
    for (const [name, run] of runs) {
      const adv = await run();
      const zT = model.logits(adv.xAdv);
      const z = await zT.data();
      tf.dispose([adv.xAdv, zT]);
      const d = { pred: [] as number[], margin: [] as number[], scale: [] as number[] };
      for (let i = 0; i < N; i++) {
        const row = Array.from(z.subarray(i * 10, i * 10 + 10));
        const y = labels[i]!;
        d.pred.push(row.indexOf(Math.max(...row)));
        d.margin.push(row[y]! - Math.max(...row.filter((_, j) => j !== y)));
        d.scale.push(Math.max(...row.map(Math.abs)));
      }
      out.set(`${name} ε=${eps}`, d);
    }
  }
  x.dispose();
  model.dispose();
  return out;
}

describe("demo models: FGSM and PGD decisions per example on cpu, wasm and native", () => {
  it("the native backend starts when BULWARK_REQUIRE_NATIVE is set (CI)", () => {
    if (requireNative) expect(nativeMissing, "BULWARK_REQUIRE_NATIVE is set but the native backend does not start; run `npm run engine:native`").toBeNull();
  });
  for (const v of ["v1", "v2"]) {
    it(`digits-cnn ${v}: identical decisions on ${N} digits, except margins within float32 rounding`, { timeout: 180_000 }, async () => {
      const ev = loadDemoEvalSplit();
      const runs = new Map<string, Decisions>();
      for (const b of parityBackends) runs.set(b, await decisionsOn(b, v));
      const ref = runs.get("cpu")!;
      const cells = (b: string, key: string) => runs.get(b)!.get(key)!;
      const unexplained: string[] = [];
      const withinRounding: string[] = [];
      const table: string[] = [`digit  ${[...ref.keys()].map((k) => k.padEnd(14)).join("")}  (decision per backend ${parityBackends.join("/")}: B broken, r robust)`];
      for (let i = 0; i < N; i++) {
        const cols = [...ref.keys()].map((key) => parityBackends.map((b) => (cells(b, key).pred[i] !== ev.labels[i] ? "B" : "r")).join("/").padEnd(14));
        table.push(`${String(ev.ids[i]).padEnd(7)}${cols.join("")}`);
        for (const key of ref.keys()) {
          for (const b of parityBackends.slice(1)) {
            const c = ref.get(key)!, g = cells(b, key);
            if ((c.pred[i] !== ev.labels[i]) === (g.pred[i] !== ev.labels[i])) continue;
            const line = `digit ${ev.ids[i]} ${key}: cpu margin ${c.margin[i]!.toExponential(2)}, ${b} margin ${g.margin[i]!.toExponential(2)} (largest |logit| ${c.scale[i]!.toFixed(1)})`;
            const rounding = Math.abs(c.margin[i]!) <= ROUNDING * c.scale[i]! && Math.abs(g.margin[i]!) <= ROUNDING * g.scale[i]!;
            (rounding ? withinRounding : unexplained).push(line);
          }
        }
      }
      console.log(`[backend-parity] digits-cnn ${v}, first ${N} evaluation digits:\n  ${table.join("\n  ")}\n  ` +
        `decisions that differ within float32 rounding: ${withinRounding.length ? withinRounding.join("; ") : "none"}\n  ` +
        `decisions that differ beyond rounding: ${unexplained.length ? unexplained.join("; ") : "none"}`);
      expect(unexplained).toEqual([]);
    });
  }
});
