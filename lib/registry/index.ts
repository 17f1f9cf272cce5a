// The registry's public surface for other modules (evaluations, API routes, workers).
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import { checkCompatibility, type Compatibility } from "./compat";
import { ModelCardSchema } from "./model-card";
import type { TeamScope } from "../teams/context";

export { checkCompatibility, type Compatibility, type CompatDataset, type CompatModel, type Difference } from "./compat";
export { loadModelVersionForEngine, loadModelVersionFiles, type ModelVersionForEngine } from "./models";
export { loadDatasetForEngine, type DatasetForEngine } from "./datasets";
export { markVersionsEvaluated } from "./commit";
export { artifactStore, type ArtifactStore } from "./store";
export { ModelCardSchema, engineCardOf, type ModelCard } from "./model-card";
export { DatasetCardSchema, datasetRisks, type DatasetCard } from "./dataset-card";

/**
 * Compatibility of a stored model version with a stored dataset version of the same team, from their
 * rows alone (no blobs read). Either id of another team → NotFoundError.
 */
export async function checkVersionsCompatible(scope: TeamScope, modelVersionId: string, datasetVersionId: string): Promise<Compatibility> {
  const teamId = scope.team.id;
  const [m, d] = await Promise.all([
    db.modelVersion.findFirst({ where: { id: modelVersionId, teamId, storedAt: { not: null } }, select: { card: true } }),
    db.datasetVersion.findFirst({ where: { id: datasetVersionId, teamId, storedAt: { not: null } }, select: { format: true, sampleShape: true, valueMin: true, valueMax: true, classLabels: true } }),
  ]);
  if (!m) throw new NotFoundError("This model version");
  if (!d) throw new NotFoundError("This dataset version");
  return checkCompatibility(ModelCardSchema.parse(m.card), d);
}
