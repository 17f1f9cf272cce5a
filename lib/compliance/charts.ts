import { scaleLinear, scaleTime } from "d3-scale";
import { line } from "d3-shape";
import { STATUSES, STATUS_LABELS, type Status } from "./engine-types";
import type { StatusCounts } from "./rollups";

// Pure chart models (geometry only, no React, no DOM): the web renders them as SVG, and the PDF report can
// draw the same shapes with pdfkit.

export const STATUS_COLORS: Record<Status, string> = {
  satisfied: "#059669",
  partial: "#d97706",
  failing: "#e11d48",
  stale: "#7c3aed",
  not_assessed: "#cbd5e1",
};

export interface BarSegment { status: Status; label: string; count: number; x: number; width: number; color: string }
export interface BarRow { label: string; sublabel?: string; y: number; height: number; total: number; segments: BarSegment[] }
export interface StackedBarModel { width: number; height: number; labelWidth: number; rows: BarRow[]; legend: { status: Status; label: string; color: string }[] }

/** Horizontal 100% stacked bars, one row per framework, segments in status order. */
export function stackedBarModel(rows: { label: string; sublabel?: string; counts: StatusCounts }[], o: { width?: number; rowHeight?: number; gap?: number; labelWidth?: number } = {}): StackedBarModel {
  const width = o.width ?? 640, rowHeight = o.rowHeight ?? 22, gap = o.gap ?? 18, labelWidth = o.labelWidth ?? 150;
  const barWidth = width - labelWidth - 40;
  const out: BarRow[] = rows.map((r, i) => {
    const total = STATUSES.reduce((s, k) => s + r.counts[k], 0);
    const x = scaleLinear().domain([0, Math.max(total, 1)]).range([0, barWidth]);
    let acc = 0;
    const segments: BarSegment[] = [];
    for (const status of STATUSES) {
      const count = r.counts[status];
      if (count > 0) segments.push({ status, label: STATUS_LABELS[status], count, x: labelWidth + x(acc), width: x(acc + count) - x(acc), color: STATUS_COLORS[status] });
      acc += count;
    }
    return { label: r.label, sublabel: r.sublabel, y: i * (rowHeight + gap) + 4, height: rowHeight, total, segments };
  });
  return {
    width, height: rows.length * (rowHeight + gap) + 4, labelWidth, rows: out,
    legend: STATUSES.map((s) => ({ status: s, label: STATUS_LABELS[s], color: STATUS_COLORS[s] })),
  };
}

export interface TrendSeries { status: Status; label: string; color: string; d: string; last: { x: number; y: number; value: number } | null }
export interface TrendModel {
  width: number; height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  series: TrendSeries[];
  xTicks: { x: number; label: string }[];
  yTicks: { y: number; label: string }[];
  points: number;
}

/** Count of controls per status over time (one line per status). */
export function trendModel(points: { at: Date; counts: StatusCounts | undefined }[], o: { width?: number; height?: number } = {}): TrendModel {
  const width = o.width ?? 640, height = o.height ?? 200;
  const plot = { left: 36, top: 10, right: width - 12, bottom: height - 26 };
  const pts = points.filter((p) => p.counts);
  const times = pts.map((p) => p.at.getTime());
  const t0 = times.length ? Math.min(...times) : Date.now();
  const t1 = times.length ? Math.max(...times) : t0 + 1;
  const x = scaleTime().domain([new Date(t0), new Date(t1 === t0 ? t0 + 3_600_000 : t1)]).range([plot.left, plot.right]);
  const maxY = Math.max(1, ...pts.flatMap((p) => STATUSES.map((s) => p.counts![s])));
  const y = scaleLinear().domain([0, maxY]).nice(4).range([plot.bottom, plot.top]);
  const series = STATUSES.map((status): TrendSeries => {
    const data = pts.map((p) => ({ x: x(p.at), y: y(p.counts![status]), value: p.counts![status] }));
    const d = line<{ x: number; y: number }>().x((p) => p.x).y((p) => p.y)(data) ?? "";
    return { status, label: STATUS_LABELS[status], color: STATUS_COLORS[status], d, last: data.at(-1) ?? null };
  });
  const fmt = (d: Date) => d.toISOString().slice(5, 16).replace("T", " ");
  return {
    width, height, plot, series, points: pts.length,
    xTicks: x.ticks(4).map((d) => ({ x: x(d), label: fmt(d) })),
    yTicks: y.ticks(4).map((v) => ({ y: y(v), label: String(v) })),
  };
}
