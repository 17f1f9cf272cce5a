import type { Metadata } from "next";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { PageHeader } from "@/app/_components/ui";
import { getModel } from "@/lib/registry/models";
import { listEnsembleMemberOptions } from "@/lib/registry/ensembles";
import { EnsembleForm } from "./form";
import { ReadOnlyNotice, RegistryCrumbs, registryScope } from "../../../_registry/page-parts";

export const metadata: Metadata = { title: "New ensemble version" };

export default async function NewEnsemblePage({ params }: { params: Promise<{ team: string; modelId: string }> }) {
  const ctx = await teamPage(params);
  const { base, write } = registryScope(ctx, "models");
  const { modelId } = await params;
  const model = await orNotFound(getModel(ctx, modelId));
  const nav = <RegistryCrumbs base={base} label="Models" record={{ ...model, href: `${base}/${model.id}` }} />;
  if (!write) {
    return <ReadOnlyNotice title="New ensemble version" nav={nav}>Your role in this team is read-only for models: engineers and admins register them.</ReadOnlyNotice>;
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
