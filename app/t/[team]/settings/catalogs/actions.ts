"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, teamAction, type ActionState } from "@/app/_lib/action";
import { recordTeamSnapshot } from "@/lib/compliance/posture";
import { DeleteCatalogSchema, deleteTeamCatalog, importTeamCatalog, RollbackCatalogSchema, rollbackTeamCatalog } from "@/lib/compliance/team-catalogs";
import { importCatalogMapping } from "@/lib/compliance/catalog-mapping";
import { CrosswalkOverrideSchema } from "@/lib/compliance/crosswalk";
import { copyControlMapping, CopyMappingSchema, setCrosswalkOverride } from "@/lib/compliance/policies";
import { ValidationError } from "@/lib/errors";

const CATALOGS = (team: string) => `/t/${team}/settings/catalogs`;
// The file arrives as a File; the other fields as strings (lib validates them).
const UploadFields = z.object({ framework: z.string().max(100).optional(), shortName: z.string().max(200).optional() });

export async function uploadCatalogAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "policy.manage", UploadFields, form, async (ctx, input) => {
    const file = form.get("file");
    if (!(file instanceof Blob) || file.size === 0) throw new ValidationError("Choose the catalog's OSCAL JSON file.", { file: "choose a file" });
    const c = await importTeamCatalog(ctx, { json: await file.text(), framework: input.framework || undefined, shortName: input.shortName || undefined });
    await recordTeamSnapshot(ctx, "policy");
    return `Stored ${c.shortName} as ${c.frameworkId} version ${c.version} (${c.controlCount} controls). Map evidence to its controls below.`;
  });
  revalidatePath(CATALOGS(team));
  return res;
}

// Every mapping change is followed by a posture snapshot: statuses use it at once.
export const mapEvidenceAction = formAction(CATALOGS, "policy.manage", CrosswalkOverrideSchema, async (ctx, input) => {
  await setCrosswalkOverride(ctx, input);
  await recordTeamSnapshot(ctx, "policy");
}, (_, input) => (input.action === "remove" ? `${input.evidence} no longer counts for ${input.control}.` : `${input.evidence} now counts as ${input.mark} evidence for ${input.control}.`));

export const copyMappingAction = formAction(CATALOGS, "policy.manage", CopyMappingSchema, async (ctx, input) => {
  const r = await copyControlMapping(ctx, input);
  await recordTeamSnapshot(ctx, "policy");
  return r.rows;
}, (rows, input) => `${input.control} now counts the same ${rows} evidence kind${rows === 1 ? "" : "s"} as ${input.from}.`);

const MappingFields = z.object({ framework: z.string().max(100) });

/** A mapping file replaces the catalog's whole mapping (lib names any bad entry and stores nothing). */
export async function uploadMappingAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "policy.manage", MappingFields, form, async (ctx, input) => {
    const file = form.get("file");
    if (!(file instanceof Blob) || file.size === 0) throw new ValidationError("Choose the mapping's JSON file.", { file: "choose a file" });
    const r = await importCatalogMapping(ctx, input.framework, await file.text());
    await recordTeamSnapshot(ctx, "policy");
    return `Mapping of ${r.framework} version ${r.catalogVersion}: ${r.entries} entries (${r.added} added, ${r.changed} changed, ${r.removed} removed).`;
  });
  revalidatePath(CATALOGS(team));
  return res;
}

export const rollbackCatalogAction = formAction(CATALOGS, "catalog.manage", RollbackCatalogSchema, async (ctx, input) => {
  const v = await rollbackTeamCatalog(ctx, input);
  await recordTeamSnapshot(ctx, "policy");
  return v;
}, (v) => `${v.frameworkId} now assesses version ${v.restoredFrom}'s controls again, stored as version ${v.version}.`);

export const deleteCatalogAction = formAction(CATALOGS, "catalog.manage", DeleteCatalogSchema, async (ctx, input) => {
  const r = await deleteTeamCatalog(ctx, input);
  await recordTeamSnapshot(ctx, "policy");
  return r;
}, (r) => `Deleted ${r.framework}: ${r.versions} version${r.versions === 1 ? "" : "s"} and ${r.mappings} mapping row${r.mappings === 1 ? "" : "s"}.`);
