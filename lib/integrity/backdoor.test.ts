import { describe, expect, it } from "vitest";
import { createRng } from "../engine/rng";
import { activationClustering, spectralSignatures, topComponents } from "./backdoor";

// Synthetic activations with a known answer: each class is a Gaussian blob; class 2 also holds a small,
// far-off cluster (the "poison", activating other features) at known indices.

function synthetic(poison: boolean) {
  const dim = 16;
  const classes = 3;
  const perClass = 200;
  const labels: number[] = [];
  const acts: number[] = [];
  const planted: number[] = [];
  const rng = createRng(5, 0, "acts");
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const k = labels.length;
      labels.push(c);
      const isPoison = poison && c === 2 && i % 10 === 3; // 10% of class 2
      if (isPoison) planted.push(k);
      for (let j = 0; j < dim; j++) {
        const centre = isPoison ? (j === 15 ? 6 : 0) : j === c ? 4 : 0;
        acts.push(centre + rng.normal());
      }
    }
  }
  return { acts: Float32Array.from(acts), dim, labels: Int32Array.from(labels), classes, planted };
}

describe("activation clustering", () => {
  it("flags the poisoned class and exactly its planted small cluster", () => {
    const s = synthetic(true);
    const r = activationClustering(s, { dims: 5, seed: 1 });
    expect(r.flaggedClasses).toEqual([2]);
    expect(r.suspicious).toEqual(s.planted);
    const c2 = r.perClass[2]!;
    expect(c2.relativeSize).toBeCloseTo(0.1, 10);
    expect(c2.silhouette).toBeGreaterThan(0.3);
    for (const c of r.perClass.slice(0, 2)) expect(c.flagged).toBe(false);
  });

  it("flags nothing on unimodal classes", () => {
    const r = activationClustering(synthetic(false), { dims: 5, seed: 1 });
    expect(r.flaggedClasses).toEqual([]);
    expect(r.suspicious).toEqual([]);
    for (const c of r.perClass) expect(c.silhouette).toBeLessThan(0.3);
  });

  it("refuses activations that do not match the labels", () => {
    expect(() => activationClustering({ acts: new Float32Array(10), dim: 4, labels: [0, 1], classes: 2 })).toThrow(/10 activations for 2 samples/);
  });
});

describe("spectral signatures", () => {
  it("ranks the planted examples first in their class and flags the top 1.5 x epsilon", () => {
    const s = synthetic(true);
    const r = spectralSignatures(s, 0.1);
    const c2 = r.perClass[2]!;
    expect(c2.flagged).toHaveLength(30);
    // The 20 planted examples are the 20 highest scores of their class.
    expect(c2.flagged.slice(0, 20).map((f) => f.index).sort((a, b) => a - b)).toEqual(s.planted);
    expect(c2.topShare).toBeGreaterThan(r.perClass[0]!.topShare);
    expect(() => spectralSignatures(s, 0.9)).toThrow(/expected poison fraction/);
  });

  it("power iteration finds the top eigenvector of a known covariance", () => {
    // Rows along (1, 1, 0)/sqrt2 with large spread, small noise elsewhere.
    const m = 300;
    const x = new Float64Array(m * 3);
    const rng = createRng(1, 0, "pc");
    for (let i = 0; i < m; i++) {
      const t = rng.normal() * 5;
      x[i * 3] = t / Math.SQRT2 + rng.normal() * 0.1;
      x[i * 3 + 1] = t / Math.SQRT2 + rng.normal() * 0.1;
      x[i * 3 + 2] = rng.normal() * 0.1;
    }
    const { vectors } = topComponents(x, m, 3, 1);
    const v = vectors[0]!;
    expect(Math.abs(v[0]!)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(Math.abs(v[1]!)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(Math.abs(v[2]!)).toBeLessThan(0.02);
  });
});
