import { join } from "node:path";
import { z } from "zod";
import { db, type Tx } from "../db/client";
import type { Prisma } from "../db/generated/client";
import type { DatasetFormat, DatasetSplit } from "../db/generated/enums";
import { assertScopeCan, type TeamContext } from "../teams/access";
import { ConflictError, NotFoundError, fieldErrorsFromZod } from "../errors";
import { assertStoreWritable, hashFiles, manifestDigestOf, upsertArtifacts } from "./commit";
import { deleteVersion, editVersionCard, LATEST_STORED_VERSION, recordHistory, recordPageQuery, registryListRow, registryListWhere, saveCardEdit, setRecordArchived, setVersionArchived } from "./lifecycle";
import {
  DatasetCardSchema,
  datasetCardFromFields,
  DatasetUploadOptionsSchema,
  FORMAT_DB,
  SPLIT_DB,
  type DatasetCard,
} from "./dataset-card";
import { decodeDatasetIsolated } from "./isolated-check";
import { refuseAll, uploadLimits } from "./limits";
import type { Problem } from "./model-files";
import { createVersion, resolveVersionTarget, storeVersionFiles } from "./versions";
import type { DatasetPreview } from "./preview";
import type { Staging, StagedFile } from "./staging";
import { artifactStore, readVerified } from "./store";
import { decodeTensorFile } from "./tensor-file";
import { type TeamScope, userIdOf } from "../teams/context";

export interface DatasetUploadInput {
  datasetId?: string;
  name?: string;
  description?: string;
  /** Card fields and upload options (format, labelColumn, classLabels) as flat form fields. */
  fields: Record<string, unknown>;
  files: StagedFile[];
}

export interface RegisteredDatasetVersion {
  datasetId: string;
  versionId: string;
  version: number;
  tensorDigest: string;
  manifestDigest: string;
  sampleCount: number;
  warnings: string[];
}

function problemsOf(issues: z.core.$ZodIssue[]): Problem[] {
  return Object.entries(fieldErrorsFromZod(issues)).map(([field, message]) => ({ field, message }));
}

/**
 * Validates, converts and registers a dataset version: the normalised tensor file plus the originals.
 * Nothing is stored unless everything is valid (see registerModelVersion).
 */
export async function registerDatasetVersion(ctx: TeamScope, input: DatasetUploadInput, staging: Staging): Promise<RegisteredDatasetVersion> {
  assertScopeCan(ctx, "dataset.write");
  const limits = uploadLimits();
  const teamId = ctx.team.id;
  const problems: Problem[] = [];
  const { target, problem } = await resolveVersionTarget("dataset", ctx, { id: input.datasetId, name: input.name });
  if (problem) problems.push(problem);
  const card = DatasetCardSchema.safeParse(datasetCardFromFields(input.fields));
  if (!card.success) problems.push(...problemsOf(card.error.issues));
  const opts = DatasetUploadOptionsSchema.safeParse(input.fields);
  if (!opts.success) problems.push(...problemsOf(opts.error.issues));
  if (input.files.length === 0) problems.push({ field: "files", message: "Choose the files to upload." });
  // The files are checked even when the card has problems, so the form shows everything at once. They are
  // expanded and decoded in the upload check's own process (isolated-check.ts), which writes the tensor file.
  const o = opts.success ? opts.data : undefined;
  const tensorPath = join(await staging.subdir("tensor"), "tensor.bwds");
  const checked = o && input.files.length ? await decodeDatasetIsolated({ opts: o, files: input.files, stagingDir: staging.dir, tensorPath, limits }) : undefined;
  if (checked) problems.push(...checked.problems);
  const decoded = checked?.summary;
  if (problems.length || !card.success || !opts.success || !decoded) refuseAll(problems.length ? problems : [{ field: "files", message: "The files could not be checked." }]);
  const warnings = decoded.warnings;

  const hashed = await hashFiles([
    { rel: "tensor.bwds", path: tensorPath, role: "tensor" },
    ...input.files.map((f, i) => ({ rel: `original/${uniqueName(f.name, i, input.files)}`, path: f.path, role: "original" })),
  ]);
  const tensorDigest = hashed[0].sha256;
  const manifestDigest = manifestDigestOf(hashed);
  const totalBytes = hashed.reduce((s, f) => s + f.size, 0);
  const counts = decoded.classCounts;
  const preview: DatasetPreview = decoded.preview;

  // A store that cannot take the files refuses the upload before anything is recorded.
  await assertStoreWritable("the version");
  const created = await db.$transaction(
    (tx) =>
      createVersion(tx, ctx, "dataset", {
        target: target!,
        description: input.description ?? card.data.description,
        create: async (datasetId, version) => {
          const artifacts = await upsertArtifacts(tx, teamId, hashed);
          return tx.datasetVersion.create({
            data: {
              teamId,
              datasetId,
              version,
              format: FORMAT_DB[opts.data.format] as DatasetFormat,
              card: card.data as unknown as Prisma.InputJsonValue,
              licence: card.data.licence,
              personalData: card.data.personalData,
              split: SPLIT_DB[card.data.split] as DatasetSplit,
              sampleCount: decoded.count,
              sampleShape: decoded.sampleShape,
              classLabels: decoded.classLabels,
              classCounts: counts,
              valueMin: decoded.valueMin,
              valueMax: decoded.valueMax,
              featureNames: decoded.featureNames ?? [],
              preview: preview as unknown as Prisma.InputJsonValue,
              tensorDigest,
              manifestDigest,
              totalBytes,
              warnings,
              createdById: userIdOf(ctx),
              files: { create: hashed.map((f) => ({ teamId, artifactId: artifacts.get(f.sha256)!, path: f.rel, role: f.role, sha256: f.sha256, size: f.size })) },
            },
          });
        },
        details: {
          format: opts.data.format,
          samples: decoded.count,
          shape: decoded.sampleShape,
          classes: decoded.classLabels.length,
          licence: card.data.licence,
          personalData: card.data.personalData,
          tensorDigest,
          manifestDigest,
          files: hashed.map((f) => ({ path: f.rel, sha256: f.sha256, size: f.size })),
        },
      }),
    { timeout: 60_000 },
  );
  await storeVersionFiles(ctx, "dataset", hashed, created);
  return { datasetId: created.entryId, versionId: created.row.id, version: created.version, tensorDigest, manifestDigest, sampleCount: decoded.count, warnings };
}

/** The name an original file is stored under: its last segment in safe characters; never "." or "..". */
function storedName(name: string, i: number): string {
  const base = name.split("/").pop()!.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 200);
  return base === "" || /^\.+$/.test(base) ? `file-${i + 1}` : base;
}

function uniqueName(name: string, i: number, all: StagedFile[]): string {
  const base = storedName(name, i);
  const clash = all.some((f, j) => j !== i && storedName(f.name, j) === base);
  return clash ? `${i + 1}-${base}` : base;
}

// --- Reading ------------------------------------------------------------------------------------

export const DatasetListFilterSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  format: z.enum(["IMAGE_ZIP", "IDX", "CSV"]).optional().catch(undefined),
  archived: z.enum(["1"]).optional().catch(undefined),
});
export type DatasetListFilter = z.infer<typeof DatasetListFilterSchema>;

export async function listDatasets(ctx: TeamContext, f: DatasetListFilter = {}) {
  const rows = await db.dataset.findMany({
    where: registryListWhere(ctx, f),
    orderBy: { updatedAt: "desc" },
    include: {
      versions: {
        ...LATEST_STORED_VERSION,
        select: { id: true, version: true, format: true, sampleCount: true, sampleShape: true, classLabels: true, licence: true, personalData: true, split: true, createdAt: true, tensorDigest: true, status: true },
      },
      _count: { select: { versions: true } },
    },
    take: 500,
  });
  const out = rows.map(registryListRow);
  return f.format ? out.filter((d) => d.latest?.format === f.format) : out;
}

export async function getDataset(ctx: TeamContext, datasetId: string) {
  const d = await db.dataset.findFirst(recordPageQuery(ctx, datasetId, {
    files: { orderBy: [{ role: "desc" }, { path: "asc" }], select: { path: true, role: true, sha256: true, size: true } },
    trainedModels: { select: { id: true, version: true, model: { select: { id: true, name: true } } } },
  }));
  if (!d) throw new NotFoundError("This dataset");
  const history = await recordHistory(ctx, d);
  return { ...d, versions: d.versions.map((v) => ({ ...v, card: v.card as unknown as DatasetCard, preview: v.preview as unknown as DatasetPreview })), history };
}

/** Dataset versions of the team, for pickers (training dataset on the model card, evaluations). */
export async function listDatasetVersionOptions(ctx: TeamContext) {
  const vs = await db.datasetVersion.findMany({
    where: { teamId: ctx.team.id, storedAt: { not: null } },
    orderBy: [{ dataset: { name: "asc" } }, { version: "desc" }],
    select: { id: true, version: true, split: true, sampleCount: true, dataset: { select: { name: true } } },
  });
  return vs.map((v) => ({ id: v.id, label: `${v.dataset.name} v${v.version} (${v.split.toLowerCase()}, ${v.sampleCount.toLocaleString("en")} samples)` }));
}

async function findVersion(tx: Tx, teamId: string, versionId: string) {
  const v = await tx.datasetVersion.findFirst({ where: { id: versionId, teamId }, include: { dataset: { select: { name: true } } } });
  if (!v) throw new NotFoundError("This dataset version");
  return { ...v, recordName: v.dataset.name };
}

export async function updateDatasetCard(ctx: TeamContext, versionId: string, fields: Record<string, unknown>) {
  return editVersionCard(ctx, "dataset", { schema: DatasetCardSchema, fields: datasetCardFromFields(fields) }, (tx) => findVersion(tx, ctx.team.id, versionId), (tx, v, next) => {
    const old = v.card as unknown as DatasetCard;
    return saveCardEdit(tx, ctx, "dataset", v, { keys: Object.keys(next) as (keyof DatasetCard)[], old, next }, () =>
      tx.datasetVersion.update({
        where: { id: v.id },
        data: { card: next as unknown as Prisma.InputJsonValue, licence: next.licence, personalData: next.personalData, split: SPLIT_DB[next.split] as DatasetSplit },
      }),
    );
  });
}

export async function setDatasetVersionArchived(ctx: TeamContext, versionId: string, archived: boolean) {
  await setVersionArchived(ctx, "dataset", archived, {
    find: (tx) => findVersion(tx, ctx.team.id, versionId),
    setStatus: (tx, id, status) => tx.datasetVersion.update({ where: { id }, data: { status } }),
  });
}

export async function deleteDatasetVersion(ctx: TeamContext, versionId: string) {
  await deleteVersion(ctx, "dataset", {
    find: (tx) => findVersion(tx, ctx.team.id, versionId),
    check: (_tx, v) => {
      if (v.evaluatedAt) throw new ConflictError(`Version ${v.version} has been evaluated, so it is immutable: it can be archived, not deleted.`);
    },
    fileDigests: (tx, id) => tx.datasetVersionFile.findMany({ where: { datasetVersionId: id }, select: { sha256: true } }),
    remove: (tx, id) => tx.datasetVersion.delete({ where: { id } }),
    details: (v) => ({ tensorDigest: v.tensorDigest }),
  });
}

// --- For the evaluations module -----------------------------------------------------------------

export interface DatasetForEngine {
  versionId: string;
  datasetId: string;
  datasetName: string;
  version: number;
  format: DatasetFormat;
  tensorDigest: string;
  count: number;
  /** Shape of one sample, e.g. [28, 28, 1] or [features]. */
  sampleShape: number[];
  classLabels: string[];
  valueMin: number;
  valueMax: number;
  /** Row-major samples: sample i is x.subarray(i*size, (i+1)*size), size = prod(sampleShape). */
  x: Float32Array;
  /** labels[i] indexes classLabels. */
  labels: Int32Array;
}

/** Loads a stored dataset version's normalised tensors (digest-checked). Another team's id → NotFoundError. */
export async function loadDatasetForEngine(scope: TeamScope, versionId: string): Promise<DatasetForEngine> {
  const teamId = scope.team.id;
  const v = await db.datasetVersion.findFirst({ where: { id: versionId, teamId, storedAt: { not: null } }, include: { dataset: { select: { name: true } } } });
  if (!v) throw new NotFoundError("This dataset version");
  const t = decodeTensorFile(await readVerified(v.tensorDigest, artifactStore()));
  return {
    versionId: v.id,
    datasetId: v.datasetId,
    datasetName: v.dataset.name,
    version: v.version,
    format: v.format,
    tensorDigest: v.tensorDigest,
    count: t.header.count,
    sampleShape: t.header.sampleShape,
    classLabels: t.header.classLabels,
    valueMin: t.header.valueMin,
    valueMax: t.header.valueMax,
    x: t.x,
    labels: t.labels,
  };
}

export async function setDatasetArchived(ctx: TeamContext, datasetId: string, archived: boolean) {
  await setRecordArchived(ctx, "dataset", archived, {
    find: (tx) => tx.dataset.findFirst({ where: { id: datasetId, teamId: ctx.team.id } }),
    setArchivedAt: (tx, id, archivedAt) => tx.dataset.update({ where: { id }, data: { archivedAt } }),
  });
}
