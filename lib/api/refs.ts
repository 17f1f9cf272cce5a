import { z } from "zod";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";

// How CI names things: "name@version" (version as 3, v3 or latest), as people write them in pipelines.

export const VersionRefSchema = z
  .string({ error: "Name a version as name@version, e.g. digits-cnn@2" })
  .trim()
  .max(120)
  .transform((v, ctx) => {
    const m = /^(.+)@(?:v?(\d{1,9})|(latest))$/i.exec(v);
    if (!m) {
      ctx.addIssue({ code: "custom", message: `"${v}" is not name@version (e.g. digits-cnn@2 or digits-cnn@latest)` });
      return z.NEVER;
    }
    return { name: m[1]!.trim(), version: m[3] ? ("latest" as const) : Number(m[2]) };
  })
  // The format, stated in the OpenAPI document (the transform itself is not representable there).
  .meta({ description: "A version as name@version: the name (case-insensitive), @, and a version number (v optional) or latest, e.g. digits-cnn@2 or digits-cnn@latest.", pattern: "^.+@(v?[0-9]{1,9}|latest)$", examples: ["digits-cnn@2"] });
export type VersionRef = z.output<typeof VersionRefSchema>;

export const VersionNumberSchema = z
  .string()
  .regex(/^v?\d{1,9}$|^latest$/i, { error: "Use a version number such as 2 (or latest)" })
  .transform((v) => (v.toLowerCase() === "latest" ? ("latest" as const) : Number(v.replace(/^v/i, ""))));

export const refLabel = (r: VersionRef) => `${r.name}@${r.version}`;

// Both lookups: the team's model or dataset by name (any case), then its stored version by number or the active one.
const teamRecordNamed = (ctx: TeamContext, name: string) => ({ teamId: ctx.team.id, name: { equals: name, mode: "insensitive" as const } });
const storedVersionOf = (ctx: TeamContext, ref: VersionRef) => ({
  teamId: ctx.team.id,
  storedAt: { not: null },
  ...(ref.version === "latest" ? { status: "ACTIVE" as const } : { version: ref.version }),
});

/** The record, or a 404 naming what was not found. */
function found<T>(record: T | null, what: string): T {
  if (!record) throw new NotFoundError(what);
  return record;
}

/** A stored model version of the team by name and number; anything else (incl. other teams) → 404. */
export async function resolveModelVersion(ctx: TeamContext, ref: VersionRef) {
  const model = found(await db.model.findFirst({ where: teamRecordNamed(ctx, ref.name), select: { id: true, name: true } }), `The model "${ref.name}"`);
  const version = found(await db.modelVersion.findFirst({ where: { ...storedVersionOf(ctx, ref), modelId: model.id }, orderBy: { version: "desc" } }), `Version ${ref.version} of the model "${model.name}"`);
  return { model, version };
}

export async function resolveDatasetVersion(ctx: TeamContext, ref: VersionRef) {
  const dataset = found(await db.dataset.findFirst({ where: teamRecordNamed(ctx, ref.name), select: { id: true, name: true } }), `The dataset "${ref.name}"`);
  const version = found(await db.datasetVersion.findFirst({ where: { ...storedVersionOf(ctx, ref), datasetId: dataset.id }, orderBy: { version: "desc" } }), `Version ${ref.version} of the dataset "${dataset.name}"`);
  return { dataset, version };
}
