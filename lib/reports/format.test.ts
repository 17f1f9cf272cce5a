import { describe, expect, it } from "vitest";
import { pct, pp, wilson } from "./format";

describe("report number formats", () => {
  it("Wilson 95% interval", () => {
    const [lo, hi] = wilson(383, 400);
    expect(lo).toBeCloseTo(0.9325, 3);
    expect(hi).toBeCloseTo(0.9733, 3);
    expect(wilson(0, 50)[0]).toBe(0);
    expect(wilson(50, 50)[1]).toBe(1);
    expect(wilson(0, 0)).toEqual([0, 1]);
  });
  it("percentages and point differences", () => {
    expect(pct(0.9575)).toBe("95.75%");
    expect(pp(-0.0125)).toBe("−1.25 pp");
    expect(pp(0.005)).toBe("+0.50 pp");
  });
});
