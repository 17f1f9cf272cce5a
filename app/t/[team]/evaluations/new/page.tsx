import type { Metadata } from "next";
import { endpointPresetCosts } from "@/lib/evaluations/blackbox";
import { teamPage } from "@/app/_lib/team";
import { Alert, Card, EmptyState, ButtonLink, PageHeader } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { datasetSizes as datasetSizesOf, launchChoices } from "@/lib/evaluations/page-data";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { measuredThroughput } from "@/lib/evaluations/create";
import { estimateSuiteCost, quickSuite, standardSuite } from "@/lib/engine/suite";
import { NewEvaluationForm } from "./form";
import { DEFAULT_TRAIN_RATE, measuredTrainRate } from "@/lib/evaluations/privacy";
import { ENDPOINT_FORMAT } from "@/lib/registry/endpoints";

export const metadata: Metadata = { title: "New evaluation" };

export default async function NewEvaluationPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ model?: string }> }) {
  const ctx = await teamPage(params);
  if (!can(ctx.role, "evaluation.run")) {
    return (
      <>
        <PageHeader title="New evaluation" />
        <Alert>Your role in this team cannot launch evaluations: ML engineers and admins do. You can read every evaluation and its evidence.</Alert>
      </>
    );
  }
  const { model: preselect } = await searchParams;
  const [versions, datasets, throughput] = await Promise.all([
    launchChoices(ctx),
    listDatasetVersionOptions(ctx),
    measuredThroughput(ctx),
  ]);
  const endpointCosts = await endpointPresetCosts(ctx);
  // Privacy evaluations: the cost before launch needs each version's training data and epochs, each dataset's size
  // and the team's measured reference-training rate.
  const [datasetSizes, trainRate] = await Promise.all([
    datasetSizesOf(ctx, datasets.map((d) => d.id)),
    measuredTrainRate(ctx),
  ]);
  const privacyInfo = {
    sizes: Object.fromEntries(datasetSizes.map((d) => [d.id, d.sampleCount])),
    rate: trainRate,
    defaultRate: DEFAULT_TRAIN_RATE,
    versions: Object.fromEntries(versions.map((v) => {
      const card = (v.card ?? {}) as { trainingDatasetVersionId?: string; trainingCost?: { epochs?: number } };
      return [v.id, { trainingDatasetVersionId: card.trainingDatasetVersionId ?? null, epochs: card.trainingCost?.epochs ?? null, endpoint: v.format === ENDPOINT_FORMAT }];
    })),
  };
  // Per-sample cost of each preset with three Linf budgets (what the presets run).
  const range = { min: 0, max: 1 };
  const costs = { quick: estimateSuiteCost(quickSuite(range)).perSample, standard: estimateSuiteCost(standardSuite(range)).perSample };
  const base = `/t/${ctx.team.slug}`;
  if (versions.length === 0 || datasets.length === 0) {
    return (
      <>
        <PageHeader title="New evaluation" />
        <EmptyState title="Register a model and a dataset first" action={<ButtonLink href={versions.length === 0 ? `${base}/models` : `${base}/datasets`}>{versions.length === 0 ? "Go to Models" : "Go to Datasets"}</ButtonLink>}>
          An evaluation runs an attack suite against one model version on one dataset version.
        </EmptyState>
      </>
    );
  }
  const preselected = preselect ? versions.find((v) => v.modelId === preselect)?.id : undefined;
  return (
    <>
      <PageHeader title="New evaluation" description="Choose what to evaluate and how hard to attack it. The evaluation is split into shards that any worker can run; you can follow and cancel it." />
      <Card>
        <NewEvaluationForm
          team={ctx.team.slug}
          versions={versions.map((v) => ({ id: v.id, label: `${v.model.name} v${v.version} (${v.riskTier.toLowerCase()} risk)` }))}
          datasets={datasets}
          costs={costs}
          throughput={throughput}
          endpointCosts={endpointCosts}
          defaultVersion={preselected}
          privacy={privacyInfo}
        />
      </Card>
    </>
  );
}
