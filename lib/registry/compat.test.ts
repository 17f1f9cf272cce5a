import { describe, expect, it } from "vitest";
import { checkCompatibility, type CompatModel } from "./compat";

const model: CompatModel = { task: "image-classification", inputShape: [28, 28, 1], inputRange: { min: 0, max: 1 }, classLabels: ["0", "1", "2"] };
const dataset = { format: "IDX" as const, sampleShape: [28, 28, 1], valueMin: 0, valueMax: 1, classLabels: ["0", "1", "2"] };

describe("checkCompatibility", () => {
  it("accepts a matching pair with the identity label map", () => {
    expect(checkCompatibility(model, dataset)).toEqual({ compatible: true, differences: [], labelMap: [0, 1, 2] });
  });
  it("treats a trailing channel of 1 as the same shape, and maps a subset of labels", () => {
    const r = checkCompatibility({ ...model, inputShape: [28, 28] }, { ...dataset, classLabels: ["2", "0"] });
    expect(r).toEqual({ compatible: true, differences: [], labelMap: [2, 0] });
  });
  it("lists every difference", () => {
    const r = checkCompatibility({ ...model, inputRange: { min: 0, max: 255 } }, { format: "CSV", sampleShape: [4], valueMin: 0, valueMax: 1, classLabels: ["0", "cat"] });
    expect(r.compatible).toBe(false);
    expect(r.differences.map((d) => d.field)).toEqual(["task", "inputShape", "inputRange", "classLabels"]);
    expect(r.differences[1].message).toBe("The model takes inputs of shape 28×28×1; the dataset's samples are 4.");
    expect(r.differences[2].message).toMatch(/scales differ/);
    expect(r.differences[3].message).toMatch(/"cat"/);
    expect(r.labelMap).toBeUndefined();
  });
  it("refuses data outside the model's range", () => {
    const r = checkCompatibility(model, { ...dataset, valueMin: -1, valueMax: 1 });
    expect(r.differences).toEqual([expect.objectContaining({ field: "inputRange", dataset: "-1..1", model: "0..1" })]);
  });
});
