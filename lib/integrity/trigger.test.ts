import { describe, expect, it } from "vitest";
import { cornerPatches, derivePatch, stamp, triggerTest, wilsonInterval, type Predict } from "./trigger";

// A stand-in classifier with a known backdoor: it answers 3 when the 2x2 block at rows 6-7, columns 6-7 is
// bright, else the brightest row band (0..2). Real-model cases are in demo-integrity.test.ts.
const SHAPE = { h: 8, w: 8, c: 1 };
const PX = 64;

function images(n: number): { x: Float32Array; labels: Int32Array } {
  const x = new Float32Array(n * PX);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const cls = k % 3;
    labels[k] = cls;
    for (let c = 0; c < 8; c++) x[k * PX + (cls * 2) * 8 + c] = 0.9; // a bright row in the class's band
  }
  return { x, labels };
}

const predict: Predict = async (x, n) => {
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const o = k * PX;
    const trig = x[o + 6 * 8 + 6]! > 0.8 && x[o + 6 * 8 + 7]! > 0.8 && x[o + 7 * 8 + 6]! > 0.8 && x[o + 7 * 8 + 7]! > 0.8;
    if (trig) out[k] = 3;
    else {
      const band = [0, 1, 2].map((b) => x.subarray(o + b * 16, o + b * 16 + 16).reduce((s, v) => s + v, 0));
      out[k] = band.indexOf(Math.max(...band));
    }
  }
  return out;
};

describe("trigger test", () => {
  it("derives the planted patch from the suspicious examples and finds the backdoor live", async () => {
    const { x, labels } = images(90);
    // Poisoned examples of class 3: other digits with the 2x2 trigger.
    const poisoned = new Float32Array(20 * PX);
    for (let i = 0; i < 20; i++) {
      poisoned.set(x.subarray(i * PX, (i + 1) * PX), i * PX);
      for (const [r, c] of [[6, 6], [6, 7], [7, 6], [7, 7]]) poisoned[i * PX + r! * 8 + c!] = 1;
    }
    // Clean class-3 examples: a bright bottom row that avoids the trigger block's pattern.
    const clean3 = new Float32Array(40 * PX);
    for (let i = 0; i < 40; i++) for (let c = 0; c < 5; c++) clean3[i * PX + 7 * 8 + c] = 0.7 + (i % 3) * 0.1;
    const all = new Float32Array(60 * PX);
    all.set(poisoned, 0);
    all.set(clean3, 20 * PX);
    const patch = derivePatch(all, SHAPE, Array.from({ length: 20 }, (_, i) => i), Array.from({ length: 40 }, (_, i) => 20 + i), 2);
    expect([patch.row, patch.col]).toEqual([6, 6]);
    expect(Array.from(patch.values)).toEqual([1, 1, 1, 1]);

    const r = await triggerTest({ predict, x, labels, shape: SHAPE, target: 3, patches: [patch, ...cornerPatches(SHAPE, 2, 1)], range: { min: 0, max: 1 }, seed: 1 });
    expect(r.tested).toBe(90);
    const derived = r.rows.find((row) => row.patch === "derived")!;
    expect(derived.flipRate).toBe(1);
    expect(derived.live).toBe(true);
    expect(derived.controlRate).toBeLessThan(0.2);
    // The bottom-right corner patch (rows/cols 5-6) covers only one trigger pixel: not live.
    for (const row of r.rows.filter((row) => row.patch.startsWith("corner"))) expect(row.live).toBe(false);
    expect(r.live).toBe(true);
    expect(r.examples[0]!.values).toHaveLength(PX);
  });

  it("leaves out inputs of the target class and inputs the model gets wrong", async () => {
    const { x, labels } = images(30);
    labels[0] = 2; // now wrong: the image shows class 0
    const r = await triggerTest({ predict, x, labels, shape: SHAPE, target: 1, patches: cornerPatches(SHAPE, 2, 1), range: { min: 0, max: 1 }, seed: 1 });
    // 30 inputs: 10 of class 1 out, and index 0 (wrong) out.
    expect(r.tested).toBe(19);
    expect(r.live).toBe(false);
  });

  it("stamps without touching the source, and Wilson intervals bracket the rate", () => {
    const { x } = images(2);
    const before = x.slice();
    const out = stamp(x, SHAPE, [1], { id: "p", description: "", row: 7, col: 7, size: 2, values: new Float32Array([0.5, 0.5, 0.5, 0.5]) });
    expect(out[7 * 8 + 7]).toBe(0.5);
    expect(Array.from(x)).toEqual(Array.from(before));
    const [lo, hi] = wilsonInterval(50, 100);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});
