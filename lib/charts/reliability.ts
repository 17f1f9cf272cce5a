import { lineChart, type LineChartModel } from "./line";
import type { ReliabilityBin } from "../engine/calibration";

/**
 * Reliability diagram as a line chart: accuracy against mean confidence of each non-empty bin, with the
 * diagonal of perfect calibration dashed. Used by the results page and the PDF report alike.
 */
export function reliabilityDiagram(rows: { name: string; bins: Pick<ReliabilityBin, "count" | "meanConfidence" | "accuracy">[] }[], size = { width: 420, height: 300 }): LineChartModel {
  return lineChart({
    ...size,
    series: [
      { name: "perfectly calibrated", points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], dashed: true },
      ...rows.map((r) => ({
        name: r.name,
        points: r.bins.filter((b) => b.count > 0).map((b) => ({ x: b.meanConfidence!, y: b.accuracy! })),
      })),
    ],
    xLabel: "confidence (mean per bin)",
    yLabel: "accuracy",
    yDomain: [0, 1],
    formatX: (v) => `${Math.round(v * 100)}%`,
  });
}
