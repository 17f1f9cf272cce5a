import { describe, expect, it } from "vitest";
import { stackedBarModel, trendModel, STATUS_COLORS } from "./charts";
import { emptyCounts } from "./rollups";

describe("chart models", () => {
  it("stacked bars: segments in status order fill the bar in proportion to the counts", () => {
    const m = stackedBarModel([{ label: "NIST AI RMF", counts: { ...emptyCounts(), satisfied: 10, failing: 2, not_assessed: 60 } }, { label: "Empty", counts: emptyCounts() }], { width: 640, labelWidth: 150 });
    const r = m.rows[0];
    expect(r.total).toBe(72);
    expect(r.segments.map((s) => s.status)).toEqual(["satisfied", "failing", "not_assessed"]);
    expect(r.segments[0].x).toBe(150);
    const sum = r.segments.reduce((a, s) => a + s.width, 0);
    expect(sum).toBeCloseTo(640 - 150 - 40, 6);
    expect(r.segments[1].width / sum).toBeCloseTo(2 / 72, 6);
    expect(r.segments[1].color).toBe(STATUS_COLORS.failing);
    expect(m.rows[1].segments).toEqual([]);
    expect(m.legend).toHaveLength(5);
  });

  it("trend: one path per status through every snapshot, newest value marked", () => {
    const t0 = new Date("2026-11-01T00:00:00Z");
    const pts = [0, 1, 2].map((d) => ({ at: new Date(t0.getTime() + d * 86_400_000), counts: { ...emptyCounts(), satisfied: d * 5, not_assessed: 72 - d * 5 } }));
    const m = trendModel(pts, { width: 600, height: 200 });
    expect(m.points).toBe(3);
    const sat = m.series.find((s) => s.status === "satisfied")!;
    expect(sat.d.startsWith("M")).toBe(true);
    expect(sat.d.split("L")).toHaveLength(3);
    expect(sat.last).toMatchObject({ value: 10, x: m.plot.right });
    expect(m.yTicks[0].label).toBe("0");
    expect(trendModel([]).points).toBe(0);
  });
});
