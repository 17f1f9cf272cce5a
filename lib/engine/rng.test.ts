import { describe, expect, it } from "vitest";
import { createRng, gatherBatch, shuffleInPlace } from "./rng";

describe("shuffleInPlace", () => {
  it("permutes in place, the same way for the same stream, differently for another", () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffleInPlace(a, createRng(7, 0, "t"));
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffleInPlace(Int32Array.from({ length: 50 }, (_, i) => i), createRng(7, 0, "t"))).toEqual(Int32Array.from(a));
    expect(shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), createRng(7, 1, "t"))).not.toEqual(a);
  });
});

describe("gatherBatch", () => {
  it("takes the rows asked for, in that order, with their labels", () => {
    const x = Float32Array.from([0, 1, 10, 11, 20, 21]);
    const { xb, yb } = gatherBatch(x, [5, 6, 7], [2, 0], 2);
    expect([...xb]).toEqual([20, 21, 0, 1]);
    expect([...yb]).toEqual([7, 5]);
  });
});
