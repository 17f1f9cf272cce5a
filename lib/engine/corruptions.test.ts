import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEngineBackend } from "./backend";
import { CORRUPTIONS, SEVERITY_PARAMS, applicableCorruptions, corruptBatch, jpegQuantTable, type Corruption } from "./corruptions";
import { createRng } from "./rng";
import { engineTestBackends } from "./testing";

const range = { min: -1, max: 2 }; // width 3: parameters given for [0, 1] must scale
const shape = [12, 12, 3];
const n = 4;
const d = 12 * 12 * 3;
const indices = [10, 11, 12, 13];

function images(seed = 5): tf.Tensor {
  const rng = createRng(seed, 0, "imgs");
  return tf.tensor(Float32Array.from({ length: n * d }, () => range.min + 3 * rng.next()), [n, ...shape]);
}
const constant = (v: number) => tf.fill([n, ...shape], v);
const run = async (x: tf.Tensor, corruption: Corruption, severity: number, seed = 1) => {
  const t = await corruptBatch(x, { corruption, severity, range, seed, indices });
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
};

// Every backend we ship, native included when installed (it lacks kernels cpu and wasm have, e.g. Transform).
for (const backend of await engineTestBackends()) {
  describe(`common corruptions (${backend})`, () => {
    beforeAll(async () => { await initEngineBackend(backend); });

    it("severity 0 is the identity for every corruption", async () => {
      const x = images();
      const x0 = await x.data();
      for (const c of CORRUPTIONS) expect(await run(x, c, 0)).toEqual(x0);
      x.dispose();
    });

    it("every corruption at every severity keeps the shape and stays within the value range, without leaking tensors", async () => {
      const x = images();
      const before = tf.memory().numTensors;
      for (const c of CORRUPTIONS) for (let s = 1; s <= 5; s++) {
        const t = await corruptBatch(x, { corruption: c, severity: s, range, seed: 3, indices });
        expect(t.shape).toEqual([n, ...shape]);
        const v = await t.data();
        t.dispose();
        let lo = Infinity, hi = -Infinity;
        for (const a of v) { lo = Math.min(lo, a); hi = Math.max(hi, a); }
        expect(lo, `${c} severity ${s}`).toBeGreaterThanOrEqual(range.min - 1e-5);
        expect(hi, `${c} severity ${s}`).toBeLessThanOrEqual(range.max + 1e-5);
        expect(Number.isFinite(lo) && Number.isFinite(hi)).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });

    it("is deterministic in the seed and example index, and changes with the seed", async () => {
      const x = images();
      for (const c of ["gaussian-noise", "shot-noise", "impulse-noise", "rotation", "translation"] as const) {
        expect(await run(x, c, 3, 7)).toEqual(await run(x, c, 3, 7));
        expect(await run(x, c, 3, 7)).not.toEqual(await run(x, c, 3, 8));
      }
      x.dispose();
    });
  });
}

describe("common corruptions: known answers", () => {
  beforeAll(async () => { await initEngineBackend("cpu"); });
  afterAll(() => { /* backend stays for other files' workers */ });

  it("brightness adds the share of the range width; contrast scales around the image mean", async () => {
    const x = constant(0);
    expect(Array.from(await run(x, "brightness", 2)).every((v) => Math.abs(v - 0.1 * 3) < 1e-6)).toBe(true);
    expect(Array.from(await run(x, "contrast", 5)).every((v) => Math.abs(v) < 1e-6)).toBe(true); // a flat image has no contrast to lose
    x.dispose();
    // two values a, b around mean m: (a - m) * 0.15 + m
    const y = tf.tensor(Float32Array.from({ length: n * d }, (_, j) => (j % 2 ? 1.5 : -0.5)), [n, ...shape]);
    const c = await run(y, "contrast", 5);
    expect(c[0]).toBeCloseTo(0.5 - 0.15, 5);
    expect(c[1]).toBeCloseTo(0.5 + 0.15, 5);
    y.dispose();
  });

  it("blur, rotation and JPEG leave a flat image flat; translation moves a dot by the stated shift", async () => {
    const x = constant(0.5);
    for (const c of ["gaussian-blur", "rotation", "jpeg"] as const) {
      for (const v of await run(x, c, 5)) expect(Math.abs(v - 0.5)).toBeLessThan(3 / 255 + 1e-6);
    }
    x.dispose();
    // a single bright pixel at (6, 6) of channel 0; severity 5 shifts by round(0.2 * 12) = 2 pixels
    const dot = new Float32Array(n * d).fill(range.min);
    for (let i = 0; i < n; i++) dot[i * d + (6 * 12 + 6) * 3] = range.max;
    const t = tf.tensor(dot, [n, ...shape]);
    const out = await run(t, "translation", 5);
    for (let i = 0; i < n; i++) {
      const lit = [];
      for (let j = 0; j < d; j++) if (out[i * d + j] > 0) lit.push(j);
      expect(lit).toHaveLength(1);
      const pix = lit[0] / 3, y = Math.floor(pix / 12), xx = pix % 12;
      expect(Math.abs(y - 6) + Math.abs(xx - 6)).toBe(2);
    }
    t.dispose();
  });

  it("noise corruptions have the stated strength and grow with severity", async () => {
    const x = constant(0.5); // the middle of the range: clipping is rare at low severity
    const g = await run(x, "gaussian-noise", 1);
    const sd = Math.sqrt(g.reduce((s, v) => s + (v - 0.5) ** 2, 0) / g.length);
    expect(sd).toBeCloseTo(0.08 * 3, 1);
    const imp = await run(x, "impulse-noise", 5);
    const share = imp.filter((v) => v !== 0.5).length / imp.length;
    expect(Math.abs(share - 0.27)).toBeLessThan(0.04);
    const shot = await run(x, "shot-noise", 1); // Poisson(30) / 60: mean keeps the value
    expect(shot.reduce((s, v) => s + v, 0) / shot.length).toBeCloseTo(0.5, 1);
    for (const c of ["gaussian-noise", "shot-noise", "impulse-noise"] as const) {
      const dev = [];
      for (let s = 1; s <= 5; s++) dev.push((await run(x, c, s)).reduce((a, v) => a + Math.abs(v - 0.5), 0));
      for (let s = 1; s < 5; s++) expect(dev[s], `${c} severity ${s + 1}`).toBeGreaterThan(dev[s - 1]);
    }
    x.dispose();
  });

  it("the JPEG table at quality 50 is the standard table; lower quality quantises more coarsely", () => {
    expect(jpegQuantTable(50).slice(0, 4)).toEqual([16, 11, 10, 16]);
    expect(jpegQuantTable(40)[0]).toBeGreaterThan(jpegQuantTable(80)[0]);
    expect(SEVERITY_PARAMS.jpeg.values).toEqual([80, 65, 58, 50, 40]);
  });

  it("spatial corruptions are not offered for non-image inputs and refuse them by name", async () => {
    expect(applicableCorruptions([20])).toEqual(["gaussian-noise", "shot-noise", "impulse-noise", "brightness", "contrast"]);
    expect(applicableCorruptions([28, 28, 1])).toEqual([...CORRUPTIONS]);
    const x = tf.zeros([2, 20]);
    await expect(corruptBatch(x, { corruption: "rotation", severity: 1, range, seed: 0, indices: [0, 1] })).rejects.toThrow(/rotation needs an image input shape/);
    await expect(corruptBatch(x, { corruption: "brightness", severity: 6, range, seed: 0, indices: [0, 1] })).rejects.toThrow(/severity must be an integer 0..5/);
    x.dispose();
  });
});
