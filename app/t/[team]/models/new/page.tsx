import type { Metadata } from "next";
import { PageHeader } from "@/app/_components/ui";
import { getModel } from "@/lib/registry/models";
import { cardToFields } from "@/lib/registry/model-card";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { uploadLimits } from "@/lib/registry/limits";
import { ModelUploadForm } from "../_forms/upload-form";
import { RegistryCrumbs } from "../../_registry/page-parts";
import { registryUploadStart } from "../../_registry/page-start";

export const metadata: Metadata = { title: "Register a model" };

export default async function NewModelPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ model?: string }> }) {
  const start = await registryUploadStart(params, searchParams, "models", { title: "Register a model", engineersMay: "register and edit them", load: getModel });
  if (!start.write) return start.readOnly;
  const { ctx, base, record: model } = start;
  const datasets = await listDatasetVersionOptions(ctx);
  const latest = model?.versions[0];
  // Prefill from the latest version with weights: an ensemble's card (method "ensemble of …") describes no upload.
  const prefill = model?.versions.find((x) => x.format !== "ensemble") ?? latest;
  const defaults = prefill ? cardToFields(prefill.card) : { "preprocessing.scale": "1", "preprocessing.offset": "0", "inputRange.min": "0", "inputRange.max": "1" };
  return (
    <>
      <RegistryCrumbs base={base} label="Models" record={model && { ...model, href: `${base}/${model.id}` }} />
      <PageHeader
        title={model ? `Upload version ${(latest?.version ?? 0) + 1} of ${model.name}` : "Register a model"}
        description={
          model
            ? "The new version supersedes the current one. The card is prefilled from the latest version; change what differs."
            : "Upload a TensorFlow.js LayersModel and describe it. Bulwark reads the archive safely, checks model.json and the weight files, loads the model in the engine, runs a forward pass on an input of the declared shape, and compares the output width with the class labels."
        }
      />
      <ModelUploadForm team={ctx.team.slug} model={model ? { id: model.id, name: model.name, next: (latest?.version ?? 0) + 1 } : undefined} defaults={defaults} datasets={datasets} maxBytes={uploadLimits().maxTotalBytes} />
    </>
  );
}
