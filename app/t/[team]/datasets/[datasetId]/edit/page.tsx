import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Alert, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getDataset } from "@/lib/registry/datasets";
import { datasetCardToFields, SPDX_LICENCES } from "@/lib/registry/dataset-card";
import { NotFoundError } from "@/lib/errors";
import { EditDatasetCardForm } from "./form";

export const metadata: Metadata = { title: "Edit dataset card" };

export default async function EditDatasetCardPage({ params, searchParams }: { params: Promise<{ team: string; datasetId: string }>; searchParams: Promise<{ v?: string }> }) {
  const ctx = await teamPage(params);
  const { datasetId } = await params;
  const { v } = await searchParams;
  let dataset: Awaited<ReturnType<typeof getDataset>>;
  try {
    dataset = await getDataset(ctx, datasetId);
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
  const version = dataset.versions.find((x) => String(x.version) === v) ?? dataset.versions[0];
  if (!version) notFound();
  const back = `/t/${ctx.team.slug}/datasets/${dataset.id}?v=${version.version}`;
  const blocked = !can(ctx.role, "dataset.write") ? "Your role in this team is read-only for datasets." : version.evaluatedAt ? `Version ${version.version} has been evaluated, so its card is immutable. Upload a new version to change it.` : null;
  return (
    <>
      <nav className="mb-2 text-sm text-slate-500">
        <Link href={`/t/${ctx.team.slug}/datasets`} className="hover:underline">Datasets</Link> / <Link href={back} className="hover:underline">{dataset.name}</Link> / edit card
      </nav>
      <PageHeader title={`Edit the card of ${dataset.name} v${version.version}`} description="Provenance, licence and personal-data facts can be corrected until the version is evaluated. The data itself, its labels and counts are fixed." />
      {blocked ? (
        <Alert tone="amber">{blocked} <Link href={back} className="underline">Back to the dataset</Link></Alert>
      ) : (
        <EditDatasetCardForm team={ctx.team.slug} datasetId={dataset.id} versionId={version.id} back={back} defaults={datasetCardToFields(version.card)} licences={SPDX_LICENCES} />
      )}
    </>
  );
}
