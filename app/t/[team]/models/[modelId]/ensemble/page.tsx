import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { Alert, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getModel } from "@/lib/registry/models";
import { listEnsembleMemberOptions } from "@/lib/registry/ensembles";
import { NotFoundError } from "@/lib/errors";
import { EnsembleForm } from "./form";

export const metadata: Metadata = { title: "New ensemble version" };

export default async function NewEnsemblePage({ params }: { params: Promise<{ team: string; modelId: string }> }) {
  const ctx = await teamPage(params);
  const { modelId } = await params;
  const base = `/t/${ctx.team.slug}/models`;
  let model: Awaited<ReturnType<typeof getModel>>;
  try {
    model = await getModel(ctx, modelId);
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
  const nav = (
    <nav className="mb-2 text-sm text-slate-500">
      <Link href={base} className="hover:underline">Models</Link> / <Link href={`${base}/${model.id}`} className="hover:underline">{model.name}</Link>
    </nav>
  );
  if (!can(ctx.role, "model.write")) {
    return (
      <>
        {nav}
        <PageHeader title="New ensemble version" />
        <Alert tone="amber">Your role in this team is read-only for models: engineers and admins register them.</Alert>
      </>
    );
  }
  const options = await listEnsembleMemberOptions(ctx);
  // The model's own versions with weights are offered first and ticked: "an ensemble of v1 and v2".
  const own = options.filter((o) => o.modelId === model.id);
  const sorted = [...own, ...options.filter((o) => o.modelId !== model.id)];
  return (
    <>
      {nav}
      <PageHeader
        title={`New ensemble version of ${model.name}`}
        description="Combine registered versions into one model version. Its evaluations attack the whole ensemble, so they show whether ensembling helps; the Compare versions section sets it beside its members."
      />
      <EnsembleForm team={ctx.team.slug} modelId={model.id} options={sorted} defaults={{ memberVersionIds: own.length >= 2 ? own.map((o) => o.id) : [] }} />
    </>
  );
}
