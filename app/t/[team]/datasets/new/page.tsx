import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { getDataset } from "@/lib/registry/datasets";
import { datasetCardToFields, SPDX_LICENCES } from "@/lib/registry/dataset-card";
import { uploadLimits } from "@/lib/registry/limits";
import { DatasetUploadForm } from "../_forms/upload-form";
import { RegistryCrumbs } from "../../_registry/page-parts";
import { registryUploadStart } from "../../_registry/page-start";

export const metadata: Metadata = { title: "Register a dataset" };

const FORMAT_FIELD: Record<string, string> = { IMAGE_ZIP: "image-zip", IDX: "idx", CSV: "csv" };

export default async function NewDatasetPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ dataset?: string }> }) {
  const start = await registryUploadStart(params, searchParams, "datasets", { title: "Register a dataset", engineersMay: "register and edit them", load: getDataset });
  if (!start.write) return start.readOnly;
  const { ctx, base, record: dataset } = start;
  const latest = dataset?.versions[0];
  const defaults: Record<string, string> = latest
    ? { ...datasetCardToFields(latest.card), format: FORMAT_FIELD[latest.format], classLabels: latest.classLabels.join(", ") }
    : { split: "test" };
  return (
    <>
      <RegistryCrumbs base={base} label="Datasets" record={dataset && { ...dataset, href: `${base}/${dataset.id}` }} />
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
