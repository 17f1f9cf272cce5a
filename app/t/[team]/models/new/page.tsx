import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Alert, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getModel } from "@/lib/registry/models";
import { cardToFields } from "@/lib/registry/model-card";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { uploadLimits } from "@/lib/registry/limits";
import { NotFoundError } from "@/lib/errors";
import { ModelUploadForm } from "../_forms/upload-form";

export const metadata: Metadata = { title: "Register a model" };

export default async function NewModelPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ model?: string }> }) {
  const ctx = await teamPage(params);
  const { model: modelId } = await searchParams;
  const base = `/t/${ctx.team.slug}/models`;
  if (!can(ctx.role, "model.write")) {
    return (
      <>
        <PageHeader title="Register a model" />
        <Alert tone="amber">Your role in this team is read-only for models: engineers and admins register and edit them. <Link href={base} className="underline">Back to models</Link></Alert>
      </>
    );
  }
  let model: Awaited<ReturnType<typeof getModel>> | undefined;
  if (modelId) {
    try {
      model = await getModel(ctx, modelId);
    } catch (e) {
      if (e instanceof NotFoundError) notFound();
      throw e;
    }
  }
  const datasets = await listDatasetVersionOptions(ctx);
  const latest = model?.versions[0];
  // Prefill from the latest version with weights: an ensemble's card (method "ensemble of …") describes no upload.
  const prefill = model?.versions.find((x) => x.format !== "ensemble") ?? latest;
  const defaults = prefill ? cardToFields(prefill.card) : { "preprocessing.scale": "1", "preprocessing.offset": "0", "inputRange.min": "0", "inputRange.max": "1" };
  return (
    <>
      <nav className="mb-2 text-sm text-slate-500">
        <Link href={base} className="hover:underline">Models</Link>
        {model ? (
          <>
            {" / "}
            <Link href={`${base}/${model.id}`} className="hover:underline">{model.name}</Link>
          </>
        ) : null}
      </nav>
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
