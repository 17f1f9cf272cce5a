import { scaleBand, scaleLinear } from "d3-scale";

// A horizontal-label, vertical-bar SVG chart (class distributions and the like). Server-rendered,
// no JavaScript; every bar has a <title> and the whole chart a text alternative.

export function BarChart({ data, title, height = 220, valueLabel = "count" }: { data: { label: string; value: number }[]; title: string; height?: number; valueLabel?: string }) {
  const width = Math.max(360, Math.min(1100, data.length * 56 + 60));
  const m = { top: 18, right: 12, bottom: data.some((d) => d.label.length > 6) ? 70 : 32, left: 48 };
  const max = Math.max(1, ...data.map((d) => d.value));
  const x = scaleBand<string>().domain(data.map((_, i) => String(i))).range([m.left, width - m.right]).padding(0.2);
  const y = scaleLinear().domain([0, max]).nice().range([height - m.bottom, m.top]);
  const ticks = y.ticks(4);
  const rotate = m.bottom > 40;
  const summary = data.map((d) => `${d.label}: ${d.value}`).join(", ");
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: width }} role="img" aria-label={`${title}. ${summary}`} className="text-slate-500">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={m.left} x2={width - m.right} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={m.left - 6} y={y(t)} dy="0.32em" textAnchor="end" fontSize={11} fill="currentColor">
              {t.toLocaleString("en")}
            </text>
          </g>
        ))}
        {data.map((d, i) => {
          const bx = x(String(i))!;
          const by = y(d.value);
          return (
            <g key={i}>
              {data.length <= 40 ? (
                <text x={bx + x.bandwidth() / 2} y={by - 4} fontSize={10} fill="#475569" textAnchor="middle">
                  {d.value.toLocaleString("en")}
                </text>
              ) : null}
              <rect x={bx} y={by} width={x.bandwidth()} height={Math.max(0, height - m.bottom - by)} rx={2} className={d.value === 0 ? "fill-rose-400" : "fill-brand-600"}>
                <title>{`${d.label}: ${d.value.toLocaleString("en")} ${valueLabel}`}</title>
              </rect>
              <text
                x={bx + x.bandwidth() / 2}
                y={height - m.bottom + 14}
                fontSize={11}
                fill="#334155"
                textAnchor={rotate ? "end" : "middle"}
                transform={rotate ? `rotate(-40 ${bx + x.bandwidth() / 2} ${height - m.bottom + 14})` : undefined}
              >
                {d.label.length > 14 ? d.label.slice(0, 13) + "…" : d.label}
              </text>
            </g>
          );
        })}
        <line x1={m.left} x2={width - m.right} y1={height - m.bottom} y2={height - m.bottom} stroke="#94a3b8" />
      </svg>
      <figcaption className="sr-only">{title}</figcaption>
    </figure>
  );
}
