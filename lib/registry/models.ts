import { z } from "zod";
import { db, type Tx } from "../db/client";
import type { Prisma } from "../db/generated/client";
import type { RiskTier } from "../db/generated/enums";
import { assertScopeCan, type TeamContext } from "../teams/access";
import { NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import type { EngineCard } from "../engine/card";
import { inputScaleMismatch, type InputScaleMismatch } from "../engine/input-scale";
import { extractZipSafely, looksLikeZip } from "./archive";
import { collectProblems, formatBytes, inputSizeProblem, refuseAll, shown, uploadLimits, type UploadLimits } from "./limits";
import {
  cardInputFromFields,
  descriptiveFromFields,
  engineCardOf,
  onnxOnlyCardFields,
  ModelCardDescriptiveSchema,
  ModelCardSchema,
  RISK_TIER_DB,
  type ModelCard,
} from "./model-card";
import { checkModelFiles, type ModelJson, type Problem } from "./model-files";
import { checkModelIsolated, checkOnnxIsolated } from "./isolated-check";
import { findOnnxUpload, type OnnxUpload } from "./onnx-files";
import type { ModelValidation } from "../engine/model";
import type { EngineModelFiles } from "../engine/formats";
import { assertStoreWritable, hashFiles, manifestDigestOf, upsertArtifacts } from "./commit";
import { assertVersionEditable, deleteVersion, editVersionCard, LATEST_STORED_VERSION, recordHistory, recordPageQuery, registryListRow, registryListWhere, saveCardEdit, setRecordArchived, setVersionArchived } from "./lifecycle";
import { createVersion, modelVersionColumns, resolveVersionTarget, storeVersionFiles, type ModelVersionIdentity } from "./versions";
import type { Staging, StagedFile } from "./staging";
import { assertArchiveAllowed, assertNotEnsembleMember, ENSEMBLE_FORMAT } from "./ensemble-guards";
import { artifactStore, readVerified } from "./store";
import type { TeamScope } from "../teams/context";

export { NAME_RE, EntryNameSchema } from "./versions";

export const ModelUploadMetaSchema = z.object({
  modelId: z.string().trim().max(40).optional().transform((v) => v || undefined),
  name: z.string().optional(),
  description: z.string().trim().max(2000, { error: "At most 2,000 characters" }).optional().default(""),
});

export interface ModelUploadInput {
  /** Add a version to this model; otherwise a new model is created with `name`. */
  modelId?: string;
  name?: string;
  description?: string;
  /** Card as flat form fields (strings) or as a structured object. */
  card: Record<string, unknown>;
  /** Uploaded files in the staging folder: one .zip, or model.json plus its weight files. */
  files: StagedFile[];
  /**
   * Register although the model's first layer rescales to another range than the card's (lib/engine/input-scale):
   * the uploader says the card is right. Recorded as a warning on the version and in the audit log.
   */
  confirmInputScale?: boolean;
}

/** Form and API fields say yes as "1", "true", "on" or "yes". */
export const isYes = (v: unknown) => v === true || (typeof v === "string" && ["1", "true", "on", "yes"].includes(v.trim().toLowerCase()));

export interface RegisteredVersion {
  modelId: string;
  versionId: string;
  version: number;
  manifestDigest: string;
  warnings: string[];
  /** Files that were in the upload but are not part of the model (not stored). */
  ignored: string[];
}

function parseCard(card: Record<string, unknown>): { card?: ModelCard; problems: Problem[] } {
  const structured = "inputRange" in card && typeof card.inputRange === "object";
  const res = ModelCardSchema.safeParse(structured ? card : cardInputFromFields(card));
  if (res.success) return { card: res.data, problems: [] };
  return { problems: Object.entries(fieldErrorsFromZod(res.error.issues)).map(([field, message]) => ({ field, message })) };
}

/** Where an engine message belongs in the form. */
function engineField(msg: string): string {
  if (/class labels/.test(msg)) return "classLabels";
  if (/input shape|declares input/.test(msg)) return "inputShape";
  return "files";
}

/**
 * TensorFlow.js reports a weight of the wrong shape as "Shape mismatch: [16,3] vs. [3,16]" (the layer's,
 * then the file's) without naming it: name the manifest weight(s) with that shape.
 */
function weightNamed(msg: string, json: ModelJson): string {
  const m = /Shape mismatch: \[([\d, ]*)\] vs\. \[([\d, ]*)\]/.exec(msg);
  if (!m) return msg;
  const given = m[2].replace(/\s/g, "");
  const names = json.weightsManifest.flatMap((g) => g.weights).filter((w) => w.shape.join(",") === given).map((w) => `"${shown(w.name, 60)}"`);
  if (names.length === 0) return msg;
  return `the weight ${names.slice(0, 3).join(" or ")} has shape [${given}] in model.json's weightsManifest, but its layer expects [${m[1].replace(/\s/g, "")}]`;
}

/** Expand a single uploaded zip; otherwise the files are taken as they are. */
export async function expandUpload(files: StagedFile[], staging: Staging, limits: UploadLimits): Promise<{ files: StagedFile[]; ignored: string[]; dirs: string[]; archive?: StagedFile }> {
  if (files.length === 0) throw new ValidationError("Choose the files to upload.", { files: "Choose a .zip or the model's files" });
  const total = files.reduce((s, f) => s + f.size, 0);
  if (total > limits.maxTotalBytes) refuseAll([{ field: "files", message: `The upload is ${formatBytes(total)}, above the limit of ${formatBytes(limits.maxTotalBytes)} per version.` }]);
  const empty = files.find((f) => f.size === 0);
  if (empty) refuseAll([{ field: "files", message: `${shown(empty.name)} is empty (0 bytes); choose the file again (it may not have finished saving or downloading).` }]);
  const zips: StagedFile[] = [];
  for (const f of files) {
    const head = Buffer.alloc(4);
    const fh = await import("node:fs/promises").then((m) => m.open(f.path, "r"));
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
    if (looksLikeZip(head) || f.name.toLowerCase().endsWith(".zip")) zips.push(f);
  }
  if (zips.length === 0) return { files, ignored: [], dirs: [] };
  if (files.length > 1) refuseAll([{ field: "files", message: `Upload either one .zip or the individual files, not both (${zips.map((z) => shown(z.name)).join(", ")} ${zips.length === 1 ? "is an archive" : "are archives"}).` }]);
  const dest = await staging.subdir("unzipped");
  return { ...(await extractZipSafely(zips[0].path, dest, limits, zips[0].name)), archive: zips[0] };
}

interface PreparedFiles {
  format: "tfjs-layers" | "onnx";
  files: { rel: string; path: string; role: string }[];
  verdict: ModelValidation;
  parameters: number;
  unused: string[];
  scaleMismatch: InputScaleMismatch | null;
  /** Format-specific facts kept in engineInfo (ONNX: opset, producer, agreement with ONNX Runtime). */
  extraInfo?: Record<string, unknown>;
}

/** A TensorFlow.js LayersModel: model.json and its shards, checked, then loaded and run in the check process. */
async function prepareLayers(expanded: { files: StagedFile[] } | undefined, card: ModelCard | undefined, problems: Problem[], confirmInputScale: boolean, limits: UploadLimits): Promise<PreparedFiles | undefined> {
  const checked = expanded ? await checkModelFiles(expanded.files, limits) : undefined;
  if (checked) problems.push(...checked.problems);
  const onnxOnly = card ? onnxOnlyCardFields(card) : [];
  for (const f of onnxOnly) problems.push({ field: f, message: `${f} applies to ONNX models only; a TensorFlow.js model's preprocessing is the card's scale and offset.` });
  // A card whose input range is on another scale than the model's own Rescaling layer: refused unless confirmed.
  const scaleMismatch = checked?.set && card ? inputScaleMismatch(checked.set.json, engineCardOf(card)) : null;
  if (scaleMismatch && !confirmInputScale) {
    problems.push({ field: "inputScale", message: `${scaleMismatch.message} If the card is right as it stands, confirm the input range (confirmInputScale) to register anyway; the confirmation is recorded.` });
  }
  if (problems.length || !checked?.set || !card) return undefined;
  const set = checked.set;
  // Finite weights, then the engine's own load + forward pass + gradient check, in a child process with
  // memory and time limits (isolated-check.ts): no model can stall the web server.
  const isolated = await checkModelIsolated(set, engineCardOf(card));
  if (isolated.nonFinite.length) refuseAll(isolated.nonFinite);
  const verdict = isolated.verdict!;
  if (!verdict.ok) {
    refuseAll(verdict.errors.map((m) => ({ field: engineField(m), message: engineField(m) === "files" ? `The model does not load and run: ${weightNamed(m, set.json)}.` : `${m}.` })));
  }
  return {
    format: "tfjs-layers",
    files: [{ rel: "model.json", path: set.modelJson.path, role: "model.json" }, ...set.weights.map((w) => ({ rel: w.rel, path: w.path, role: "weights" }))],
    verdict, parameters: set.parameters, unused: set.unused, scaleMismatch,
  };
}

/** Where an ONNX check message belongs in the form. */
function onnxField(msg: string): string {
  if (/class labels/.test(msg)) return "classLabels";
  if (/^card\.(\w+)/.test(msg)) return /^card\.(\w+)/.exec(msg)![1];
  if (/normalization/.test(msg)) return "normalization";
  if (/^inputLayout/.test(msg)) return "inputLayout";
  if (/fix it in the card|fixes dimension/.test(msg)) return "dimensions";
  if (/input shape|model's input/.test(msg)) return "inputShape";
  return "files";
}

/** An ONNX model: the .onnx file and the external-data files it reads, checked in the check process. */
async function prepareOnnx(found: { problems: Problem[]; set?: OnnxUpload }, card: ModelCard | undefined, problems: Problem[]): Promise<PreparedFiles | undefined> {
  problems.push(...found.problems);
  if (problems.length || !found.set || !card) return undefined;
  const set = found.set;
  const verdict = await checkOnnxIsolated({ onnxPath: set.onnx.path, external: set.beside.map((f) => ({ rel: f.rel, path: f.path })), engineCard: engineCardOf(card) });
  if (!verdict.ok) {
    refuseAll(verdict.errors.map((m) => {
      const field = onnxField(m);
      const text = `${m[0].toUpperCase()}${m.slice(1)}${/[.!]$/.test(m) ? "" : "."}`;
      return { field, message: field === "files" ? `${shown(set.onnx.name)}: ${text}` : text };
    }));
  }
  const reads = new Set(verdict.externalFiles ?? []);
  const external = set.beside.filter((f) => reads.has(f.rel));
  return {
    format: "onnx",
    files: [{ rel: set.onnx.rel, path: set.onnx.path, role: "model.onnx" }, ...external.map((f) => ({ rel: f.rel, path: f.path, role: "external-data" }))],
    verdict,
    parameters: verdict.info?.parameters ?? 0,
    unused: [...set.beside.filter((f) => !reads.has(f.rel)).map((f) => f.name), ...set.outside],
    scaleMismatch: null,
    extraInfo: { format: "onnx", opset: verdict.opset, producer: verdict.producer, reference: verdict.reference },
  };
}

/**
 * Validates and registers a model version. Nothing is stored unless everything is valid: the files
 * are checked in the staging folder, the rows commit, and only then do the blobs move to the store.
 * Throws ValidationError (with fieldErrors) naming the file and the problem.
 */
/**
 * `inTransaction` runs inside the transaction that creates the version row: a caller that must record the new
 * version elsewhere (a hardening run's result) does it there, so the two commit together or not at all.
 */
export async function registerModelVersion(ctx: TeamScope, input: ModelUploadInput, staging: Staging, o: { inTransaction?: (tx: Prisma.TransactionClient, versionId: string) => Promise<void> } = {}): Promise<RegisteredVersion> {
  assertScopeCan(ctx, "model.write");
  const limits = uploadLimits();
  const problems: Problem[] = [];
  const teamId = ctx.team.id;

  // Which model: an existing one of this team, or a new name.
  const { target, problem } = await resolveVersionTarget("model", ctx, { id: input.modelId, name: input.name });
  if (problem) problems.push(problem);

  const parsed = parseCard(input.card);
  problems.push(...parsed.problems);
  const card = parsed.card;
  const tooLarge = card ? inputSizeProblem(card.inputShape, limits, "The card's input shape") : null;
  if (tooLarge) problems.push({ field: "inputShape", message: tooLarge });
  if (card?.trainingDatasetVersionId) {
    const dv = await db.datasetVersion.findFirst({ where: { id: card.trainingDatasetVersionId, teamId }, select: { id: true } });
    if (!dv) problems.push({ field: "trainingDatasetVersionId", message: "That training dataset version does not exist in this team." });
  }

  // File problems are reported together with the card's, so the form shows everything at once.
  const expanded = await collectProblems(problems, () => expandUpload(input.files, staging, limits));
  const onnxUpload = expanded ? findOnnxUpload(expanded.files) : null;
  const prepared = onnxUpload
    ? await prepareOnnx(onnxUpload, card, problems)
    : await prepareLayers(expanded, card, problems, input.confirmInputScale === true, limits);
  if (problems.length || !expanded || !prepared || !card) refuseAll(problems.length ? problems : [{ field: "files", message: "The files could not be checked." }]);
  const { verdict, format, scaleMismatch } = prepared;

  const hashed = await hashFiles(prepared.files);
  const manifestDigest = manifestDigestOf(hashed);
  const totalBytes = hashed.reduce((s, f) => s + f.size, 0);
  if (scaleMismatch) verdict.warnings.push(`Input range confirmed by ${ctx.actor.label} although the model's first layer disagrees: ${scaleMismatch.message}`);
  const engineInfo = { ...verdict.info, warnings: verdict.warnings, parameters: verdict.info?.parameters || prepared.parameters, ignoredFiles: [...expanded.ignored, ...prepared.unused], ...prepared.extraInfo };

  // A store that cannot take the files refuses the upload before anything is recorded.
  await assertStoreWritable("the version");
  const created = await db.$transaction(
    (tx) =>
      createVersion(tx, ctx, "model", {
        target: target!,
        description: input.description ?? "",
        create: async (modelId, version) => {
          const artifacts = await upsertArtifacts(tx, teamId, hashed);
          const row = await tx.modelVersion.create({
            data: {
              ...modelVersionColumns(ctx, card, modelId, version),
              format,
              manifestDigest,
              totalBytes,
              engineInfo: JSON.parse(JSON.stringify(engineInfo)) as Prisma.InputJsonValue,
              files: { create: hashed.map((f) => ({ teamId, artifactId: artifacts.get(f.sha256)!, path: f.rel, role: f.role, sha256: f.sha256, size: f.size })) },
            },
          });
          await o.inTransaction?.(tx, row.id);
          return row;
        },
        details: {
          manifestDigest, totalBytes, files: hashed.map((f) => ({ path: f.rel, sha256: f.sha256, size: f.size })), riskTier: card.riskTier,
          ...(scaleMismatch ? { inputScaleConfirmed: { layer: scaleMismatch.layerName, scale: scaleMismatch.scale, offset: scaleMismatch.offset, cardRange: scaleMismatch.cardRange, implied: scaleMismatch.implied } } : {}),
        },
      }),
    { timeout: 60_000 },
  );
  await storeVersionFiles(ctx, "model", hashed, created);
  return { modelId: created.entryId, versionId: created.row.id, version: created.version, manifestDigest, warnings: verdict.warnings, ignored: engineInfo.ignoredFiles };
}

// --- Reading ------------------------------------------------------------------------------------

export const ModelListFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  risk: z.enum(["minimal", "limited", "high", "unacceptable"]).optional().catch(undefined),
  archived: z.enum(["1"]).optional().catch(undefined),
});
export type ModelListFilter = z.infer<typeof ModelListFilterSchema>;

export async function listModels(ctx: TeamContext, f: ModelListFilter = {}) {
  // A model is also found by its versions' owner.
  const where: Prisma.ModelWhereInput = registryListWhere(ctx, f, f.q ? [{ versions: { some: { owner: { contains: f.q, mode: "insensitive" } } } }] : []);
  const models = await db.model.findMany({
    where,
    orderBy: { updatedAt: "desc" },
    include: {
      versions: { ...LATEST_STORED_VERSION, select: { id: true, version: true, riskTier: true, owner: true, createdAt: true, manifestDigest: true, status: true, evaluatedAt: true } },
      _count: { select: { versions: true } },
    },
    take: 500,
  });
  // The last evaluation of each model (any version), for the list.
  const evals = models.length
    ? await db.evaluation.findMany({
        where: { teamId: ctx.team.id, modelId: { in: models.map((m) => m.id) } },
        orderBy: [{ modelId: "asc" }, { createdAt: "desc" }],
        distinct: ["modelId"],
        select: { modelId: true, number: true, status: true, verdict: true, createdAt: true, headlineRobust: true },
      })
    : [];
  const lastEval = new Map(evals.map((e) => [e.modelId, e]));
  const rows = models.map((m) => ({ ...registryListRow(m), lastEvaluation: lastEval.get(m.id) ?? null }));
  return f.risk ? rows.filter((r) => r.latest?.riskTier === RISK_TIER_DB[f.risk!]) : rows;
}

export async function getModel(ctx: TeamContext, modelId: string) {
  const model = await db.model.findFirst(recordPageQuery(ctx, modelId, {
    files: { orderBy: { path: "asc" }, select: { path: true, role: true, sha256: true, size: true } },
    trainingDatasetVersion: { select: { id: true, version: true, dataset: { select: { id: true, name: true } } } },
    ensembleMembers: { orderBy: { position: "asc" }, select: { member: { select: { id: true, version: true, manifestDigest: true, status: true, evaluatedAt: true, model: { select: { id: true, name: true } } } } } },
    memberOf: { select: { ensemble: { select: { id: true, version: true, status: true, model: { select: { id: true, name: true } } } } } },
  }));
  if (!model) throw new NotFoundError("This model");
  const history = await recordHistory(ctx, model);
  return { ...model, versions: model.versions.map((v) => ({ ...v, card: v.card as unknown as ModelCard })), history };
}

async function findVersion(tx: Tx | typeof db, teamId: string, versionId: string) {
  const v = await tx.modelVersion.findFirst({ where: { id: versionId, teamId }, include: { model: { select: { id: true, name: true } } } });
  if (!v) throw new NotFoundError("This model version");
  return { ...v, recordName: v.model.name };
}

/** Edits the descriptive fields of a version's card (not its shape, range or labels). Refused once evaluated. */
export async function updateModelCard(ctx: TeamContext, versionId: string, fields: Record<string, unknown>) {
  return editVersionCard(ctx, "model", { schema: ModelCardDescriptiveSchema, fields: descriptiveFromFields(fields) }, (tx) => findVersion(tx, ctx.team.id, versionId), async (tx, v, d) => {
    if (d.trainingDatasetVersionId && !(await tx.datasetVersion.findFirst({ where: { id: d.trainingDatasetVersionId, teamId: ctx.team.id }, select: { id: true } }))) {
      throw new ValidationError("Some fields need attention.", { trainingDatasetVersionId: "That training dataset version does not exist in this team." });
    }
    const old = v.card as unknown as ModelCard;
    const next: ModelCard = { ...old, ...d };
    return saveCardEdit(tx, ctx, "model", v, { keys: Object.keys(d) as (keyof ModelCard)[], old, next }, () =>
      tx.modelVersion.update({
        where: { id: v.id },
        data: { card: next as unknown as Prisma.InputJsonValue, riskTier: RISK_TIER_DB[next.riskTier] as RiskTier, owner: next.owner, trainingDatasetVersionId: next.trainingDatasetVersionId ?? null },
      }),
    );
  });
}

export async function setModelVersionArchived(ctx: TeamContext, versionId: string, archived: boolean) {
  await setVersionArchived(ctx, "model", archived, {
    find: (tx) => findVersion(tx, ctx.team.id, versionId),
    check: (tx, v) => assertArchiveAllowed(tx, ctx.team.id, v, archived),
    setStatus: (tx, id, status) => tx.modelVersion.update({ where: { id }, data: { status } }),
  });
}

/** Deletes a version that was never evaluated. Its blobs stay in the store if anything else uses them. */
export async function deleteModelVersion(ctx: TeamContext, versionId: string) {
  await deleteVersion(ctx, "model", {
    find: (tx) => findVersion(tx, ctx.team.id, versionId),
    check: async (tx, v) => {
      assertVersionEditable(v);
      await assertNotEnsembleMember(tx, ctx.team.id, v);
    },
    fileDigests: (tx, id) => tx.modelVersionFile.findMany({ where: { modelVersionId: id }, select: { sha256: true } }),
    remove: (tx, id) => tx.modelVersion.delete({ where: { id } }),
    details: (v) => ({ manifestDigest: v.manifestDigest }),
  });
}

export async function setModelArchived(ctx: TeamContext, modelId: string, archived: boolean) {
  await setRecordArchived(ctx, "model", archived, {
    find: (tx) => tx.model.findFirst({ where: { id: modelId, teamId: ctx.team.id } }),
    setArchivedAt: (tx, id, archivedAt) => tx.model.update({ where: { id }, data: { archivedAt } }),
  });
}

// --- For the evaluations module -----------------------------------------------------------------

export interface ModelVersionForEngine extends ModelVersionIdentity {
  engineCard: EngineCard;
  /** What lib/engine/formats.ts loadWhiteBoxModel takes (with engineCard): a LayersModel's files or an ONNX model's. */
  files: EngineModelFiles;
}

/**
 * Loads a stored model version's files for the engine (worker side: scoped by the job's teamId).
 * Every blob is checked against its digest on the way out. A version of another team → NotFoundError.
 */
export async function loadModelVersionForEngine(scope: TeamScope, versionId: string): Promise<ModelVersionForEngine> {
  const teamId = scope.team.id;
  const v = await db.modelVersion.findFirst({
    where: { id: versionId, teamId, storedAt: { not: null } },
    include: { files: true, model: { select: { name: true } } },
  });
  if (!v) throw new NotFoundError("This model version");
  if (v.format === ENSEMBLE_FORMAT) throw new Error(`model version ${v.id} is an ensemble: load it with loadEngineModel (lib/registry/ensembles.ts), which loads its members`);
  const store = artifactStore();
  let main: Uint8Array | undefined;
  const others: Record<string, Uint8Array> = {};
  const mainRole = v.format === "onnx" ? "model.onnx" : "model.json";
  for (const f of v.files) {
    const bytes = await readVerified(f.sha256, store);
    if (f.role === mainRole) main = bytes;
    else others[f.path] = bytes;
  }
  if (!main) throw new Error(`model version ${v.id} has no ${mainRole}`);
  const card = ModelCardSchema.parse(v.card);
  const files: EngineModelFiles = v.format === "onnx" ? { format: "onnx", onnx: main, externalData: others } : { format: "tfjs-layers", modelJson: main, weights: others };
  return { versionId: v.id, modelId: v.modelId, modelName: v.model.name, version: v.version, manifestDigest: v.manifestDigest, card, engineCard: engineCardOf(card), files };
}

/** Team-context variant for pages and API routes. */
export async function loadModelVersionFiles(ctx: TeamContext, versionId: string) {
  return loadModelVersionForEngine(ctx, versionId);
}
