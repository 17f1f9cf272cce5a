import * as tf from "@tensorflow/tfjs";
import { describe, expect, it, beforeAll } from "vitest";
import { initEngineBackend } from "./backend";
import { setWasmFastConvBackpropInput } from "./wasm-kernels";

/*
 * Differential tests: input/filter gradients on wasm (with this engine's patched kernels) against the
 * tfjs cpu backend, the reference among tfjs backends. A tolerance is stated per case.
 */

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function randArray(n: number, seed: number, quantize = 0): Float32Array {
  const r = lcg(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = r() * 2 - 1;
    a[i] = quantize ? Math.round(v * quantize) / quantize : v;
  }
  return a;
}

type Case = { name: string; run: () => tf.Tensor[] };

async function onBackend(name: "cpu" | "wasm", c: Case): Promise<Float32Array[]> {
  await initEngineBackend(name);
  const before = tf.memory().numTensors;
  const outs = c.run();
  const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  outs.forEach((t) => t.dispose());
  expect(tf.memory().numTensors).toBe(before);
  return data;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / scale;
}

const convCases: Case[] = [];
for (const pad of ["same", "valid"] as const) {
  for (const stride of [1, 2]) {
    for (const k of [3, 2, 5]) {
      convCases.push({
        name: `conv k${k} s${stride} ${pad}`,
        run: () => {
          const x = tf.tensor4d(randArray(2 * 9 * 11 * 3, 1 + k + stride), [2, 9, 11, 3]);
          const f = tf.tensor4d(randArray(k * k * 3 * 4, 7 + k), [k, k, 3, 4]);
          const b = tf.tensor1d(randArray(4, 3));
          const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
            tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: stride, pad, bias: bb }).square().sum(),
          )([x, f, b]);
          x.dispose(); f.dispose(); b.dispose();
          return g;
        },
      });
    }
  }
}

// Depthwise: input and filter gradients (both wasm kernels are added by the engine), multiplier 1 and 2.
const depthwiseCases: Case[] = [];
for (const pad of ["same", "valid"] as const) {
  for (const stride of [1, 2]) {
    for (const mult of [1, 2]) {
      depthwiseCases.push({
        name: `depthwise k3 s${stride} ${pad} x${mult}`,
        run: () => {
          const x = tf.tensor4d(randArray(2 * 9 * 8 * 3, 11 + stride + mult), [2, 9, 8, 3]);
          const f = tf.tensor4d(randArray(3 * 3 * 3 * mult, 13 + mult), [3, 3, 3, mult]);
          const b = tf.tensor1d(randArray(3 * mult, 4));
          const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
            tf.fused.depthwiseConv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: stride, pad, bias: bb, activation: "relu" }).square().sum(),
          )([x, f, b]);
          x.dispose(); f.dispose(); b.dispose();
          return g;
        },
      });
    }
  }
}

const poolCases: Case[] = [];
for (const pad of ["same", "valid"] as const) {
  for (const [k, s] of [[2, 2], [3, 2], [3, 1], [2, 1]]) {
    for (const kind of ["ties", "negative"] as const) {
      poolCases.push({
        name: `maxPool k${k} s${s} ${pad} ${kind}`,
        run: () => {
          // Quantised values create ties; "negative" makes whole windows <= 0 (a wasm bug case).
          let data = randArray(2 * 8 * 7 * 2, k * 10 + s, 2);
          if (kind === "negative") data = data.map((v) => -Math.abs(v));
          const x = tf.tensor4d(data, [2, 8, 7, 2]);
          const info = tf.backend_util.computePool2DInfo([2, 8, 7, 2], k, s, 1, pad);
          const outShape: [number, number, number, number] = [2, info.outHeight, info.outWidth, 2];
          const w = tf.tensor4d(randArray(outShape.reduce((a, b) => a * b), 5), outShape);
          const g = tf.grad((xx: tf.Tensor) => tf.mul(tf.maxPool(xx as tf.Tensor4D, k, s, pad), w).sum())(x);
          x.dispose(); w.dispose();
          return [g];
        },
      });
    }
  }
}

describe("wasm gradient kernels match the cpu backend", () => {
  beforeAll(async () => {
    await initEngineBackend("wasm");
  });

  for (const c of [...convCases, ...depthwiseCases, ...poolCases]) {
    it(c.name, async () => {
      const ref = await onBackend("cpu", c);
      const got = await onBackend("wasm", c);
      // Float32 sums in a different order: relative (to the largest entry) difference below 1e-5.
      for (let i = 0; i < ref.length; i++) expect(maxRelDiff(got[i], ref[i])).toBeLessThan(1e-5);
    });
  }

  it("the forward-conv Conv2DBackpropInput equals wasm's own loop kernel", async () => {
    await initEngineBackend("wasm");
    const c = convCases[0];
    setWasmFastConvBackpropInput(false);
    const slow = await onBackend("wasm", c);
    setWasmFastConvBackpropInput(true);
    const fast = await onBackend("wasm", c);
    expect(maxRelDiff(fast[0], slow[0])).toBeLessThan(1e-6);
  });
});
