import { Badge, statusLabel, type Tone } from "./ui";
import type { ReportScope, ReportStatusName } from "@/lib/reports";

// Small display pieces for audit reports (list, detail and verify pages).

const STATUS_TONE: Record<ReportStatusName, Tone> = { queued: "gray", generating: "blue", draft: "amber", approved: "green", failed: "red", changes_requested: "red" };

export function ReportStatusBadge({ status }: { status: ReportStatusName }) {
  return <span data-status={status}><Badge tone={STATUS_TONE[status]}>{status === "generating" ? "Generating…" : statusLabel(status)}</Badge></span>;
}

export function ShortHash({ label, hash }: { label: string; hash: string | null }) {
  if (!hash) return null;
  return (
    <div className="whitespace-nowrap" title={hash}>
      <span className="text-slate-500">{label}</span> <code className="text-[11px] text-slate-800">{hash.slice(0, 12)}…</code>
    </div>
  );
}

export function scopeSummary(scope: ReportScope, modelLabels: Map<string, string>, frameworks: { id: string; name: string }[]): string {
  const models = scope.models === "all" ? "All models" : scope.models.map((id) => modelLabels.get(id) ?? "archived model").join(", ");
  const fws = scope.frameworks.map((f) => frameworks.find((x) => x.id === f)?.name ?? f).join(", ");
  const period = scope.period.from || scope.period.to ? `; ${scope.period.from ?? "…"} to ${scope.period.to ?? "now"}` : "";
  return `${models} · ${fws}${period}`;
}
