import { describe, expect, it } from "vitest";
import type { ExampleRecord } from "../engine/shard";
import { recordsToCsv } from "./export";

describe("results.csv", () => {
  it("writes one row per example, and class labels that look like formulas are neutralised", () => {
    const rec = (index: number, label: number): ExampleRecord => ({
      index,
      label,
      cleanPred: label,
      cleanConf: 0.9,
      cleanCorrect: true,
      cleanLoss: 0.1,
      attacks: [{ attack: "pgd", norm: "linf", eps: 0.1, advPred: 1 - label, success: true, linf: 0.1, l2: 0.5, queries: 0 } as ExampleRecord["attacks"][number]],
    });
    const csv = recordsToCsv([rec(1, 1), rec(0, 0)], ["=cmd|' /C calc'!A0", "@SUM(A1)"]);
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('"clean_prediction"');
    expect(lines[1]).toBe(`"0","'=cmd|' /C calc'!A0","'=cmd|' /C calc'!A0","0.900000","true","'@SUM(A1)","true","0.100000","0.500000","0"`);
    expect(lines[2].startsWith(`"1","'@SUM(A1)"`)).toBe(true);
  });
});
