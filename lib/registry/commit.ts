import { db, type Tx } from "../db/client";
import { AppError } from "../errors";
import { artifactStore, sha256Bytes, sha256File } from "./store";

// The two-step commit shared by models and datasets: rows (with Artifact references) commit in one
// transaction with their audit event; then the staged files move into the content-addressed store.

export interface HashedFile {
  /** Path inside the version, e.g. "model.json", "group1-shard1of1.bin", "tensor.bwds", "original/mnist.zip". */
  rel: string;
  /** Staged file on disk. */
  path: string;
  role: string;
  sha256: string;
  size: number;
}

export async function hashFiles(files: { rel: string; path: string; role: string }[]): Promise<HashedFile[]> {
  const out: HashedFile[] = [];
  for (const f of files) out.push({ ...f, ...(await sha256File(f.path)) });
  return out;
}

/** SHA-256 of the version manifest: one "sha256  size  path" line per file, sorted by path. */
export function manifestDigestOf(files: { rel: string; sha256: string; size: number }[]): string {
  return sha256Bytes(manifestText(files));
}

export function manifestText(files: { rel: string; sha256: string; size: number }[]): string {
  return [...files]
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.size}  ${f.rel}\n`)
    .join("");
}

/** Ensures the team has an Artifact row per digest; returns digest → artifact id. */
export async function upsertArtifacts(tx: Tx, teamId: string, files: { sha256: string; size: number }[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const f of files) {
    if (ids.has(f.sha256)) continue;
    const a = await tx.artifact.upsert({
      where: { teamId_sha256: { teamId, sha256: f.sha256 } },
      update: {},
      create: { teamId, sha256: f.sha256, size: f.size },
      select: { id: true },
    });
    ids.set(f.sha256, a.id);
  }
  return ids;
}

/** The error an upload answers when the artifact store cannot take its files: names the store, 503. */
export function storeUnavailable(e: unknown, what: string): AppError {
  const store = artifactStore();
  const reason = (e as NodeJS.ErrnoException).code === "ENOSPC" ? "disk full" : (e as Error).message;
  return new AppError(
    `The files could not be written to the artifact store (${reason}); ${what} was not registered. The store is the ${store.kind === "local" ? "folder" : "bucket"} ${store.location}: an administrator must make it writable (or free space) before uploading again.`,
    503,
    "artifact_store_unavailable",
  );
}

/** Before an upload is recorded: a store that cannot be written to refuses it with nothing stored. */
export async function assertStoreWritable(what: string): Promise<void> {
  try {
    await artifactStore().assertWritable();
  } catch (e) {
    throw storeUnavailable(e, what);
  }
}

/**
 * Moves the staged files into the store. `created` collects the digests that were new to the store,
 * so that a caller whose commit fails can take them back out (`removeUnreferencedBlobs`).
 */
export async function commitBlobs(files: HashedFile[], created: string[] = []): Promise<string[]> {
  const store = artifactStore();
  const done = new Set<string>();
  for (const f of files) {
    if (done.has(f.sha256)) continue;
    done.add(f.sha256);
    if ((await store.put(f.sha256, f.path)).created) created.push(f.sha256);
  }
  return created;
}

/** Removes blobs (added by a failed attempt) that no Artifact row of any team references. */
export async function removeUnreferencedBlobs(digests: string[]): Promise<void> {
  const store = artifactStore();
  for (const sha of digests) {
    if ((await db.artifact.count({ where: { sha256: sha } })) === 0) await store.remove(sha).catch(() => {});
  }
}

/** Removes the team's Artifact rows for these digests when no file row of the team references them any more. */
export async function discardArtifactsIfUnused(tx: Tx, teamId: string, digests: string[]): Promise<void> {
  for (const sha256 of new Set(digests)) {
    const [m, d] = await Promise.all([
      tx.modelVersionFile.count({ where: { teamId, sha256 } }),
      tx.datasetVersionFile.count({ where: { teamId, sha256 } }),
    ]);
    if (m + d === 0) await tx.artifact.deleteMany({ where: { teamId, sha256 } });
  }
}

/**
 * For the evaluations module: marks the versions an evaluation used as evaluated, inside the
 * evaluation's own transaction. From then on they are immutable (also enforced by a trigger).
 */
export async function markVersionsEvaluated(tx: Tx, teamId: string, ids: { modelVersionId?: string; datasetVersionId?: string }): Promise<void> {
  const now = new Date();
  if (ids.modelVersionId) {
    await tx.modelVersion.updateMany({ where: { id: ids.modelVersionId, teamId, evaluatedAt: null }, data: { evaluatedAt: now } });
    // An ensemble's evaluation uses its members' weights: they become immutable with it.
    const members = await tx.ensembleMember.findMany({ where: { ensembleVersionId: ids.modelVersionId, teamId }, select: { memberVersionId: true } });
    if (members.length) await tx.modelVersion.updateMany({ where: { id: { in: members.map((m) => m.memberVersionId) }, teamId, evaluatedAt: null }, data: { evaluatedAt: now } });
  }
  if (ids.datasetVersionId) {
    await tx.datasetVersion.updateMany({ where: { id: ids.datasetVersionId, teamId, evaluatedAt: null }, data: { evaluatedAt: now } });
  }
}
