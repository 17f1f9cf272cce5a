"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { formAction, teamAction, type ActionState } from "@/app/_lib/action";
import { recordTeamSnapshot } from "@/lib/compliance/posture";
import { importTeamCatalog } from "@/lib/compliance/team-catalogs";
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
