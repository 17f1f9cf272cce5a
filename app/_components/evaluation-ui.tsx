import type { ReactNode } from "react";
import { LineChart } from "./line-chart";
import type { LineChartModel } from "@/lib/charts/line";
import { VERDICT_MEANING, verdictLabel } from "@/lib/engine/verdict-words";
import { Badge, KeepGreek, statusLabel, type Tone } from "./ui";

// Evaluation pieces shared by the list, the evaluation page, the dashboard and the model page.

/** The tone of each evaluation status's badge; its keys are the list's status filter, in order. */
export const EVALUATION_STATUS_TONE: Record<string, Tone> = { QUEUED: "gray", RUNNING: "blue", AGGREGATING: "blue", COMPLETED: "green", FAILED: "red", CANCELLED: "amber" };

export function EvaluationStatusBadge({ status }: { status: string }) {
  const tone = EVALUATION_STATUS_TONE[status];
  return (
    <span data-testid="evaluation-status">
      <Badge tone={tone ?? "gray"}>{tone ? statusLabel(status) : status}</Badge>
    </span>
  );
}

export const VERDICT_TONE: Record<string, Tone> = { reliable: "green", questionable: "amber", unreliable: "red" };

/** The evaluation's own checks (lib/engine/verdict-words): says whether its numbers can be trusted, not that the model is good. */
export function VerdictBadge({ verdict }: { verdict: string | null }) {
  if (!verdict) return <span className="text-slate-500">—</span>;
  return <span title={VERDICT_MEANING}><Badge tone={VERDICT_TONE[verdict] ?? "gray"}>{verdictLabel(verdict)}</Badge></span>;
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

/** Accuracy against the perturbation budget: the shared line chart with ε on the x axis and the worst case drawn bold. */
export function LineChartSvg({ model, title, xName = "ε" }: { model: LineChartModel; title: string; xName?: string }) {
  return <LineChart model={model} title={title} bold={(s) => s === "worst case"} pointTitle={(s, p) => `${s}: ${(p.y * 100).toFixed(1)}% at ${xName}=${fmtEps(p.x)}`} />;
}

export function StatCard({ label, value, sub, testId }: { label: string; value: ReactNode; sub?: ReactNode; testId?: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500"><KeepGreek>{label}</KeepGreek></p>
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
