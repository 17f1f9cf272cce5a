import Link from "@/app/_components/link";
import type { ReactNode } from "react";
import { STATUS_LABELS, type EvidenceLink, type Status } from "@/lib/compliance/engine-types";
import { Badge, type Tone } from "./ui";

// Small shared pieces for the compliance pages (status badges, evidence links).

export const STATUS_TONES: Record<Status, Tone> = { satisfied: "green", partial: "amber", failing: "red", stale: "indigo", not_assessed: "gray" };

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span data-status={status}>
      <Badge tone={STATUS_TONES[status]}>{STATUS_LABELS[status]}</Badge>
    </span>
  );
}

export function EvidenceLinkView({ team, link }: { team: string; link: EvidenceLink }) {
  const body: ReactNode = (
    <>
      {link.label}
      {link.metric && link.value !== undefined && link.threshold !== undefined && !link.label.includes("%") ? ` — ${link.metric}: ${fmt(link.value)} vs ${fmt(link.threshold)}` : null}
    </>
  );
  const kind = { evaluation: "Evaluation", model: "Model", dataset: "Dataset", policy: "Policy", attestation: "Attestation", alert: "Alert", schedule: "Schedule", audit: "Audit", deployment: "Deployment", monitoring: "Monitoring" }[link.type];
  return (
    <span className="inline-flex flex-wrap items-baseline gap-1.5">
      <span className="rounded bg-slate-100 px-1.5 py-0.5 text-[10px] font-semibold uppercase tracking-wide text-slate-600">{kind}</span>
      <Link href={`/t/${team}/${link.path}`} className="text-brand-700 hover:underline" data-evidence={link.type}>{body}</Link>
      {link.digest ? <code className="break-all text-[11px] text-slate-500" title="SHA-256">{link.digest}</code> : null}
    </span>
  );
}

const fmt = (v: number) => (v <= 1 ? `${(v * 100).toFixed(1)}%` : String(v));
