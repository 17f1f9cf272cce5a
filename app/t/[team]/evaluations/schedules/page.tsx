import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, buttonClass, ButtonLink, Card, EmptyState, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { SectionTabs } from "@/app/_components/evaluation-ui";
import { can } from "@/lib/auth/permissions";
import { scheduledRuns, teamModelNames } from "@/lib/evaluations/page-data";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { listSchedules, loadPreviewer } from "@/lib/evaluations/schedules";
import { ScheduleForm, ScheduleRowActions } from "./forms";

export const metadata: Metadata = { title: "Schedules" };

export default async function SchedulesPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  await loadPreviewer().catch(() => {});
  const [schedules, models, datasets, lastRuns] = await Promise.all([
    listSchedules(ctx),
    teamModelNames(ctx, { includeArchived: false }),
    listDatasetVersionOptions(ctx),
    scheduledRuns(ctx),
  ]);
  const byId = new Map(lastRuns.map((e) => [e.id, e]));
  const base = `/t/${ctx.team.slug}/evaluations`;
  const manage = can(ctx.role, "schedule.manage");
  return (
    <>
      <PageHeader title="Evaluations" description="Scheduled re-evaluations catch silent regressions: each completed run is compared with the previous one of the same model, dataset and suite." />
      <SectionTabs label="Evaluations" current="schedules" items={[{ key: "runs", label: "Runs", href: base }, { key: "schedules", label: "Schedules", href: `${base}/schedules` }]} />
      <div className="space-y-6">
        {schedules.length === 0 ? (
          <EmptyState title="No schedules yet" action={models.length === 0 ? <ButtonLink href={`/t/${ctx.team.slug}/models`}>Register a model</ButtonLink> : undefined}>
            A schedule re-runs an evaluation of a model&apos;s latest version daily, weekly or on any cron expression.
          </EmptyState>
        ) : (
          <Table head={["Schedule", "Model", "Suite", "When (UTC)", "Next run", "Last run", ...(manage ? [""] : [])]} caption="Schedules">
            {schedules.map((s) => {
              const last = s.lastEvaluationId ? byId.get(s.lastEvaluationId) : undefined;
              return (
                <tr key={s.id}>
                  <Td className="font-medium text-slate-900">{s.name}{s.paused ? <span className="ml-2"><Badge tone="amber">paused</Badge></span> : null}</Td>
                  <Td>{s.modelName}<span className="block text-xs text-slate-500">{s.modelVersionId ? "pinned version" : "latest version"}</span></Td>
                  <Td><span className="capitalize">{s.preset}</span><span className="block text-xs text-slate-500">{s.sampleCount} samples</span></Td>
                  <Td><code className="text-xs">{s.cron}</code></Td>
                  <Td className="text-xs">{s.nextRun ? formatDateTime(s.nextRun) : "—"}</Td>
                  <Td className="text-xs">{last ? <Link className="text-brand-700 hover:underline" href={`${base}/${last.number}`}>#{last.number} ({last.status.toLowerCase()})</Link> : "not yet"}</Td>
                  {manage ? <Td><div className="flex items-center gap-2"><Link className={buttonClass.secondary + " py-1.5"} href={`${base}/schedules/${s.id}`} aria-label={`Edit ${s.name}`}>Edit</Link><ScheduleRowActions team={ctx.team.slug} id={s.id} paused={s.paused} name={s.name} /></div></Td> : null}
                </tr>
              );
            })}
          </Table>
        )}
        {manage && models.length > 0 && datasets.length > 0 ? (
          <Card title="New schedule">
            <ScheduleForm team={ctx.team.slug} models={models.map((m) => ({ id: m.id, label: m.name }))} datasets={datasets} />
          </Card>
        ) : null}
      </div>
    </>
  );
}
