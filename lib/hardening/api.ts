import { z } from "zod";
import { db } from "../db/client";
import { NotFoundError, ValidationError } from "../errors";
import type { TeamContext } from "../teams/access";
import { resolveDatasetVersion, resolveModelVersion, VersionRefSchema } from "../api/refs";
import type { PageQuery } from "../api/pagination";
import { HardeningParamsSchema } from "../engine/training/harden-params";
import { cancelHardening, createHardening, CreateHardeningSchema } from "./create";
import { getHardeningRun, listHardeningRuns } from "./read";

// REST API v1 for hardening runs: the model is named in the address, the versions as CI names them; the
// same lib functions as the model page, so every check, limit and audit record is the same.

/** A hardening launch from CI: which version of the model in the address, the training data as name@version, the method. */
export const ApiCreateHardeningSchema = z
  .object({
    version: z
      .union([z.number().int().positive(), z.literal("latest")], { error: "version is the parent version's number, e.g. 1, or \"latest\"" })
      .describe("The version of the model (in the address) to harden: its number, or \"latest\" for the newest active version."),
    dataset: VersionRefSchema.describe("The training dataset version as name@version, e.g. mnist-digits-train@1."),
    trainCount: CreateHardeningSchema.shape.trainCount.describe("Train on the first trainCount examples of the dataset version (all when absent)."),
    params: HardeningParamsSchema.describe(
      "method (pgd-at | trades | augment), eps and steps of the training attack (stepSize, default 2.5·eps/steps), beta (TRADES), corruptions, severity and noiseStd (augment), epochs, learningRate (Adam), batchSize, seed, validationShare (0–0.5 held out for early stopping on robust accuracy) and patience.",
    ),
  })
  .strict();
export type ApiCreateHardening = z.output<typeof ApiCreateHardeningSchema>;

/** The team's model by name (case-insensitive); anything else is "not found". */
async function modelNamed(ctx: TeamContext, name: string) {
  const model = await db.model.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, select: { id: true, name: true } });
  if (!model) throw new NotFoundError(`The model "${name}"`);
  return model;
}

/** The lib's field names as the API body names them. */
const API_FIELDS: Record<string, string> = { modelVersionId: "version", datasetVersionId: "dataset" };

/** Queues a run of the named model's version; the run with its cost estimate (202: it runs on a worker). */
export async function createHardeningApi(ctx: TeamContext, name: string, body: ApiCreateHardening) {
  const model = await modelNamed(ctx, name);
  const parent = await resolveModelVersion(ctx, { name: model.name, version: body.version });
  const dataset = await resolveDatasetVersion(ctx, body.dataset);
  try {
    const created = await createHardening(ctx, { modelVersionId: parent.version.id, datasetVersionId: dataset.version.id, trainCount: body.trainCount, params: body.params });
    return getHardeningRun(ctx, created.id);
  } catch (e) {
    if (e instanceof ValidationError && e.fieldErrors) throw new ValidationError(e.message, Object.fromEntries(Object.entries(e.fieldErrors).map(([k, v]) => [API_FIELDS[k] ?? k, v])));
    throw e;
  }
}

export async function listHardeningApi(ctx: TeamContext, name: string, q: PageQuery) {
  const model = await modelNamed(ctx, name);
  return listHardeningRuns(ctx, { ...q, modelId: model.id });
}

export async function getHardeningApi(ctx: TeamContext, name: string, id: string) {
  const model = await modelNamed(ctx, name);
  return getHardeningRun(ctx, id, model.id);
}

/** Asks the run to stop (a running one stops after its current batch); the run as it is now. */
export async function cancelHardeningApi(ctx: TeamContext, name: string, id: string) {
  const model = await modelNamed(ctx, name);
  await getHardeningRun(ctx, id, model.id);
  await cancelHardening(ctx, id);
  return getHardeningRun(ctx, id, model.id);
}
