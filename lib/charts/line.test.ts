import { describe, expect, it } from "vitest";
import { lineChart, markerPath } from "./line";

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

describe("series hidden under identical ones", () => {
  const pts = (ys: number[]) => ys.map((y, i) => ({ x: i * 0.1, y }));
  it("gives a series lying on an earlier one its own dash, a different marker drawn as an outline, and names what it lies on", () => {
    const m = lineChart({
      series: [{ name: "worst case", points: pts([0.98, 0.5, 0.1]) }, { name: "fgsm", points: pts([0.98, 0.7, 0.4]) }, { name: "pgd", points: pts([0.98, 0.5, 0.1]) }, { name: "apgd", points: pts([0.98, 0.5, 0.1]) }],
      xLabel: "ε", yLabel: "accuracy",
    });
    const [worst, fgsm, pgd, apgd] = m.series;
    // Sharing only the clean point (ε = 0) is not lying on it.
    expect(fgsm).toMatchObject({ dash: null, hollow: false, sameAs: null });
    expect(worst).toMatchObject({ dash: null, hollow: false, sameAs: null, marker: "circle", covered: true });
    expect(fgsm!.covered).toBe(false);
    expect(pgd).toMatchObject({ hollow: true, sameAs: "worst case", marker: "triangle" });
    expect(apgd).toMatchObject({ hollow: true, sameAs: "worst case", marker: "diamond" });
    expect(pgd!.dash).not.toBeNull();
    expect(apgd!.dash).not.toBeNull();
    expect(apgd!.dash).not.toEqual(pgd!.dash);
    expect(new Set(m.series.map((s) => s.marker)).size).toBe(4);
  });

  it("v2 under v4: a later version with the same figures at each budget; a requested dash (ensembles) stays dashed", () => {
    const m = lineChart({ series: [{ name: "v2", points: pts([0.9, 0.8]) }, { name: "v3", points: pts([0.9, 0.6]) }, { name: "v4", points: pts([0.9, 0.8]), dashed: true }], xLabel: "ε", yLabel: "accuracy" });
    expect(m.series[2]).toMatchObject({ sameAs: "v2", hollow: true, dashed: true });
    expect(m.series[1]).toMatchObject({ sameAs: null, dash: null });
  });

  it("marker paths are closed shapes centred on the point", () => {
    for (const shape of ["circle", "square", "triangle", "diamond"] as const) {
      const d = markerPath(shape, 50, 40, 3);
      expect(d.startsWith("M")).toBe(true);
      expect(d.endsWith("Z")).toBe(true);
    }
  });
});
