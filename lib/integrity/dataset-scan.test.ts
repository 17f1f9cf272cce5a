import { describe, expect, it } from "vitest";
import { loadDemoEvalSplit, loadDemoTrainSplit, MNIST_PIXELS } from "../demo/mnist";
import { classBalance, differenceHash, hammingDistance, relativeDistance, scanDataset, type ScanPart } from "./dataset-scan";

// Known answers on the real demo digits: planted exact copies, near copies, a copy across the
// train/test split, a label conflict, bad values and a starved class are all found, by index; the clean
// demo splits come out clean.

const OPTS = { sampleShape: [28, 28, 1], range: { min: 0, max: 1 }, classes: 10 };

function take(set: { images: Float32Array; labels: Int32Array }, n: number): ScanPart & { x: Float32Array } {
  return { name: "", x: set.images.slice(0, n * MNIST_PIXELS), labels: set.labels.slice(0, n) };
}

function copy(from: ScanPart, i: number, to: ScanPart, j: number, noise = 0) {
  for (let p = 0; p < MNIST_PIXELS; p++) {
    const v = from.x[i * MNIST_PIXELS + p]!;
    // Deterministic small noise, kept inside the range.
    to.x[j * MNIST_PIXELS + p] = noise ? Math.min(1, Math.max(0, v + noise * (((p * 7919) % 13) / 6 - 1))) : v;
  }
}

describe("dataset integrity scan", () => {
  it("finds planted duplicates, leakage, label conflicts and bad values by index", () => {
    const train = { ...take(loadDemoTrainSplit(), 600), name: "train" };
    const test = { ...take(loadDemoEvalSplit(), 200), name: "test" };
    copy(train, 10, train, 20); // exact copy inside train (labels may differ: set them equal)
    train.labels[20] = train.labels[10]!;
    copy(train, 30, train, 40, 0.01); // near copy, same label
    train.labels[40] = train.labels[30]!;
    copy(train, 50, train, 60, 0.01); // near copy with another label: a conflict
    train.labels[60] = (train.labels[50]! + 1) % 10;
    copy(test, 5, train, 70); // test digit leaked into train, exact
    train.labels[70] = test.labels[5]!;
    train.x[100 * MNIST_PIXELS + 3] = Number.NaN;
    train.x[101 * MNIST_PIXELS + 9] = 1.5;
    train.x.fill(0, 102 * MNIST_PIXELS, 103 * MNIST_PIXELS); // a blank image
    train.labels[103] = 12;

    const r = scanDataset([train, test], OPTS);
    expect(r.samples).toBe(800);
    const pairs = (gs: { members: { part: string; index: number }[] }[]) => gs.map((g) => g.members.map((m) => `${m.part}:${m.index}`).sort());
    expect(pairs(r.exactDuplicates.examples)).toEqual(expect.arrayContaining([["train:10", "train:20"], ["test:5", "train:70"]]));
    expect(r.exactDuplicates.groups).toBe(2);
    expect(r.exactDuplicates.redundantSamples).toBe(2);
    expect(pairs(r.nearDuplicates.examples)).toEqual(expect.arrayContaining([["train:30", "train:40"], ["train:50", "train:60"]]));
    expect(r.nearDuplicates.groups).toBe(2);
    for (const g of r.nearDuplicates.examples) {
      expect(g.maxDifference).toBeGreaterThan(0);
      expect(g.maxDifference).toBeLessThanOrEqual(0.1);
    }
    expect(r.leakage.groups).toBe(1);
    expect(pairs(r.leakage.examples)).toEqual([["test:5", "train:70"]]);
    expect(r.labelConflicts.groups).toBe(1);
    expect(pairs(r.labelConflicts.examples)).toEqual([["train:50", "train:60"]]);
    expect(r.range.counts).toEqual({ nonFinite: 1, outOfRange: 1, constant: 1, labelOutOfRange: 1 });
    expect(r.range.examples.nonFinite.map((x) => x.index)).toEqual([100]);
    expect(r.range.examples.outOfRange).toEqual([{ ref: { part: "train", index: 101, label: train.labels[101] }, value: 1.5 }]);
    expect(r.range.examples.constant.map((x) => x.index)).toEqual([102]);
    expect(r.range.examples.labelOutOfRange.map((x) => x.index)).toEqual([103]);
  });

  it("comes out clean on the demo training and evaluation splits", () => {
    const train = { ...take(loadDemoTrainSplit(), 8000), name: "train" };
    const test = { ...take(loadDemoEvalSplit(), 2000), name: "test" };
    const r = scanDataset([train, test], OPTS);
    expect(r.samples).toBe(10_000);
    expect(r.exactDuplicates.groups).toBe(0);
    expect(r.nearDuplicates.groups).toBe(0);
    expect(r.leakage.groups).toBe(0);
    expect(r.labelConflicts.groups).toBe(0);
    expect(r.range.counts).toEqual({ nonFinite: 0, outOfRange: 0, constant: 0, labelOutOfRange: 0 });
    for (const b of r.balance) expect(b.flagged).toEqual([]);
  });

  it("difference hash: identical images agree, a small change moves few bits, another digit many", () => {
    const d = take(loadDemoEvalSplit(), 50);
    const h0 = differenceHash(d.x, 0, [28, 28, 1], 0.01);
    expect(hammingDistance(h0, differenceHash(d.x.slice(), 0, [28, 28, 1], 0.01))).toBe(0);
    const nudged = d.x.slice(0, MNIST_PIXELS).map((v, p) => Math.min(1, v + (p % 5 === 0 ? 0.005 : 0)));
    expect(hammingDistance(h0, differenceHash(nudged, 0, [28, 28, 1], 0.01))).toBeLessThanOrEqual(3);
    const other = d.labels.findIndex((l) => l !== d.labels[0]);
    expect(hammingDistance(h0, differenceHash(d.x, other * MNIST_PIXELS, [28, 28, 1], 0.01))).toBeGreaterThan(8);
  });

  it("class balance flags absent, starved and dominant classes", () => {
    const labels = Int32Array.from([...Array(50).fill(0), ...Array(10).fill(1), ...Array(2).fill(2), ...Array(8).fill(3)]);
    const b = classBalance(labels, 5);
    expect(b.counts).toEqual([50, 10, 2, 8, 0]);
    expect(b.flagged.map((f) => [f.label, f.why])).toEqual([[0, "over-represented"], [2, "under-represented"], [4, "absent"]]);
    expect(b.imbalanceRatio).toBe(25);
  });

  it("refuses parts whose values do not match the sample shape", () => {
    expect(() => scanDataset([{ name: "bad", x: new Float32Array(10), labels: new Int32Array(1) }], OPTS)).toThrow(/bad: 10 values for 1 samples of 784/);
  });
});

describe("near-duplicate search against brute force", () => {
  it("finds every pair a full pairwise comparison finds, for copies from barely to clearly different", () => {
    const base = take(loadDemoEvalSplit(), 400);
    const part = { ...base, name: "set" };
    // 30 noisy copies of different digits, noise growing so relative distances span the tolerance.
    for (let i = 0; i < 30; i++) copy(part, i, part, 200 + i, 0.01 + i * 0.006);
    for (let i = 0; i < 30; i++) part.labels[200 + i] = part.labels[i]!;
    const r = scanDataset([part], { ...OPTS, maxExamples: 1000 });
    const found = new Set(r.nearDuplicates.examples.flatMap((g) => g.members.slice(1).map((m) => `${g.members[0]!.index}:${m.index}`)));
    const brute = new Set<string>();
    const size = MNIST_PIXELS;
    for (let a = 0; a < 400; a++) {
      for (let b = a + 1; b < 400; b++) {
        if (relativeDistance({ x: part.x, offset: a * size }, { x: part.x, offset: b * size }, size) <= 0.1) brute.add(`${a}:${b}`);
      }
    }
    expect(brute.size).toBeGreaterThan(5); // the planted copies below the tolerance
    expect(brute.size).toBeLessThan(30); // and not those above it
    expect([...found].sort()).toEqual([...brute].sort());
  });
});
