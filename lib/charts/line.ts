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
  series: ChartSeries[];
  xLabel: string;
  yLabel: string;
}

export type Marker = "circle" | "square" | "triangle" | "diamond";
export interface ChartSeries {
  name: string;
  d: string;
  color: string;
  dashed: boolean;
  /** Stroke dash pattern in chart units (null: solid). */
  dash: [number, number] | null;
  marker: Marker;
  /** Drawn as an outline, larger: this series lies on an earlier one and its markers must show around them. */
  hollow: boolean;
  /** The earlier series this one lies on throughout (null: none), named in the legend. */
  sameAs: string | null;
  /** A later series lies on this one: drawn wider, so the later dashed line shows inside it. */
  covered: boolean;
  points: { x: number; y: number; px: number; py: number }[];
}

// Markers by series order; dash patterns for series drawn over an identical earlier one (the second
// pattern for the next such series), so a curve hidden under another (PGD under the worst case, v2
// under v4) still shows as its own line. A series asked to be dashed gets the first pattern.
export const MARKERS: Marker[] = ["circle", "square", "triangle", "diamond"];
export const DASHES: [number, number][] = [[5, 4], [1.5, 2.5], [10, 3]];
// Points closer than this (in chart units, about a third of a marker) are drawn on top of each other.
const SAME_PX = 1;

/** An SVG path for a marker centred on (cx, cy) with radius r: the web chart and the PDF draw the same shape. */
export function markerPath(shape: Marker, cx: number, cy: number, r: number): string {
  const f = (v: number) => +v.toFixed(2);
  switch (shape) {
    case "circle": return `M${f(cx - r)},${f(cy)}a${f(r)},${f(r)} 0 1,0 ${f(2 * r)},0a${f(r)},${f(r)} 0 1,0 ${f(-2 * r)},0Z`;
    case "square": { const h = r * 0.88; return `M${f(cx - h)},${f(cy - h)}H${f(cx + h)}V${f(cy + h)}H${f(cx - h)}Z`; }
    case "triangle": return `M${f(cx)},${f(cy - r * 1.15)}L${f(cx + r)},${f(cy + r * 0.75)}L${f(cx - r)},${f(cy + r * 0.75)}Z`;
    case "diamond": return `M${f(cx)},${f(cy - r * 1.2)}L${f(cx + r)},${f(cy)}L${f(cx)},${f(cy + r * 1.2)}L${f(cx - r)},${f(cy)}Z`;
  }
}

/** Whether series b lies on series a wherever both have a point at the same x (and they share at least one x). */
function liesOn(a: { x: number; px: number; py: number }[], b: { x: number; px: number; py: number }[]): boolean {
  let shared = 0;
  for (const p of b) {
    const q = a.find((o) => Math.abs(o.px - p.px) < SAME_PX);
    if (!q) continue;
    if (Math.abs(q.py - p.py) >= SAME_PX) return false;
    shared++;
  }
  return shared > 0 && shared >= Math.min(a.length, b.length);
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
    series: styleSeries(opts.series.map((s, i) => ({
      name: s.name,
      d: path(s.points) ?? "",
      color: PALETTE[i % PALETTE.length]!,
      requested: Boolean(s.dashed),
      points: s.points.map((p) => ({ ...p, px: x(p.x), py: y(p.y) })),
    }))),
    xLabel: opts.xLabel,
    yLabel: opts.yLabel,
  };
}

function styleSeries(series: { name: string; d: string; color: string; requested: boolean; points: ChartSeries["points"] }[]): ChartSeries[] {
  const out: ChartSeries[] = [];
  let hidden = 0;
  series.forEach((s, i) => {
    const under = out.find((o) => liesOn(o.points, s.points));
    const dash = under ? DASHES[(hidden++ + (s.requested ? 1 : 0)) % DASHES.length]! : s.requested ? DASHES[0]! : null;
    if (under) under.covered = true;
    out.push({ name: s.name, d: s.d, color: s.color, dashed: dash !== null, dash, marker: MARKERS[i % MARKERS.length]!, hollow: Boolean(under), sameAs: under?.name ?? null, covered: false, points: s.points });
  });
  return out;
}

