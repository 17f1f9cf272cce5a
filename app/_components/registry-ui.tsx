import type { ReactNode } from "react";
import { Badge, formatDateTime, type Tone } from "./ui";

// Small pieces shared by the model and dataset pages.

const RISK_TONES: Record<string, Tone> = { MINIMAL: "green", LIMITED: "blue", HIGH: "amber", UNACCEPTABLE: "red" };
const RISK_TEXT: Record<string, string> = { MINIMAL: "Minimal risk", LIMITED: "Limited risk", HIGH: "High risk", UNACCEPTABLE: "Unacceptable risk" };

export function RiskBadge({ tier }: { tier: string }) {
  return (
    <span className="whitespace-nowrap">
      <Badge tone={RISK_TONES[tier] ?? "gray"}>{RISK_TEXT[tier] ?? tier}</Badge>
    </span>
  );
}

export function VersionStatusBadges({ status, evaluatedAt, latest }: { status: string; evaluatedAt: Date | null; latest: boolean }) {
  return (
    <span className="inline-flex flex-wrap gap-1 whitespace-nowrap">
      {status === "ARCHIVED" ? <Badge tone="gray">Archived</Badge> : latest ? <Badge tone="indigo">Latest</Badge> : <Badge tone="gray">Superseded</Badge>}
      {evaluatedAt ? <Badge tone="blue">Evaluated · immutable</Badge> : null}
    </span>
  );
}

/** A SHA-256 digest: short form shown, full value selectable and in the title. */
export function Digest({ value, full = false, testId }: { value: string; full?: boolean; testId?: string }) {
  return (
    <code className={`${full ? "break-all" : "whitespace-nowrap"} rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700`} title={`sha256:${value}`} data-testid={testId} data-digest={value}>
      {full ? value : `${value.slice(0, 12)}…`}
    </code>
  );
}

export function Facts({ items }: { items: [ReactNode, ReactNode][] }) {
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[max-content_minmax(0,1fr)]">
      {items.map(([k, v], i) => (
        <div key={i} className="contents">
          <dt className="font-medium text-slate-500">{k}</dt>
          <dd className="min-w-0 whitespace-pre-line text-slate-900">{v === "" || v === null || v === undefined ? <span className="text-slate-500">—</span> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

const ACTION_TEXT: Record<string, string> = {
  "model.create": "Model registered",
  "model.version.create": "Version uploaded",
  "model.card.update": "Card edited",
  "model.version.archive": "Version archived",
  "model.version.restore": "Version restored",
  "model.version.delete": "Version deleted",
  "model.version.discard": "Upload discarded (store failure)",
  "model.archive": "Model archived",
  "model.restore": "Model restored",
  "dataset.create": "Dataset registered",
  "dataset.version.create": "Version uploaded",
  "dataset.card.update": "Card edited",
  "dataset.version.archive": "Version archived",
  "dataset.version.restore": "Version restored",
  "dataset.version.delete": "Version deleted",
  "dataset.version.discard": "Upload discarded (store failure)",
  "dataset.archive": "Dataset archived",
  "dataset.restore": "Dataset restored",
};

export function History({ events }: { events: { id: string; seq: number; action: string; actorLabel: string; createdAt: Date; details: unknown }[] }) {
  if (events.length === 0) return <p className="text-sm text-slate-500">No events yet.</p>;
  return (
    <ol className="space-y-3 text-sm">
      {events.map((e) => {
        const d = (e.details ?? {}) as Record<string, unknown>;
        const extra = [
          typeof d.version === "number" ? `v${d.version}` : null,
          Array.isArray(d.changed) ? `changed ${(d.changed as string[]).join(", ")}` : null,
        ].filter(Boolean);
        return (
          <li key={e.id} className="flex gap-3">
            <span className="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-slate-300" aria-hidden />
            <div>
              <p className="text-slate-900">
                <span className="font-medium">{ACTION_TEXT[e.action] ?? e.action}</span>
                {extra.length ? <span className="text-slate-600"> · {extra.join(" · ")}</span> : null}
              </p>
              <p className="text-xs text-slate-500">
                {e.actorLabel} · {formatDateTime(e.createdAt)} · audit event #{e.seq}
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

export function Tabs({ items, current }: { items: { href: string; label: string; key: string }[]; current: string }) {
  return (
    <nav aria-label="Versions" className="mb-6 flex flex-wrap gap-1 border-b border-slate-200">
      {items.map((t) => (
        <a
          key={t.key}
          href={t.href}
          aria-current={current === t.key ? "page" : undefined}
          className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${current === t.key ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
        >
          {t.label}
        </a>
      ))}
    </nav>
  );
}
