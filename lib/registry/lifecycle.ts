// The steps models and datasets share after upload: reading a record's page (stored versions, history), a
// card edit, archive or restore a record, archive or restore one of its versions, delete a version. The kind passes its own table reads
// and writes and its own checks; the role check, the order of the steps and the audit events are here once.
import { db, type Tx } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { appendAudit } from "../audit/log";
import { assertCan, type TeamContext } from "../teams/access";
import type { z } from "zod";
import { ConflictError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { discardArtifactsIfUnused } from "./commit";

export type RegistryKind = "model" | "dataset";

const SUBJECT = { model: "Model", dataset: "Dataset" } as const;

/** A version as the lifecycle steps read it (the kind's row with its record's name). */
interface VersionRow {
  id: string;
  version: number;
  status: string;
}

/** A record's stored versions, newest first (a version's rows exist before its files are stored). */
export const STORED_VERSIONS_NEWEST_FIRST = { where: { storedAt: { not: null } }, orderBy: { version: "desc" } } as const;

/** What a record's page reads: the record in the team, with its stored versions newest first, each with `versionInclude`. */
export function recordPageQuery<I extends Prisma.ModelVersionInclude | Prisma.DatasetVersionInclude>(ctx: TeamContext, id: string, versionInclude: I) {
  return { where: { id, teamId: ctx.team.id }, include: { versions: { ...STORED_VERSIONS_NEWEST_FIRST, include: versionInclude } } };
}

/** The newest stored version only: the "latest" column of the registry lists. */
export const LATEST_STORED_VERSION = { ...STORED_VERSIONS_NEWEST_FIRST, take: 1 } as const;

/** The records a registry list shows: the team's, matching `q` in name or description (or `alsoMatch`), unarchived unless asked. */
export function registryListWhere(ctx: TeamContext, f: { q?: string; archived?: "1" }, alsoMatch: object[] = []) {
  return {
    teamId: ctx.team.id,
    ...(f.archived ? {} : { archivedAt: null }),
    ...(f.q ? { OR: [{ name: { contains: f.q, mode: "insensitive" as const } }, { description: { contains: f.q, mode: "insensitive" as const } }, ...alsoMatch] } : {}),
  };
}

/** One row of a registry list: the record, its newest stored version (null while none is stored) and how many versions it has. */
export function registryListRow<V>(r: { id: string; name: string; description: string; archivedAt: Date | null; updatedAt: Date; versions: V[]; _count: { versions: number } }) {
  return { id: r.id, name: r.name, description: r.description, archived: r.archivedAt !== null, latest: r.versions[0] ?? null, versionCount: r._count.versions, updatedAt: r.updatedAt };
}

/** The audit events about a record and its versions, newest first: its page's history (at most 100). */
export function recordHistory(ctx: TeamContext, record: { id: string; versions: { id: string }[] }) {
  return db.auditEvent.findMany({ where: { teamId: ctx.team.id, subjectId: { in: [record.id, ...record.versions.map((v) => v.id)] } }, orderBy: { seq: "desc" }, take: 100 });
}

/** Refuses to change an evaluated version: its evaluations point at it, so its card and files stay as they were. */
export function assertVersionEditable(v: { evaluatedAt: Date | null; version: number }) {
  if (v.evaluatedAt) {
    throw new ConflictError(`Version ${v.version} has been evaluated, so it is immutable: upload a new version (which supersedes it) or archive it.`);
  }
}

/**
 * A card edit: the role check, the edited fields checked by `card.schema` (every problem named, nothing
 * written), then in one transaction the version (`find`), refused once evaluated, and the kind's `save`
 * (which ends in saveCardEdit).
 */
export async function editVersionCard<S extends z.ZodType, V extends { evaluatedAt: Date | null; version: number }, R>(
  ctx: TeamContext,
  kind: RegistryKind,
  card: { schema: S; fields: unknown },
  find: (tx: Tx) => Promise<V>,
  save: (tx: Tx, v: V, edit: z.output<S>) => Promise<R>,
): Promise<R> {
  assertCan(ctx, `${kind}.write`);
  const parsed = card.schema.safeParse(card.fields);
  if (!parsed.success) throw new ValidationError("Some fields need attention.", fieldErrorsFromZod(parsed.error.issues));
  return db.$transaction(async (tx) => {
    const v = await find(tx);
    assertVersionEditable(v);
    return save(tx, v, parsed.data);
  });
}

/**
 * Saves an edit of a version's card (`store` writes the row) with its audit event: the fields among `keys`
 * whose values changed, before and after (a cleared field: null). Nothing is written when none changed.
 */
export async function saveCardEdit<C extends object>(
  tx: Tx,
  ctx: TeamContext,
  kind: RegistryKind,
  v: VersionRow & { recordName: string },
  card: { keys: (keyof C)[]; old: C; next: C },
  store: () => Promise<unknown>,
) {
  const changed = card.keys.filter((k) => JSON.stringify(card.old[k]) !== JSON.stringify(card.next[k]));
  if (changed.length === 0) return { changed };
  const values = (c: C) => Object.fromEntries(changed.map((k) => [k, c[k] ?? null]));
  await store();
  await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: `${kind}.card.update`, subjectType: `${SUBJECT[kind]}Version`, subjectId: v.id, details: { [kind]: v.recordName, version: v.version, changed, before: values(card.old), after: values(card.next) } });
  return { changed };
}

/** Archives or restores a model or a dataset (the record, not a version): nothing happens when it already is. */
export async function setRecordArchived(
  ctx: TeamContext,
  kind: RegistryKind,
  archived: boolean,
  table: {
    find: (tx: Tx) => Promise<{ id: string; name: string; archivedAt: Date | null } | null>;
    setArchivedAt: (tx: Tx, id: string, archivedAt: Date | null) => Promise<unknown>;
  },
) {
  assertCan(ctx, `${kind}.write`);
  await db.$transaction(async (tx) => {
    const r = await table.find(tx);
    if (!r) throw new NotFoundError(`This ${kind}`);
    if ((r.archivedAt !== null) === archived) return;
    await table.setArchivedAt(tx, r.id, archived ? new Date() : null);
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: `${kind}.${archived ? "archive" : "restore"}`, subjectType: SUBJECT[kind], subjectId: r.id, details: { name: r.name } });
  });
}

/** Archives or restores one version: nothing happens when it already is; `check` may refuse the change. */
export async function setVersionArchived<V extends VersionRow>(
  ctx: TeamContext,
  kind: RegistryKind,
  archived: boolean,
  table: {
    find: (tx: Tx) => Promise<V & { recordName: string }>;
    check?: (tx: Tx, v: V) => Promise<void>;
    setStatus: (tx: Tx, id: string, status: "ARCHIVED" | "ACTIVE") => Promise<unknown>;
  },
) {
  assertCan(ctx, `${kind}.write`);
  await db.$transaction(async (tx) => {
    const v = await table.find(tx);
    const status = archived ? "ARCHIVED" : "ACTIVE";
    if (v.status === status) return;
    await table.check?.(tx, v);
    await table.setStatus(tx, v.id, status);
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: `${kind}.version.${archived ? "archive" : "restore"}`, subjectType: `${SUBJECT[kind]}Version`, subjectId: v.id, details: { [kind]: v.recordName, version: v.version } });
  });
}

/**
 * Deletes a version `check` allows (never evaluated, …): its row, then its blobs unless something else in the
 * team uses them; `details` adds the version's digest to the audit event.
 */
export async function deleteVersion<V extends VersionRow>(
  ctx: TeamContext,
  kind: RegistryKind,
  table: {
    find: (tx: Tx) => Promise<V & { recordName: string }>;
    check: (tx: Tx, v: V) => Promise<void> | void;
    fileDigests: (tx: Tx, id: string) => Promise<{ sha256: string }[]>;
    remove: (tx: Tx, id: string) => Promise<unknown>;
    details: (v: V) => Record<string, string>;
  },
) {
  assertCan(ctx, `${kind}.write`);
  await db.$transaction(async (tx) => {
    const v = await table.find(tx);
    await table.check(tx, v);
    const files = await table.fileDigests(tx, v.id);
    await table.remove(tx, v.id);
    await discardArtifactsIfUnused(tx, ctx.team.id, files.map((f) => f.sha256));
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: `${kind}.version.delete`, subjectType: `${SUBJECT[kind]}Version`, subjectId: v.id, details: { [kind]: v.recordName, version: v.version, ...table.details(v) } });
  });
}
