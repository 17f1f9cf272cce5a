import type { LineChartModel } from "@/lib/charts/line";

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
            <path d={s.d} fill="none" stroke={s.color} strokeWidth={bold(s.name) ? 3 : s.dashed ? 1.5 : 1.8} strokeDasharray={s.dashed ? "5 4" : undefined} />
            {s.points.length <= maxMarkers
              ? s.points.map((p, i) => (
                  <circle key={i} cx={p.px} cy={p.py} r={2.6} fill={s.color}>
                    <title>{pointTitle(s.name, p)}</title>
                  </circle>
                ))
              : null}
          </g>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {model.series.map((s) => (
          <span key={s.name} className="inline-flex items-center gap-1.5">
            <span className="inline-block h-0.5 w-4" style={s.dashed ? { borderTop: `2px dashed ${s.color}` } : { background: s.color }} aria-hidden />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
