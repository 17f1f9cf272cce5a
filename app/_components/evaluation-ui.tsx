import type { ReactNode } from "react";
import type { LineChartModel } from "@/lib/charts/line";
import { Badge, type Tone } from "./ui";

// Evaluation pieces shared by the list, the evaluation page, the dashboard and the model page.

const STATUS: Record<string, { tone: Tone; label: string }> = {
  QUEUED: { tone: "gray", label: "Queued" },
  RUNNING: { tone: "blue", label: "Running" },
  AGGREGATING: { tone: "blue", label: "Aggregating" },
  COMPLETED: { tone: "green", label: "Completed" },
  FAILED: { tone: "red", label: "Failed" },
  CANCELLED: { tone: "amber", label: "Cancelled" },
};

export function EvaluationStatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { tone: "gray" as Tone, label: status };
  return (
    <span data-testid="evaluation-status">
      <Badge tone={s.tone}>{s.label}</Badge>
    </span>
  );
}

const VERDICT: Record<string, { tone: Tone; label: string }> = {
  reliable: { tone: "green", label: "Reliable" },
  questionable: { tone: "amber", label: "Questionable" },
  unreliable: { tone: "red", label: "Unreliable" },
};

export function VerdictBadge({ verdict }: { verdict: string | null }) {
  if (!verdict) return <span className="text-slate-400">—</span>;
  const v = VERDICT[verdict] ?? { tone: "gray" as Tone, label: verdict };
  return <Badge tone={v.tone}>{v.label}</Badge>;
}

export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  const pct = Math.max(0, Math.min(100, fraction * 100));
  return (
    <div role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)} className="h-2 w-full overflow-hidden rounded-full bg-slate-200">
      <div className="h-full rounded-full bg-brand-600 transition-[width] duration-700" style={{ width: `${pct}%` }} />
    </div>
  );
}

export const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(digits)}%`);

export function fmtEps(eps: number): string {
  if (eps === 0) return "0";
  const k = eps * 255;
  return eps < 0.1 && Math.abs(k - Math.round(k)) < 1e-6 ? `${Math.round(k)}/255` : String(+eps.toPrecision(4));
}

export function Delta({ value }: { value: number }) {
  const pp = value * 100;
  const tone = pp > 0.05 ? "text-emerald-700" : pp < -0.05 ? "text-rose-700" : "text-slate-500";
  return <span className={`tabular-nums ${tone}`}>{pp > 0 ? "+" : ""}{pp.toFixed(1)} pt</span>;
}

/** Renders the pure chart model from lib/charts as an accessible SVG. */
export function LineChartSvg({ model, title, xName = "ε" }: { model: LineChartModel; title: string; xName?: string }) {
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
            <path d={s.d} fill="none" stroke={s.color} strokeWidth={s.name === "worst case" ? 3 : 1.8} strokeDasharray={s.dashed ? "5 4" : undefined} />
            {s.points.map((p) => (
              <circle key={`${s.name}${p.x}`} cx={p.px} cy={p.py} r={2.8} fill={s.color}>
                <title>{`${s.name}: ${(p.y * 100).toFixed(1)}% at ${xName}=${fmtEps(p.x)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
        {model.series.map((s) => (
          <span key={s.name} className="inline-flex items-center gap-1.5">
            <span className="inline-block h-0.5 w-4" style={{ background: s.color }} aria-hidden />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function StatCard({ label, value, sub, testId }: { label: string; value: ReactNode; sub?: ReactNode; testId?: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-1.5 text-2xl font-semibold tabular-nums text-slate-900" data-testid={testId}>{value}</p>
      {sub ? <div className="mt-1 text-xs text-slate-600">{sub}</div> : null}
    </div>
  );
}

export function SectionTabs({ label, items, current }: { label: string; items: { href: string; label: string; key: string }[]; current: string }) {
  return (
    <nav aria-label={label} className="mb-5 flex flex-wrap gap-1 border-b border-slate-200">
      {items.map((t) => (
        <a key={t.key} href={t.href} aria-current={current === t.key ? "page" : undefined} className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${current === t.key ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}
