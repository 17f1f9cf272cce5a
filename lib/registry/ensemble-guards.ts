import type { Tx } from "../db/client";
import { ConflictError } from "../errors";

// What an ensemble version does to its members' lifecycle (kept apart from models.ts and ensembles.ts so
// neither imports the other): a member cannot be deleted, nor archived while an active ensemble uses it,
// and an ensemble cannot be restored while one of its members is archived.

export const ENSEMBLE_FORMAT = "ensemble";

const label = (e: { ensemble: { version: number; model: { name: string } } }) => `${e.ensemble.model.name} v${e.ensemble.version}`;

async function ensemblesUsing(tx: Tx, teamId: string, versionId: string, activeOnly: boolean) {
  return tx.ensembleMember.findMany({
    where: { teamId, memberVersionId: versionId, ...(activeOnly ? { ensemble: { status: "ACTIVE" } } : {}) },
    include: { ensemble: { select: { version: true, model: { select: { name: true } } } } },
    orderBy: { ensemble: { createdAt: "asc" } },
  });
}

/** Refuses to delete a version that an ensemble version lists as a member (the database refuses it too). */
export async function assertNotEnsembleMember(tx: Tx, teamId: string, v: { id: string; version: number }) {
  const using = await ensemblesUsing(tx, teamId, v.id, false);
  if (using.length) {
    throw new ConflictError(`Version ${v.version} is a member of the ensemble ${using.map(label).join(", ")}: it cannot be deleted while an ensemble uses it. Delete the ensemble version first (an evaluated one cannot be deleted, so its members stay), or archive the ensemble and then this version.`);
  }
}

/** Refuses to archive a member of an active ensemble, and to restore an ensemble whose member is archived. */
export async function assertArchiveAllowed(tx: Tx, teamId: string, v: { id: string; version: number; format: string }, archived: boolean) {
  if (archived) {
    const using = await ensemblesUsing(tx, teamId, v.id, true);
    if (using.length) throw new ConflictError(`Version ${v.version} is a member of the active ensemble ${using.map(label).join(", ")}: archive the ensemble first, then this version.`);
    return;
  }
  if (v.format !== ENSEMBLE_FORMAT) return;
  const archivedMembers = await tx.ensembleMember.findMany({
    where: { teamId, ensembleVersionId: v.id, member: { status: "ARCHIVED" } },
    include: { member: { select: { version: true, model: { select: { name: true } } } } },
  });
  if (archivedMembers.length) {
    throw new ConflictError(`The ensemble's member ${archivedMembers.map((m) => `${m.member.model.name} v${m.member.version}`).join(", ")} is archived: restore it first.`);
  }
}
