import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Alert, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getDataset } from "@/lib/registry/datasets";
import { datasetCardToFields, SPDX_LICENCES } from "@/lib/registry/dataset-card";
import { uploadLimits } from "@/lib/registry/limits";
import { NotFoundError } from "@/lib/errors";
import { DatasetUploadForm } from "../_forms/upload-form";

export const metadata: Metadata = { title: "Register a dataset" };

const FORMAT_FIELD: Record<string, string> = { IMAGE_ZIP: "image-zip", IDX: "idx", CSV: "csv" };

export default async function NewDatasetPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ dataset?: string }> }) {
  const ctx = await teamPage(params);
  const { dataset: datasetId } = await searchParams;
  const base = `/t/${ctx.team.slug}/datasets`;
  if (!can(ctx.role, "dataset.write")) {
    return (
      <>
        <PageHeader title="Register a dataset" />
        <Alert tone="amber">Your role in this team is read-only for datasets: engineers and admins register and edit them. <Link href={base} className="underline">Back to datasets</Link></Alert>
      </>
    );
  }
  let dataset: Awaited<ReturnType<typeof getDataset>> | undefined;
  if (datasetId) {
    try {
      dataset = await getDataset(ctx, datasetId);
    } catch (e) {
      if (e instanceof NotFoundError) notFound();
      throw e;
    }
  }
  const latest = dataset?.versions[0];
  const defaults: Record<string, string> = latest
    ? { ...datasetCardToFields(latest.card), format: FORMAT_FIELD[latest.format], classLabels: latest.classLabels.join(", ") }
    : { split: "test" };
  return (
    <>
      <nav className="mb-2 text-sm text-slate-500">
        <Link href={base} className="hover:underline">Datasets</Link>
        {dataset ? (
          <>
            {" / "}
            <Link href={`${base}/${dataset.id}`} className="hover:underline">{dataset.name}</Link>
          </>
        ) : null}
      </nav>
      <PageHeader
        title={dataset ? `Upload version ${(latest?.version ?? 0) + 1} of ${dataset.name}` : "Register a dataset"}
        description="Bulwark reads the upload safely, decodes every image or row, checks shapes, value ranges and labels, and stores a normalised tensor file next to the original files. Problems are named by file (and line, for CSV)."
      />
      <DatasetUploadForm
        team={ctx.team.slug}
        dataset={dataset ? { id: dataset.id, name: dataset.name, next: (latest?.version ?? 0) + 1 } : undefined}
        defaults={defaults}
        licences={SPDX_LICENCES}
        maxBytes={uploadLimits().maxTotalBytes}
      />
    </>
  );
}
