import { describe, expect, it } from "vitest";
import { lineChart } from "./line";

describe("lineChart", () => {
  it("maps points into the plot area and builds a path per series", () => {
    const m = lineChart({ series: [{ name: "pgd", points: [{ x: 0, y: 1 }, { x: 0.3, y: 0 }] }], xLabel: "ε", yLabel: "accuracy", width: 200, height: 100 });
    const s = m.series[0]!;
    expect(s.points[0]).toMatchObject({ px: m.margin.left, py: m.margin.top });
    expect(s.points[1]).toMatchObject({ px: 200 - m.margin.right, py: 100 - m.margin.bottom });
    expect(s.d.startsWith("M")).toBe(true);
    expect(m.xTicks.map((t) => t.value)).toEqual([0, 0.3]);
    expect(m.yTicks.at(-1)!.label).toBe("100%");
  });
});
