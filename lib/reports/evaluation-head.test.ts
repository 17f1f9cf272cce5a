import { describe, expect, it } from "vitest";
import { evaluationHead } from "./evaluation-head";
import { IntegritySnapshotSchema } from "./integrity-snapshot";
import { PrivacySnapshotSchema } from "./privacy-snapshot";

// The evaluation a model's integrity or privacy part is drawn from: one shape and one reading for both kinds.

const completed = { number: 7, finishedAt: "2026-11-26T09:00:00.000Z", verdict: "questionable", reliability: { reasons: ["few samples"], other: 1 }, metrics: { kind: "privacy" } };

describe("evaluationHead", () => {
  it("takes the number, the finish time, the verdict and its reasons, and nothing else", () => {
    expect(evaluationHead(completed)).toEqual({ number: 7, finishedAt: "2026-11-26T09:00:00.000Z", verdict: "questionable", reasons: ["few samples"] });
  });

  it("reads no reliability report (or one without reasons) as no reasons", () => {
    expect(evaluationHead({ ...completed, verdict: null, reliability: null }).reasons).toEqual([]);
    expect(evaluationHead({ ...completed, reliability: {} }).reasons).toEqual([]);
  });

  it("is part of both kinds' snapshot schemas", () => {
    for (const schema of [IntegritySnapshotSchema, PrivacySnapshotSchema]) {
      expect(Object.keys(schema.shape)).toEqual(expect.arrayContaining(["number", "finishedAt", "verdict", "reasons"]));
      expect(schema.shape.verdict.safeParse(null).success).toBe(true);
      expect(schema.shape.number.safeParse(1.5).success).toBe(false);
    }
  });
});
