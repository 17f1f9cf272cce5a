import { db } from "../db/client";
import { env } from "../env";
import { createEvaluation } from "../evaluations/create";
import { DEMO_DATASETS, DEMO_MODEL_NAME, DEMO_ONNX_MODEL } from "./registry";
import { systemContext, type SystemContext } from "../teams/context";

// The demo team's first evaluations: the demo model versions (digits-cnn's, then the PyTorch-trained ONNX
// model's) on the evaluation split, queued on the first start and run by the real worker (no numbers are
// inserted). Idempotent per version.

export const DEMO_EVALUATION = { preset: "quick" as const, seed: 1, shardSize: 100 };

export async function seedDemoEvaluations(scope: SystemContext, log: (m: string) => void = () => {}): Promise<void> {
  const teamId = scope.team.id;
  if (!env().BULWARK_DEMO_EVALUATIONS) return;
  const dataset = await db.datasetVersion.findFirst({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } }, orderBy: { version: "desc" } });
  if (!dataset) return;
  for (const name of [DEMO_MODEL_NAME, DEMO_ONNX_MODEL.name]) {
    const model = await db.model.findFirst({ where: { teamId, name } });
    if (!model) continue;
    const versions = await db.modelVersion.findMany({ where: { teamId, modelId: model.id, storedAt: { not: null } }, orderBy: { version: "asc" } });
    for (const v of versions) {
      if (await db.evaluation.findFirst({ where: { teamId, modelVersionId: v.id } })) continue;
      const e = await createEvaluation(
        systemContext(teamId, "seed", "demo seed"),
        { modelVersionId: v.id, datasetVersionId: dataset.id, ...DEMO_EVALUATION, sampleCount: env().BULWARK_DEMO_EVALUATION_SAMPLES, linfEpsilons: undefined, customSuite: undefined },
      );
      log(`Queued demo evaluation #${e.number} of ${name} v${v.version}; the worker runs it now.`);
    }
  }
}
