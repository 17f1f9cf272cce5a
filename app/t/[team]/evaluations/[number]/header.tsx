import type { ReactNode } from "react";
import Link from "@/app/_components/link";
import { Alert, PageHeader, formatDateTime } from "@/app/_components/ui";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { EvaluationStatusBadge } from "@/app/_components/evaluation-ui";
import { can } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import type { getEvaluation } from "@/lib/evaluations/manage";
import { CancelButton } from "./controls";

type Evaluation = Awaited<ReturnType<typeof getEvaluation>>["ev"];

export const isActive = (ev: Evaluation) => ["QUEUED", "RUNNING", "AGGREGATING"].includes(ev.status);

/** The evaluated model version, linked to its model's page; `missing` once the model is deleted. */
export function EvaluatedModelLink({ base, model, version, missing }: { base: string; model: { id: string; name: string } | null; version: number | undefined; missing: string }) {
  if (!model) return missing;
  return <Link className="font-medium text-brand-700 hover:underline" href={`${base}/models/${model.id}`}>{model.name} v{version}</Link>;
}

/**
 * The top of every evaluation page, whatever its kind: refreshed while it runs, its number and what it
 * evaluated (`subject`, then the seed and who started it when), its status with Cancel (for a role that
 * may), and why it failed or who cancelled it.
 */
export function EvaluationHeader({ ctx, ev, subject }: { ctx: TeamContext; ev: Evaluation; subject: ReactNode }) {
  const active = isActive(ev);
  return (
    <>
      <AutoRefresh active={active} />
      <PageHeader
        title={`Evaluation #${ev.number}`}
        description={<>{subject} · seed {ev.seed} · started by {ev.createdByLabel} on {formatDateTime(ev.createdAt)}</>}
        actions={
          <div className="flex items-center gap-3">
            <EvaluationStatusBadge status={ev.status} />
            {active && can(ctx.role, "evaluation.cancel") ? <CancelButton team={ctx.team.slug} evaluationId={ev.id} number={ev.number} /> : null}
          </div>
        }
      />
      {ev.status === "FAILED" ? <div className="mb-5"><Alert>Failed: {ev.failureReason}</Alert></div> : null}
      {ev.status === "CANCELLED" ? <div className="mb-5"><Alert tone="amber">Cancelled by {ev.cancelledByLabel} on {ev.cancelledAt ? formatDateTime(ev.cancelledAt) : "—"}.</Alert></div> : null}
    </>
  );
}
