import type { Metadata } from "next";
import { modelVersionPage, orNotFound, type ModelVersionPageProps } from "@/app/_lib/team";
import { Alert, ButtonLink, EmptyState, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { estimateHardening } from "@/lib/hardening/create";
import { getHardeningSetup } from "@/lib/hardening/queries";
import { HardeningFormSchema } from "@/lib/hardening/form";
import { ReadOnlyNotice, RegistryCrumbs } from "../../../_registry/page-parts";
import { HardeningForm } from "./form";

export const metadata: Metadata = { title: "Harden a model version" };

export default async function HardenPage(props: ModelVersionPageProps) {
  const { ctx, modelId, version } = await modelVersionPage(props);
  const setup = await orNotFound(getHardeningSetup(ctx, modelId, version));
  const base = `/t/${ctx.team.slug}`;
  const modelHref = `${base}/models/${modelId}?v=${setup.version.version}`;
  const title = `Harden ${setup.model.name} v${setup.version.version}`;
  const nav = <RegistryCrumbs base={`${base}/models`} label="Models" record={{ name: setup.model.name, href: modelHref }} tail="Harden" />;
  if (!can(ctx.role, "evaluation.run")) {
    return <ReadOnlyNotice title={title} nav={nav}>Your role in this team cannot launch hardening runs: ML engineers and admins do. The model page lists every run and its measured cost.</ReadOnlyNotice>;
  }
  const header = (
    <PageHeader
      title={title}
      description="Fine-tune this version against the attacks it fails: a job trains a copy of its weights and registers the result as a new version, with the method and the measured training cost on its card, then evaluates it with the parent's latest suite on the same examples."
    />
  );
  if (setup.refusal) {
    return <>{nav}{header}<Alert tone="amber">{setup.refusal}</Alert></>;
  }
  if (setup.datasets.length === 0) {
    return (
      <>
        {nav}
        {header}
        <EmptyState title="No training data fits this model" action={<ButtonLink href={`${base}/datasets`}>Go to Datasets</ButtonLink>}>
          Hardening trains on a dataset version of this team with the model&apos;s input shape, its classes in the same order and values inside its input range. Register one (usually the training split).
        </EmptyState>
      </>
    );
  }
  const width = setup.inputRange.max - setup.inputRange.min;
  const defaultDataset = setup.datasets.find((d) => d.id === setup.defaultDatasetId) ?? setup.datasets[0]!;
  const defaults: Record<string, string> = {
    datasetVersionId: defaultDataset.id,
    trainCount: String(Math.min(defaultDataset.count, 1000)),
    method: "pgd-at",
    eps: String(+(0.1 * width).toPrecision(3)),
    steps: "5",
    stepSize: "",
    beta: "6",
    severity: "3",
    noiseStd: "0.1",
    epochs: "2",
    learningRate: "0.001",
    batchSize: "32",
    seed: "0",
    validationShare: "0",
    patience: "2",
  };
  // The estimate for the defaults, so the page states a cost before any field changes.
  const parsed = HardeningFormSchema.safeParse({ ...defaults, modelVersionId: setup.version.id });
  const estimate = parsed.success ? await estimateHardening(ctx, parsed.data).then((e) => e.summary, () => null) : null;
  return (
    <>
      {nav}
      {header}
      <HardeningForm
        team={ctx.team.slug}
        modelId={modelId}
        version={setup.version}
        datasets={setup.datasets.map((d) => ({ id: d.id, label: d.label, count: d.count }))}
        defaults={defaults}
        initialEstimate={estimate}
        cancelHref={modelHref}
      />
    </>
  );
}
