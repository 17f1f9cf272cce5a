import type { StackedBarModel, TrendModel } from "@/lib/compliance/charts";

// SVG renderers for the pure chart models of lib/compliance/charts.ts. Server-rendered, no JavaScript;
// each chart has a text alternative and every segment a <title>.

export function StackedBars({ model, title }: { model: StackedBarModel; title: string }) {
  const summary = model.rows.map((r) => `${r.label}: ${r.segments.map((s) => `${s.count} ${s.label.toLowerCase()}`).join(", ")}`).join("; ");
  return (
    <figure>
      <svg viewBox={`0 0 ${model.width} ${model.height}`} width="100%" style={{ maxWidth: model.width }} role="img" aria-label={`${title}. ${summary}`}>
        {model.rows.map((r) => (
          <g key={r.label}>
            <text x={0} y={r.y + r.height / 2 - (r.sublabel ? 5 : 0)} dy="0.32em" fontSize={12} fontWeight={600} fill="#0f172a">{r.label}</text>
            {r.sublabel ? <text x={0} y={r.y + r.height / 2 + 9} dy="0.32em" fontSize={10} fill="#64748b">{r.sublabel}</text> : null}
            <rect x={model.labelWidth} y={r.y} width={model.width - model.labelWidth - 40} height={r.height} fill="#f1f5f9" rx={3} />
            {r.segments.map((s) => (
              <rect key={s.status} x={s.x} y={r.y} width={Math.max(0, s.width - 1)} height={r.height} fill={s.color}>
                <title>{`${r.label}: ${s.count} ${s.label.toLowerCase()} of ${r.total}`}</title>
              </rect>
            ))}
            {r.segments.map((s) => (s.width > 22 ? (
              <text key={`t-${s.status}`} x={s.x + s.width / 2} y={r.y + r.height / 2} dy="0.32em" textAnchor="middle" fontSize={11} fontWeight={600} fill={s.status === "not_assessed" ? "#334155" : "#fff"}>{s.count}</text>
            ) : null))}
            <text x={model.width - 34} y={r.y + r.height / 2} dy="0.32em" fontSize={11} fill="#64748b">{r.total}</text>
          </g>
        ))}
      </svg>
      <Legend items={model.legend} />
    </figure>
  );
}

export function Legend({ items }: { items: { label: string; color: string }[] }) {
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-hidden>
      {items.map((l) => (
        <li key={l.label} className="flex items-center gap-1.5">
          <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: l.color }} />
          {l.label}
        </li>
      ))}
    </ul>
  );
}

export function TrendLines({ model, title }: { model: TrendModel; title: string }) {
  const summary = model.series.map((s) => `${s.label}: ${s.last?.value ?? 0} now`).join(", ");
  return (
    <figure>
      <svg viewBox={`0 0 ${model.width} ${model.height}`} width="100%" style={{ maxWidth: model.width }} role="img" aria-label={`${title}. ${model.points} snapshots. ${summary}`}>
        {model.yTicks.map((t) => (
          <g key={t.label}>
            <line x1={model.plot.left} x2={model.plot.right} y1={t.y} y2={t.y} stroke="#e2e8f0" />
            <text x={model.plot.left - 6} y={t.y} dy="0.32em" textAnchor="end" fontSize={10} fill="#64748b">{t.label}</text>
          </g>
        ))}
        {model.xTicks.map((t) => (
          <text key={t.label + t.x} x={t.x} y={model.height - 8} textAnchor="middle" fontSize={10} fill="#64748b">{t.label}</text>
        ))}
        {model.series.map((s) => (
          <g key={s.status}>
            <path d={s.d} fill="none" stroke={s.color} strokeWidth={2} />
            {s.last ? (
              <circle cx={s.last.x} cy={s.last.y} r={3} fill={s.color}>
                <title>{`${s.label}: ${s.last.value}`}</title>
              </circle>
            ) : null}
          </g>
        ))}
      </svg>
      <Legend items={model.series.map((s) => ({ label: s.label, color: s.color }))} />
    </figure>
  );
}
