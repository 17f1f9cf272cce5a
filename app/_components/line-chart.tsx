import { markerPath, type ChartSeries, type LineChartModel } from "@/lib/charts/line";

type Point = LineChartModel["series"][number]["points"][number];

/**
 * Every line chart of the product: renders the pure chart model from lib/charts (the PDF draws the same
 * paths) as an accessible SVG with a legend. Point markers carry a tooltip; they are left out of series
 * with more than `maxMarkers` points, where they would hide the line.
 */
export function LineChart({ model, title, pointTitle, bold = () => false, maxMarkers = 60 }: {
  model: LineChartModel;
  title: string;
  pointTitle: (series: string, p: Point) => string;
  bold?: (series: string) => boolean;
  maxMarkers?: number;
}) {
  const { width, height, margin } = model;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="w-full" role="img" aria-label={title}>
        <title>{title}</title>
        {model.yTicks.map((t) => (
          <g key={`y${t.value}`}>
            <line x1={margin.left} x2={width - margin.right} y1={t.pos} y2={t.pos} stroke="#e2e8f0" />
            <text x={margin.left - 6} y={t.pos} textAnchor="end" dominantBaseline="middle" fontSize="10" fill="#64748b">{t.label}</text>
          </g>
        ))}
        {model.xTicks.map((t) => (
          <text key={`x${t.value}`} x={t.pos} y={height - margin.bottom + 14} textAnchor="middle" fontSize="10" fill="#64748b">{t.label}</text>
        ))}
        <text x={(margin.left + width - margin.right) / 2} y={height - 6} textAnchor="middle" fontSize="11" fill="#334155">{model.xLabel}</text>
        <text transform={`translate(12 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle" fontSize="11" fill="#334155">{model.yLabel}</text>
        {model.series.map((s) => (
          <g key={s.name}>
            <path d={s.d} fill="none" stroke={s.color} strokeWidth={bold(s.name) || s.covered ? 4 : s.dash ? 1.6 : 1.8} strokeOpacity={s.covered ? 0.55 : 1} strokeDasharray={s.dash?.join(" ")} />
            {s.points.length <= maxMarkers
              ? s.points.map((p, i) => (
                  <path key={i} d={markerPath(s.marker, p.px, p.py, s.hollow ? 4.2 : 2.8)} fill={s.hollow ? "white" : s.color} fillOpacity={s.hollow ? 0 : 1} stroke={s.color} strokeWidth={s.hollow ? 1.4 : 0}>
                    <title>{pointTitle(s.name, p)}</title>
                  </path>
                ))
              : null}
          </g>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {model.series.map((s) => (
          <span key={s.name} className="inline-flex items-center gap-1.5">
            <LegendKey s={s} />
            {s.name}{s.sameAs ? <span className="text-slate-600">(same as {s.sameAs})</span> : null}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** The legend's sample: the series' line (with its dash) and its marker. */
function LegendKey({ s }: { s: ChartSeries }) {
  return (
    <svg width="26" height="10" viewBox="0 0 26 10" aria-hidden className="shrink-0">
      <line x1="1" x2="25" y1="5" y2="5" stroke={s.color} strokeWidth="1.8" strokeDasharray={s.dash?.map((v) => v * 0.8).join(" ")} />
      <path d={markerPath(s.marker, 13, 5, s.hollow ? 3.4 : 2.6)} fill={s.hollow ? "white" : s.color} stroke={s.color} strokeWidth={s.hollow ? 1.2 : 0} />
    </svg>
  );
}

