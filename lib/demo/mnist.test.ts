import { describe, expect, it } from "vitest";
import { loadDemoEvalSplit, loadDemoTrainSplit } from "./mnist";

describe("demo MNIST split", () => {
  it("is 8,000 + 2,000 digits in 0..1, every class in both, deterministic", () => {
    const train = loadDemoTrainSplit();
    const evalSet = loadDemoEvalSplit();
    expect(train.count).toBe(8000);
    expect(evalSet.count).toBe(2000);
    expect(evalSet.images.length).toBe(2000 * 784);
    let min = Infinity, max = -Infinity;
    for (const v of evalSet.images) { if (v < min) min = v; if (v > max) max = v; }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    for (const set of [train, evalSet]) {
      const counts = new Array(10).fill(0);
      for (const l of set.labels) counts[l]++;
      // each class holds roughly its share: between 7% and 13% of the split
      for (const c of counts) { expect(c / set.count).toBeGreaterThan(0.07); expect(c / set.count).toBeLessThan(0.13); }
    }
    expect(evalSet.ids[0]).toBe(8000);
    expect(Array.from(loadDemoEvalSplit().labels.slice(0, 20))).toEqual(Array.from(evalSet.labels.slice(0, 20)));
  });
});
