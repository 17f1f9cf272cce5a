import Link from "@/app/_components/link";
import type { TeamContext } from "@/lib/teams/access";
import { Card, formatDateTime } from "@/app/_components/ui";
import { EvaluationStatusBadge, VerdictBadge, pct } from "@/app/_components/evaluation-ui";
import { AcknowledgeForm } from "../evaluations/[number]/controls";
import { can } from "@/lib/auth/permissions";
import type { dashboardEvaluations } from "@/lib/evaluations/page-data";

/** Dashboard: open regression alerts first (the silent regressions), then the latest evaluations. */
export function EvaluationsSection({ ctx, data: { alerts, recent } }: { ctx: TeamContext; data: Awaited<ReturnType<typeof dashboardEvaluations>> }) {
  const base = `/t/${ctx.team.slug}`;
  return (
    <div className="mt-6 grid gap-6 lg:grid-cols-2">
      <Card title={`Regression alerts${alerts.length ? ` (${alerts.length} open)` : ""}`}>
        {alerts.length === 0 ? (
          <p className="text-sm text-slate-600">No open alerts. When a re-evaluation loses more robust accuracy than the team&apos;s tolerance, even with clean accuracy unchanged, it shows here.</p>
        ) : (
          <ul className="space-y-4">
            {alerts.map((a) => (
              <li key={a.id} className="rounded-lg border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900" data-testid="regression-alert">
                <p>{a.summary}</p>
                <p className="mt-1 text-xs"><Link className="font-medium underline" href={`${base}/evaluations/${a.evaluationNumber}`}>{`Evaluation #${a.evaluationNumber}`}</Link>{` · ${formatDateTime(a.createdAt)}`}</p>
                {can(ctx.role, "alert.acknowledge") ? <AcknowledgeForm team={ctx.team.slug} alertId={a.id} /> : null}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Latest evaluations" actions={<Link className="text-sm font-medium text-brand-700 hover:underline" href={`${base}/evaluations`}>All evaluations</Link>}>
        {recent.length === 0 ? (
          <p className="text-sm text-slate-600">No evaluations yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm">
            {recent.map((e) => (
              <li key={e.id} className="flex items-center justify-between gap-3 py-2">
                <span>
                  <Link className="font-medium text-brand-700 hover:underline" href={`${base}/evaluations/${e.number}`}>{`#${e.number}`}</Link>{` ${e.modelName ?? ""} v${e.version}`}
                  <span className="block text-xs text-slate-500">{`clean ${pct(e.cleanAccuracy)} · robust ${pct(e.headlineRobust)} (smallest ε)`}</span>
                </span>
                <span className="flex items-center gap-2"><VerdictBadge verdict={e.verdict} /><EvaluationStatusBadge status={e.status} /></span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
