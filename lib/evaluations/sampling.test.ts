import { describe, expect, it } from "vitest";
import { planShards, stratifiedSample } from "./sampling";

describe("stratifiedSample", () => {
  const labels = Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : i < 900 ? 1 : 2));

  it("keeps class proportions", () => {
    const s = stratifiedSample(labels, 100, 7);
    expect(s).toHaveLength(100);
    const counts = [0, 0, 0];
    for (const i of s) counts[labels[i]!]!++;
    expect(counts).toEqual([70, 20, 10]);
  });

  it("is deterministic per seed, differs across seeds, sorted and unique", () => {
    const a = stratifiedSample(labels, 50, 1);
    expect(stratifiedSample(labels, 50, 1)).toEqual(a);
    expect(stratifiedSample(labels, 50, 2)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(a.length);
  });

  it("distributes remainders and returns everything when n ≥ size", () => {
    const s = stratifiedSample([0, 0, 1, 1, 2], 4, 3);
    expect(s).toHaveLength(4);
    expect(stratifiedSample([0, 1, 2], 10, 3)).toEqual([0, 1, 2]);
  });
});

describe("planShards", () => {
  it("covers every position once", () => {
    expect(planShards(10, 4)).toEqual([
      { index: 0, start: 0, end: 4 },
      { index: 1, start: 4, end: 8 },
      { index: 2, start: 8, end: 10 },
    ]);
    expect(planShards(0, 4)).toEqual([]);
  });
});
