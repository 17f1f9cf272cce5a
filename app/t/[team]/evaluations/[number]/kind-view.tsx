import { Card } from "@/app/_components/ui";
import type { TeamContext } from "@/lib/teams/access";
import type { evaluationProgress, getEvaluation } from "@/lib/evaluations/manage";
import { kindLabel } from "@/lib/evaluations/kinds";
import { EvaluatedModelLink, EvaluationHeader, isActive } from "./header";
import { ProgressCard } from "./progress-card";
import { IntegrityResults } from "./integrity-results";
import type { IntegrityMetrics } from "@/lib/evaluations/integrity";
import { PrivacyResults } from "./privacy-view";
import type { PrivacyConfig, PrivacyMetrics } from "@/lib/evaluations/privacy";
import type { TrainingPrivacy } from "@/lib/registry/model-card";

/**
 * The results page of an evaluation kind other than robustness (lib/evaluations/kinds.ts): the shared
 * header, status and progress, then the kind's own results.
 */
export function KindEvaluationView({ ctx, data, progress, suspectsPage = 1 }: { ctx: TeamContext; data: Awaited<ReturnType<typeof getEvaluation>>; progress: Awaited<ReturnType<typeof evaluationProgress>>; suspectsPage?: number }) {
  const { ev, mv, model } = data;
  const base = `/t/${ctx.team.slug}`;
  const active = isActive(ev);
  return (
    <>
      <EvaluationHeader ctx={ctx} ev={ev} subject={<>{kindLabel(ev.kind)} of <EvaluatedModelLink base={base} model={model} version={mv?.version} missing="a deleted model" /></>} />
      {active || ev.status !== "COMPLETED" ? <ProgressCard number={ev.number} status={ev.status} progress={progress} unit="Work units" rate={null} /> : null}
      {ev.status === "COMPLETED" && ev.kind === "integrity" && ev.metrics ? (
        <IntegrityResults metrics={ev.metrics as unknown as IntegrityMetrics} reliability={ev.reliability as unknown as { verdict: string; reasons: string[] } | null} suspectsPage={suspectsPage} base={`${base}/evaluations/${ev.number}`} />
      ) : ev.status === "COMPLETED" && ev.kind === "privacy" && ev.metrics ? (
        <PrivacyResults
          metrics={ev.metrics as unknown as PrivacyMetrics}
          config={ev.suite as unknown as PrivacyConfig}
          reliability={ev.reliability as unknown as Parameters<typeof PrivacyResults>[0]["reliability"]}
          provenance={ev.provenance as unknown as Parameters<typeof PrivacyResults>[0]["provenance"]}
          claim={(mv?.card as { trainingPrivacy?: TrainingPrivacy } | undefined)?.trainingPrivacy}
        />
      ) : ev.status === "COMPLETED" ? (
        <Card title="Results">
          <p className="text-sm text-slate-600">This version of Bulwark cannot show the results of a {kindLabel(ev.kind).toLowerCase()} evaluation.</p>
        </Card>
      ) : null}
    </>
  );
}
