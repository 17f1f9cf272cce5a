import type { z } from "zod";
import { db } from "../db/client";
import { ConflictError, ValidationError } from "../errors";
import type { TeamContext } from "../teams/access";
import type { Staging, StagedFile } from "../registry/staging";
import { isYes, registerModelVersion } from "../registry/models";
import { registerDatasetVersion } from "../registry/datasets";
import { createEvaluationOfKind } from "../evaluations/create";
import { evaluationForApi } from "../evaluations/api-view";
import type { ApiCreateEnsembleSchema, ApiCreateEvaluationSchema } from "./operations";
import { registerEnsembleVersion } from "../registry/ensembles";
import { resolveDatasetVersion, resolveModelVersion } from "./refs";
import { getDatasetVersionApi, getModelVersionApi } from "./views";
import { assertNoControlCharacters } from "../security/control-chars";

// REST API v1 writes: thin adapters from API input (names, name@version) to the same lib functions
// the web pages call, so every check and audit record is the same.

export async function createEvaluationApi(ctx: TeamContext, input: z.output<typeof ApiCreateEvaluationSchema>) {
  let created: Awaited<ReturnType<typeof createEvaluationOfKind>>;
  if (input.kind === "privacy") {
    const modelVersionId = input.model ? (await resolveModelVersion(ctx, input.model)).version.id : input.modelVersionId!;
    const memberDatasetVersionId = input.memberDataset ? (await resolveDatasetVersion(ctx, input.memberDataset)).version.id : input.memberDatasetVersionId;
    const nonMemberDatasetVersionId = input.nonMemberDataset ? (await resolveDatasetVersion(ctx, input.nonMemberDataset)).version.id : input.nonMemberDatasetVersionId!;
    created = await createEvaluationOfKind(ctx, { ...input, modelVersionId, memberDatasetVersionId, nonMemberDatasetVersionId }, { priority: 10 });
  } else if (input.kind === "integrity") {
    const modelVersionId = input.model ? (await resolveModelVersion(ctx, input.model)).version.id : input.modelVersionId!;
    const trainingDatasetVersionId = input.trainingDataset ? (await resolveDatasetVersion(ctx, input.trainingDataset)).version.id : input.trainingDatasetVersionId;
    const heldOutDatasetVersionId = input.heldOutDataset ? (await resolveDatasetVersion(ctx, input.heldOutDataset)).version.id : input.heldOutDatasetVersionId;
    created = await createEvaluationOfKind(ctx, { ...input, modelVersionId, trainingDatasetVersionId, heldOutDatasetVersionId }, { priority: 10 });
  } else {
    const modelVersionId = input.model ? (await resolveModelVersion(ctx, input.model)).version.id : input.modelVersionId!;
    const datasetVersionId = input.dataset ? (await resolveDatasetVersion(ctx, input.dataset)).version.id : input.datasetVersionId!;
    created = await createEvaluationOfKind(ctx, { ...input, modelVersionId, datasetVersionId }, { priority: 10 });
  }
  // Black-box evaluations state what they cost the endpoint's owner (upper bound of queries and requests);
  // privacy evaluations the reference-model training they launch.
  return {
    ...(await evaluationForApi(ctx, created.number)),
    warnings: created.warnings,
    ...(created.queryCost ? { queryCost: created.queryCost } : {}),
    ...(created.privacyCost ? { privacyCost: created.privacyCost } : {}),
    ...(created.integrityCost ? { integrityCost: created.integrityCost } : {}),
  };
}

/** expectedVersion lets a pipeline say which version it is publishing; anything else is a conflict. */
async function checkExpectedVersion(kind: "model" | "dataset", existing: { id: string; name: string } | null, raw: string | undefined) {
  if (raw === undefined || raw === "") return;
  const expected = Number(String(raw).replace(/^v/i, ""));
  if (!Number.isSafeInteger(expected) || expected < 1) throw new ValidationError("expectedVersion is a version number such as 3.", { expectedVersion: "not a version number" });
  const last = existing
    ? kind === "model"
      ? await db.modelVersion.findFirst({ where: { modelId: existing.id }, orderBy: { version: "desc" }, select: { version: true } })
      : await db.datasetVersion.findFirst({ where: { datasetId: existing.id }, orderBy: { version: "desc" }, select: { version: true } })
    : null;
  const next = (last?.version ?? 0) + 1;
  if (expected !== next) {
    throw new ConflictError(
      expected < next
        ? `Version ${expected} of the ${kind} "${existing?.name}" already exists; the next upload becomes version ${next}.`
        : `The next upload of this ${kind} becomes version ${next}, not ${expected}.`,
    );
  }
}

export async function uploadModelVersionApi(ctx: TeamContext, name: string, fields: Record<string, string>, files: StagedFile[], staging: Staging) {
  const existing = await db.model.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, select: { id: true, name: true } });
  let card: Record<string, unknown> = fields;
  if (fields.card) {
    try {
      card = JSON.parse(fields.card) as Record<string, unknown>;
    } catch {
      throw new ValidationError("The card field is not valid JSON.", { card: "invalid JSON" });
    }
    if (!card || typeof card !== "object" || Array.isArray(card)) throw new ValidationError("The card field must be a JSON object.", { card: "not an object" });
    // JSON escapes (\u0000) decode to characters the form fields were checked for.
    assertNoControlCharacters({ card }, "The card is invalid");
  }
  await checkExpectedVersion("model", existing, fields.expectedVersion);
  const r = await registerModelVersion(ctx, { modelId: existing?.id, name: existing ? undefined : name, description: fields.description, card, files, confirmInputScale: isYes(fields.confirmInputScale) }, staging);
  return { ...(await getModelVersionApi(ctx, { name: existing?.name ?? name, version: r.version })), warnings: r.warnings, ignoredFiles: r.ignored };
}

export async function uploadDatasetVersionApi(ctx: TeamContext, name: string, fields: Record<string, string>, files: StagedFile[], staging: Staging) {
  const existing = await db.dataset.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, select: { id: true, name: true } });
  await checkExpectedVersion("dataset", existing, fields.expectedVersion);
  const r = await registerDatasetVersion(ctx, { datasetId: existing?.id, name: existing ? undefined : name, description: fields.description, fields, files }, staging);
  return { ...(await getDatasetVersionApi(ctx, { name: existing?.name ?? name, version: r.version })), warnings: r.warnings };
}

/** An ensemble version named by its members' name@version (resolved in the token's team only). */
export async function createEnsembleVersionApi(ctx: TeamContext, name: string, input: z.output<typeof ApiCreateEnsembleSchema>) {
  const existing = await db.model.findFirst({ where: { teamId: ctx.team.id, name: { equals: name, mode: "insensitive" } }, select: { id: true, name: true } });
  await checkExpectedVersion("model", existing, input.expectedVersion === undefined ? undefined : String(input.expectedVersion));
  const memberVersionIds: string[] = [];
  for (const ref of input.members) memberVersionIds.push((await resolveModelVersion(ctx, ref)).version.id);
  const r = await registerEnsembleVersion(ctx, { modelId: existing?.id, name: existing ? undefined : name, description: input.description, memberVersionIds, combine: input.combine, card: input.card ?? {} });
  return getModelVersionApi(ctx, { name: existing?.name ?? name, version: r.version });
}
