import type { Metadata } from "next";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { getDataset } from "@/lib/registry/datasets";
import { datasetCardToFields, SPDX_LICENCES } from "@/lib/registry/dataset-card";
import { EditCardPage } from "../../../_registry/edit-card-page";

export const metadata: Metadata = { title: "Edit dataset card" };

export default async function EditDatasetCardPage({ params, searchParams }: { params: Promise<{ team: string; datasetId: string }>; searchParams: Promise<{ v?: string }> }) {
  const ctx = await teamPage(params);
  const dataset = await orNotFound(getDataset(ctx, (await params).datasetId));
  return <EditCardPage ctx={ctx} path="datasets" record={dataset} v={(await searchParams).v} toFields={datasetCardToFields} licences={SPDX_LICENCES} />;
}
