import Link from "@/app/_components/link";
import type { TeamContext } from "@/lib/teams/access";
import { ButtonLink, Card, formatDateTime } from "@/app/_components/ui";
import { EvaluationStatusBadge, VerdictBadge, pct } from "@/app/_components/evaluation-ui";
import { AcknowledgeForm } from "./[number]/controls";
import { can } from "@/lib/auth/permissions";
import { modelEvaluations } from "@/lib/evaluations/page-data";

/** On a model's page: its open regression alerts and its evaluations, newest first. */
export async function ModelEvaluationsSection({ ctx, modelId }: { ctx: TeamContext; modelId: string }) {
  const { alerts, evaluations, versionNumbers: versions } = await modelEvaluations(ctx, modelId);
  const base = `/t/${ctx.team.slug}/evaluations`;
  return (
    <Card title="Evaluations" className="mt-6" actions={can(ctx.role, "evaluation.run") ? <ButtonLink href={`${base}/new?model=${modelId}`} variant="secondary">Evaluate</ButtonLink> : null}>
      {alerts.map((a) => (
        <div key={a.id} role="alert" className="mb-3 rounded-lg border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900">
          <p className="font-semibold">Silent regression</p>
          <p>{a.summary}</p>
          {can(ctx.role, "alert.acknowledge") ? <AcknowledgeForm team={ctx.team.slug} alertId={a.id} /> : null}
        </div>
      ))}
      {evaluations.length === 0 ? (
        <p className="text-sm text-slate-600">This model has not been evaluated yet.</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {evaluations.map((e) => (
            <li key={e.id} className="flex items-center justify-between gap-3 py-2">
              <span>
                <Link className="font-medium text-brand-700 hover:underline" href={`${base}/${e.number}`}>#{e.number}</Link> v{versions.get(e.modelVersionId)} · <span className="capitalize">{e.preset}</span>
                <span className="block text-xs text-slate-500">clean {pct(e.cleanAccuracy)} · robust {pct(e.headlineRobust)} (smallest ε) · {formatDateTime(e.createdAt)}</span>
              </span>
              <span className="flex items-center gap-2"><VerdictBadge verdict={e.verdict} /><EvaluationStatusBadge status={e.status} /></span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
