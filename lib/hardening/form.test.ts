import { describe, expect, it } from "vitest";
import { CreateHardeningSchema } from "./create";
import { formFieldOf, HardeningFormSchema } from "./form";

const fields = { modelVersionId: "mv1", datasetVersionId: "dv1", trainCount: "300", method: "pgd-at", eps: "0.1", steps: "5", stepSize: "", beta: "6", corruptions: "", severity: "3", noiseStd: "0.1", epochs: "2", learningRate: "0.001", batchSize: "32", seed: "7", validationShare: "0", patience: "2" };

describe("HardeningFormSchema", () => {
  it("turns the form's strings into a request createHardening accepts, keeping only the chosen method's fields", () => {
    const r = HardeningFormSchema.parse(fields);
    expect(r).toMatchObject({ modelVersionId: "mv1", datasetVersionId: "dv1", trainCount: 300, params: { method: "pgd-at", eps: 0.1, steps: 5, epochs: 2, learningRate: 0.001, batchSize: 32, seed: 7, validationShare: 0 } });
    expect(r.params.beta).toBeUndefined();
    expect(r.params.stepSize).toBeUndefined();
    const full = CreateHardeningSchema.parse(r);
    expect(full.params).toMatchObject({ beta: 6, corruptions: [], patience: 2 });
  });

  it("reads TRADES' β and augmentation's ticked corruptions; an empty training count means all", () => {
    expect(HardeningFormSchema.parse({ ...fields, method: "trades", beta: "3", stepSize: "0.02" }).params).toMatchObject({ method: "trades", beta: 3, stepSize: 0.02 });
    const aug = HardeningFormSchema.parse({ ...fields, method: "augment", corruptions: "rotation,jpeg,rotation", severity: "2", noiseStd: "0.2", trainCount: "" });
    expect(aug.params).toMatchObject({ method: "augment", corruptions: ["rotation", "jpeg"], severity: 2, noiseStd: 0.2 });
    expect(aug.trainCount).toBeUndefined();
    expect(CreateHardeningSchema.safeParse(aug).success).toBe(true);
  });

  it("names each bad field in the form's words", () => {
    const r = HardeningFormSchema.safeParse({ ...fields, eps: "0", steps: "2.5", epochs: "", learningRate: "abc", batchSize: "5000", corruptions: "fog", datasetVersionId: "" });
    expect(r.success).toBe(false);
    const byField = Object.fromEntries(r.error!.issues.map((i) => [i.path.join("."), i.message]));
    expect(byField).toEqual({
      eps: "ε: more than 0",
      steps: "Attack steps: a whole number",
      epochs: "Epochs: enter a number",
      learningRate: "Learning rate: enter a number",
      batchSize: "Batch size: at most 1,024",
      corruptions: "Unknown corruption: fog",
      datasetVersionId: "Choose the training dataset version",
    });
  });

  it("maps lib's parameter fields back to the form's", () => {
    expect(formFieldOf("params.validationShare")).toBe("validationShare");
    expect(formFieldOf("datasetVersionId")).toBe("datasetVersionId");
  });
});
