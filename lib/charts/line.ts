import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";

// A small, pure chart model: scales, ticks and SVG path strings. The web page renders it as SVG and
// the PDF report draws the same path strings with pdfkit, so both show the same figure.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

export interface LineChartModel {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  xTicks: { value: number; label: string; pos: number }[];
  yTicks: { value: number; label: string; pos: number }[];
  series: { name: string; d: string; color: string; dashed: boolean; points: { x: number; y: number; px: number; py: number }[] }[];
  xLabel: string;
  yLabel: string;
}

/** Colour-blind-safe palette (Okabe–Ito), in a fixed order so a series keeps its colour everywhere. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

export function lineChart(opts: {
  series: Series[];
  width?: number;
  height?: number;
  xLabel: string;
  yLabel: string;
  yDomain?: [number, number];
  formatX?: (v: number) => string;
  formatY?: (v: number) => string;
}): LineChartModel {
  const width = opts.width ?? 560;
  const height = opts.height ?? 300;
  const margin = { top: 12, right: 16, bottom: 40, left: 48 };
  const xs = opts.series.flatMap((s) => s.points.map((p) => p.x));
  const xMax = Math.max(0, ...xs);
  const x = scaleLinear().domain([0, xMax || 1]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain(opts.yDomain ?? [0, 1]).range([height - margin.bottom, margin.top]);
  const fx = opts.formatX ?? ((v: number) => String(+v.toPrecision(3)));
  const fy = opts.formatY ?? ((v: number) => `${Math.round(v * 100)}%`);
  const path = line<{ x: number; y: number }>()
    .x((p) => x(p.x))
    .y((p) => y(p.y));
  const xTickValues = [...new Set([0, ...xs])].sort((a, b) => a - b);
  return {
    width,
    height,
    margin,
    xTicks: (xTickValues.length <= 8 ? xTickValues : x.ticks(6)).map((v) => ({ value: v, label: fx(v), pos: x(v) })),
    yTicks: y.ticks(5).map((v) => ({ value: v, label: fy(v), pos: y(v) })),
    series: opts.series.map((s, i) => ({
      name: s.name,
      d: path(s.points) ?? "",
      color: PALETTE[i % PALETTE.length]!,
      dashed: Boolean(s.dashed),
      points: s.points.map((p) => ({ ...p, px: x(p.x), py: y(p.y) })),
    })),
    xLabel: opts.xLabel,
    yLabel: opts.yLabel,
  };
}
