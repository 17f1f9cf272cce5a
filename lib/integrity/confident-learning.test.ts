import { describe, expect, it } from "vitest";
import { createRng } from "../engine/rng";
import { crossValidationCost, findLabelIssues, kFoldAssignment, precisionRecall } from "./confident-learning";

// Known answers: probabilities of a well-calibrated "true class" model over labels with planted flips.

function probsFor(truth: number[], classes: number, seed: number, confidence = 0.9, noise = 0): Float32Array {
  const p = new Float32Array(truth.length * classes);
  truth.forEach((t, k) => {
    const rng = createRng(seed, k, "p");
    const c = confidence + rng.next() * noise;
    for (let j = 0; j < classes; j++) p[k * classes + j] = j === t ? c : (1 - c) / (classes - 1);
  });
  return p;
}

describe("confident learning", () => {
  it("flags exactly the planted label flips, lowest self-confidence first", () => {
    const classes = 4;
    const truth = Array.from({ length: 400 }, (_, k) => k % classes);
    const labels = Int32Array.from(truth);
    const flips = [3, 50, 77, 120, 301];
    for (const k of flips) labels[k] = (truth[k]! + 1) % classes;
    const probs = probsFor(truth, classes, 1);
    // An ambiguous example (labelled as its true class 3, the model torn between 2 and 3): below both thresholds.
    probs.set([0.1, 0.1, 0.4, 0.4], 399 * classes);
    const r = findLabelIssues(probs, labels, classes);
    expect(r.issues.map((i) => i.index).sort((a, b) => a - b)).toEqual(flips);
    for (const i of r.issues) expect(i.suggested).toBe(truth[i.index]);
    expect(r.flaggedShare).toBeCloseTo(5 / 400, 10);
    expect(r.outOfSampleAccuracy).toBeCloseTo(394 / 400, 10); // the flips, and the tie at 399 resolved to class 2
    for (let a = 1; a < r.issues.length; a++) expect(r.issues[a]!.selfConfidence).toBeGreaterThanOrEqual(r.issues[a - 1]!.selfConfidence);
    // The confident joint's off-diagonal holds the flips, its diagonal the rest.
    const off = r.confidentJoint.reduce((s, row, i) => s + row.reduce((t, v, j) => t + (i === j ? 0 : v), 0), 0);
    expect(off).toBe(5);
    expect(r.counted).toBe(399);
    expect(r.perClass.reduce((s, c) => s + c.flagged, 0)).toBe(5);
  });

  it("flags nothing when every label agrees with a confident model, and refuses mismatched input", () => {
    const truth = Array.from({ length: 100 }, (_, k) => k % 3);
    const r = findLabelIssues(probsFor(truth, 3, 2, 0.7, 0.25), Int32Array.from(truth), 3);
    expect(r.flaggedCount).toBe(0);
    expect(() => findLabelIssues(new Float32Array(10), [0, 1], 3)).toThrow(/10 probabilities for 2 samples/);
    expect(() => findLabelIssues(new Float32Array(6), [0, 5], 3)).toThrow(/label 5/);
  });

  it("stratified K-fold: every example in one fold, classes spread evenly, deterministic", () => {
    const labels = Int32Array.from({ length: 1000 }, (_, k) => (k < 700 ? 0 : k < 950 ? 1 : 2));
    const f = kFoldAssignment(labels, 5, 9);
    expect(Array.from(f).every((v) => v >= 0 && v < 5)).toBe(true);
    for (const cls of [0, 1, 2]) {
      const counts = [0, 0, 0, 0, 0];
      labels.forEach((l, k) => l === cls && counts[f[k]!]!++);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    expect(Array.from(kFoldAssignment(labels, 5, 9))).toEqual(Array.from(f));
    expect(() => kFoldAssignment(labels, 1, 0)).toThrow(/at least 2 folds/);
  });

  it("cost and precision/recall arithmetic", () => {
    expect(crossValidationCost(8000, 5, 3)).toEqual({ trainingPasses: 96_000, predictions: 8000, perFold: 19_200 });
    expect(precisionRecall([1, 2, 3, 4], [2, 4, 6, 8, 10])).toEqual({ flagged: 4, planted: 5, truePositives: 2, precision: 0.5, recall: 0.4 });
    expect(precisionRecall([], [1])).toMatchObject({ precision: 0, recall: 0 });
  });
});
