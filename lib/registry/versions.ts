import { z } from "zod";
import { db, type Tx } from "../db/client";
import type { RiskTier } from "../db/generated/enums";
import type { Prisma } from "../db/generated/client";
import { appendAudit } from "../audit/log";
import { type TeamScope, userIdOf } from "../teams/context";
import { NotFoundError, ValidationError } from "../errors";
import { commitBlobs, discardArtifactsIfUnused, removeUnreferencedBlobs, storeUnavailable, type HashedFile } from "./commit";
import { RISK_TIER_DB, type ModelCard } from "./model-card";

// The one path by which a model or dataset version is numbered and recorded, whatever made it (an upload,
// an ensemble, an endpoint): the entry is found or created under the team's lock, the version takes the next
// number, and the entry's creation and the version's creation are audited in the same transaction.

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,79}$/;
export const EntryNameSchema = z
  .string()
  .trim()
  .min(1, { error: "A name is required" })
  .max(80, { error: "At most 80 characters" })
  .regex(NAME_RE, { error: "Use letters, digits, spaces and . _ - ( ) +; start with a letter or digit" });

export type RegistryKind = "model" | "dataset";

/** Which entry a new version joins: one of the team's, by id, or a new one by name. */
export type VersionTarget = { id: string } | { name: string };

const NOUN: Record<RegistryKind, { Entry: string; Version: string }> = {
  model: { Entry: "Model", Version: "ModelVersion" },
  dataset: { Entry: "Dataset", Version: "DatasetVersion" },
};

const nameClash = (kind: RegistryKind, name: string) => `A ${kind} named "${name}" already exists in this team`;

async function findEntry(c: Tx, kind: RegistryKind, where: { id: string; teamId: string } | { teamId: string; name: { equals: string; mode: "insensitive" } }) {
  return kind === "model" ? c.model.findFirst({ where, select: { id: true } }) : c.dataset.findFirst({ where, select: { id: true } });
}

/**
 * Before a version is checked: an entry given by id must be the team's (else not found, whatever else is
 * wrong); a new name must be valid and free. A bad name is returned as a problem on the field "name", so
 * that the caller can show it with the others.
 */
export async function resolveVersionTarget(
  kind: RegistryKind,
  scope: TeamScope,
  input: { id?: string; name?: string },
): Promise<{ target?: VersionTarget; problem?: { field: "name"; message: string } }> {
  const teamId = scope.team.id;
  if (input.id) {
    if (!(await findEntry(db, kind, { id: input.id, teamId }))) throw new NotFoundError(`This ${kind}`);
    return { target: { id: input.id } };
  }
  const name = EntryNameSchema.safeParse(input.name ?? "");
  if (!name.success) return { problem: { field: "name", message: name.error.issues[0].message } };
  if (await findEntry(db, kind, { teamId, name: { equals: name.data, mode: "insensitive" } })) {
    return { problem: { field: "name", message: `${nameClash(kind, name.data)}: open it and upload a new version there.` } };
  }
  return { target: { name: name.data } };
}

export interface CreatedVersion<V> {
  entryId: string;
  version: number;
  /** The entry was created with this version (a failed store takes it back out with the version). */
  createdEntry: boolean;
  row: V;
}

/**
 * Inside the caller's transaction: locks the team (two uploads cannot take the same number or name), runs
 * `afterLock`, finds or creates the entry, lets `create` write the version row under the next number, touches
 * the entry and appends `<kind>.version.create` with `{ <kind>Id, version, ...details }`.
 */
export async function createVersion<V extends { id: string }>(
  tx: Tx,
  ctx: TeamScope,
  kind: RegistryKind,
  o: {
    target: VersionTarget;
    /** The new entry's description (ignored for an existing entry). */
    description: string;
    afterLock?: () => Promise<void>;
    create: (entryId: string, version: number) => Promise<V>;
    details: Record<string, unknown>;
  },
): Promise<CreatedVersion<V>> {
  const teamId = ctx.team.id;
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
  await o.afterLock?.();
  let entryId: string;
  let createdEntry = false;
  if ("id" in o.target) {
    if (!(await findEntry(tx, kind, { id: o.target.id, teamId }))) throw new NotFoundError(`This ${kind}`);
    entryId = o.target.id;
  } else {
    const name = o.target.name;
    if (await findEntry(tx, kind, { teamId, name: { equals: name, mode: "insensitive" } })) {
      throw new ValidationError("Some fields need attention.", { name: `${nameClash(kind, name)}.` });
    }
    const data = { teamId, name, description: o.description, createdById: userIdOf(ctx) };
    const e = kind === "model" ? await tx.model.create({ data }) : await tx.dataset.create({ data });
    await appendAudit(tx, { teamId, actor: ctx.actor, action: `${kind}.create`, subjectType: NOUN[kind].Entry, subjectId: e.id, details: { name: e.name } });
    entryId = e.id;
    createdEntry = true;
  }
  const last =
    kind === "model"
      ? await tx.modelVersion.findFirst({ where: { modelId: entryId }, orderBy: { version: "desc" }, select: { version: true } })
      : await tx.datasetVersion.findFirst({ where: { datasetId: entryId }, orderBy: { version: "desc" }, select: { version: true } });
  const version = (last?.version ?? 0) + 1;
  const row = await o.create(entryId, version);
  const touch = { where: { id: entryId }, data: { updatedAt: new Date() } };
  if (kind === "model") await tx.model.update(touch);
  else await tx.dataset.update(touch);
  await appendAudit(tx, {
    teamId,
    actor: ctx.actor,
    action: `${kind}.version.create`,
    subjectType: NOUN[kind].Version,
    subjectId: row.id,
    details: { [`${kind}Id`]: entryId, version, ...o.details },
  });
  return { entryId, version, createdEntry, row };
}

/** The columns every model version takes from its place, its card and its author. */
export function modelVersionColumns(ctx: TeamScope, card: ModelCard, modelId: string, version: number) {
  return {
    teamId: ctx.team.id,
    modelId,
    version,
    card: card as unknown as Prisma.InputJsonValue,
    riskTier: RISK_TIER_DB[card.riskTier] as RiskTier,
    owner: card.owner,
    trainingDatasetVersionId: card.trainingDatasetVersionId ?? null,
    createdById: userIdOf(ctx),
  };
}

/** A model version defined by its card and digest alone (an ensemble, an endpoint): no files, so stored at once. */
export function filelessModelVersion(ctx: TeamScope, card: ModelCard, modelId: string, version: number, o: { format: string; manifestDigest: string; engineInfo: object }) {
  return { ...modelVersionColumns(ctx, card, modelId, version), ...o, engineInfo: o.engineInfo as Prisma.InputJsonValue, totalBytes: 0, storedAt: new Date() };
}

/** What the engine side knows of any model version it loads. */
export interface ModelVersionIdentity {
  versionId: string;
  modelId: string;
  modelName: string;
  version: number;
  manifestDigest: string;
  card: ModelCard;
}

/**
 * After the rows committed: moves the version's files into the store and marks it stored. A store that
 * fails takes the version back out (and the entry, when it came with it), audited, and answers 503.
 */
export async function storeVersionFiles(ctx: TeamScope, kind: RegistryKind, hashed: HashedFile[], v: CreatedVersion<{ id: string }>): Promise<void> {
  const teamId = ctx.team.id;
  const id = v.row.id;
  const added: string[] = [];
  try {
    await commitBlobs(hashed, added);
    const stored = { where: { id }, data: { storedAt: new Date() } };
    if (kind === "model") await db.modelVersion.update(stored);
    else await db.datasetVersion.update(stored);
  } catch (e) {
    await db.$transaction(async (tx) => {
      if (kind === "model") {
        await tx.modelVersion.delete({ where: { id } });
        if (v.createdEntry) await tx.model.delete({ where: { id: v.entryId } });
      } else {
        await tx.datasetVersion.delete({ where: { id } });
        if (v.createdEntry) await tx.dataset.delete({ where: { id: v.entryId } });
      }
      await discardArtifactsIfUnused(tx, teamId, hashed.map((f) => f.sha256));
      await appendAudit(tx, { teamId, actor: ctx.actor, action: `${kind}.version.discard`, subjectType: NOUN[kind].Version, subjectId: id, details: { reason: `artifact store: ${(e as Error).message}` } });
    });
    await removeUnreferencedBlobs(added);
    throw storeUnavailable(e, "the version");
  }
}
