import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Alert, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getModel } from "@/lib/registry/models";
import { cardToFields } from "@/lib/registry/model-card";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { NotFoundError } from "@/lib/errors";
import { EditCardForm } from "./form";

export const metadata: Metadata = { title: "Edit model card" };

export default async function EditModelCardPage({ params, searchParams }: { params: Promise<{ team: string; modelId: string }>; searchParams: Promise<{ v?: string }> }) {
  const ctx = await teamPage(params);
  const { modelId } = await params;
  const { v } = await searchParams;
  let model: Awaited<ReturnType<typeof getModel>>;
  try {
    model = await getModel(ctx, modelId);
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
  const version = model.versions.find((x) => String(x.version) === v) ?? model.versions[0];
  if (!version) notFound();
  const back = `/t/${ctx.team.slug}/models/${model.id}?v=${version.version}`;
  const blocked = !can(ctx.role, "model.write") ? "Your role in this team is read-only for models." : version.evaluatedAt ? `Version ${version.version} has been evaluated, so its card is immutable. Upload a new version to change it.` : null;
  return (
    <>
      <nav className="mb-2 text-sm text-slate-500">
        <Link href={`/t/${ctx.team.slug}/models`} className="hover:underline">Models</Link> / <Link href={back} className="hover:underline">{model.name}</Link> / edit card
      </nav>
      <PageHeader title={`Edit the card of ${model.name} v${version.version}`} description="Descriptive fields can change until the version is evaluated. Input shape, value range, preprocessing and class labels are fixed: the files were checked against them." />
      {blocked ? (
        <Alert tone="amber">{blocked} <Link href={back} className="underline">Back to the model</Link></Alert>
      ) : (
        <EditCardForm team={ctx.team.slug} modelId={model.id} versionId={version.id} back={back} defaults={cardToFields(version.card)} datasets={await listDatasetVersionOptions(ctx)} />
      )}
    </>
  );
}
