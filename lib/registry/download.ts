import type { Readable } from "node:stream";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
import { artifactStore } from "./store";

/**
 * One stored file of a model or dataset version of the caller's team, for download (so anyone with
 * access can check it with sha256sum). Another team's version, or an unknown path → NotFoundError.
 */
export async function openVersionFile(ctx: TeamContext, kind: "model" | "dataset", versionId: string, path: string): Promise<{ stream: Readable; size: number; sha256: string; filename: string }> {
  const where = { teamId: ctx.team.id, path, version: { id: versionId, teamId: ctx.team.id, storedAt: { not: null } } };
  const file =
    kind === "model"
      ? await db.modelVersionFile.findFirst({ where: { ...where, modelVersionId: versionId }, select: { sha256: true, size: true, path: true } })
      : await db.datasetVersionFile.findFirst({ where: { ...where, datasetVersionId: versionId }, select: { sha256: true, size: true, path: true } });
  if (!file) throw new NotFoundError("This file");
  return { stream: await artifactStore().stream(file.sha256), size: file.size, sha256: file.sha256, filename: file.path.split("/").pop() || "file" };
}
