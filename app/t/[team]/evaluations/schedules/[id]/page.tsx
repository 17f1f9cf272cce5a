import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Alert, Card, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { findSchedule, teamModelNames } from "@/lib/evaluations/page-data";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { ScheduleForm } from "../forms";

export const metadata: Metadata = { title: "Edit schedule" };

export default async function EditSchedulePage({ params }: { params: Promise<{ team: string; id: string }> }) {
  const ctx = await teamPage(params);
  const { id } = await params;
  const s = await findSchedule(ctx, id);
  if (!s) notFound();
  const [models, datasets] = await Promise.all([
    teamModelNames(ctx, { includeArchived: true }),
    listDatasetVersionOptions(ctx),
  ]);
  return (
    <>
      <nav className="mb-2 text-sm text-slate-500"><Link className="hover:underline" href={`/t/${ctx.team.slug}/evaluations/schedules`}>Schedules</Link> / {s.name}</nav>
      <PageHeader title={`Edit “${s.name}”`} />
      {can(ctx.role, "schedule.manage") ? (
        <Card>
          <ScheduleForm
            team={ctx.team.slug}
            models={models.map((m) => ({ id: m.id, label: m.name }))}
            datasets={datasets}
            editing={{ id: s.id, values: { name: s.name, modelId: s.modelId, datasetVersionId: s.datasetVersionId, preset: s.preset, sampleCount: String(s.sampleCount), cron: s.cron } }}
          />
        </Card>
      ) : (
        <Alert>Your role in this team cannot change schedules.</Alert>
      )}
    </>
  );
}
