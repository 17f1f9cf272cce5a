import { describe, expect, it } from "vitest";
import { ModelCardSchema, cardInputFromFields, cardToFields, describeTrainingCost } from "./model-card";

// The card's training-cost fields (issue 15: cost of robustness): optional, round-trip through the form.

const fields = (extra: Record<string, string> = {}) => ({
  task: "image-classification", inputShape: "28,28,1", "inputRange.min": "0", "inputRange.max": "1", classLabels: "a, b",
  intendedUse: "demo", outOfScopeUse: "anything else", riskTier: "limited", owner: "Eli", "trainingMethod.kind": "standard", ...extra,
});

describe("model card training cost", () => {
  it("is absent when no field is filled in, so older cards and forms are unchanged", () => {
    const card = ModelCardSchema.parse(cardInputFromFields(fields({ "trainingCost.epochs": "", "trainingCost.hardware": " " })));
    expect(card.trainingCost).toBeUndefined();
    expect(describeTrainingCost(card.trainingCost)).toBeNull();
  });

  it("records epochs, wall time and hardware and round-trips through the form fields", () => {
    const card = ModelCardSchema.parse(cardInputFromFields(fields({ "trainingCost.epochs": "14", "trainingCost.wallTimeHours": "0.25", "trainingCost.hardware": "2 vCPU VM" })));
    expect(card.trainingCost).toEqual({ epochs: 14, wallTimeHours: 0.25, hardware: "2 vCPU VM" });
    expect(describeTrainingCost(card.trainingCost)).toBe("14 epochs, 0.25 h wall time, on 2 vCPU VM");
    expect(ModelCardSchema.parse(cardInputFromFields(cardToFields(card))).trainingCost).toEqual(card.trainingCost);
  });

  it("refuses bad values naming the field", () => {
    const r = ModelCardSchema.safeParse(cardInputFromFields(fields({ "trainingCost.epochs": "1.5", "trainingCost.wallTimeHours": "-2" })));
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["trainingCost.epochs", "trainingCost.wallTimeHours"]));
  });
});
