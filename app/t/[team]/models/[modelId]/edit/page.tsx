import type { Metadata } from "next";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { getModel } from "@/lib/registry/models";
import { cardToFields } from "@/lib/registry/model-card";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { EditCardPage } from "../../../_registry/edit-card-page";

export const metadata: Metadata = { title: "Edit model card" };

export default async function EditModelCardPage({ params, searchParams }: { params: Promise<{ team: string; modelId: string }>; searchParams: Promise<{ v?: string }> }) {
  const ctx = await teamPage(params);
  const model = await orNotFound(getModel(ctx, (await params).modelId));
  return <EditCardPage ctx={ctx} path="models" record={model} v={(await searchParams).v} toFields={cardToFields} datasets={await listDatasetVersionOptions(ctx)} />;
}
