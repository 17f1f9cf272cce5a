import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { Alert, PageHeader } from "@/app/_components/ui";
import { getModel } from "@/lib/registry/models";
import { cardToFields } from "@/lib/registry/model-card";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { listWeightVersionOptions } from "@/lib/registry/endpoints";
import { listOutboundHosts } from "@/lib/teams/outbound-hosts";
import { EndpointForm } from "./form";
import { RegistryCrumbs } from "../../_registry/page-parts";
import { registryUploadStart } from "../../_registry/page-start";

export const metadata: Metadata = { title: "Register a model served over HTTP" };

export default async function NewEndpointPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ model?: string }> }) {
  const start = await registryUploadStart(params, searchParams, "models", { title: "Register a model served over HTTP", engineersMay: "register them", load: getModel });
  if (!start.write) return start.readOnly;
  const { ctx, base, record: model } = start;
  const [datasets, references, hosts] = await Promise.all([listDatasetVersionOptions(ctx), listWeightVersionOptions(ctx), listOutboundHosts(ctx)]);
  const latest = model?.versions[0];
  const defaults = { ...(latest ? cardToFields(latest.card) : { "inputRange.min": "0", "inputRange.max": "1" }), "preprocessing.scale": "1", "preprocessing.offset": "0" };
  return (
    <>
      <RegistryCrumbs base={base} label="Models" record={model && { ...model, href: `${base}/${model.id}` }} />
      <PageHeader
        title={model ? `Add an HTTP endpoint version of ${model.name}` : "Register a model served over HTTP"}
        description="For models whose weights you cannot hand over (a vendor API, another framework): Bulwark evaluates them by querying only (black-box threat model), with a query budget per example."
      />
      {hosts.length === 0 ? (
        <div className="mb-4">
          <Alert tone="amber">
            This team has no outbound hosts yet: a team admin adds the endpoint&apos;s host under <Link href={`/t/${ctx.team.slug}/settings/outbound`} className="underline">Settings → Outbound hosts</Link> first.
          </Alert>
        </div>
      ) : null}
      <EndpointForm team={ctx.team.slug} model={model ? { id: model.id, name: model.name } : undefined} defaults={defaults} datasets={datasets} references={references} />
    </>
  );
}
