"use server";

import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { recordTeamSnapshot } from "@/lib/compliance/posture";
import { z } from "zod";
import { AttestSchema, RevokeSchema, createAttestation, createAttestations, revokeAttestation, type AttestationFileInput } from "@/lib/compliance/attestations";
import { DeleteTemplateSchema, TemplateSchema, createAttestationTemplate, deleteAttestationTemplate } from "@/lib/compliance/attestation-templates";

export async function attestAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "attestation.write", AttestSchema, form, async (ctx, input) => {
    const files: AttestationFileInput[] = [];
    for (const f of form.getAll("files")) {
      if (typeof f === "string" || f.size === 0) continue;
      files.push({ name: f.name, contentType: f.type, bytes: new Uint8Array(await f.arrayBuffer()) });
    }
    const a = await createAttestation(ctx, input, files);
    await recordTeamSnapshot(ctx, "attestation");
    return `Attested until ${a.expiresAt.toISOString().slice(0, 10)}${files.length ? ` with ${files.length} file${files.length > 1 ? "s" : ""}` : ""}.`;
  });
  revalidatePath(`/t/${team}/controls`);
  revalidatePath(`/t/${team}/dashboard`);
  return res;
}

export async function revokeAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "attestation.write", RevokeSchema, form, async (ctx, input) => {
    await revokeAttestation(ctx, input);
    await recordTeamSnapshot(ctx, "attestation");
    return "Attestation revoked.";
  });
  revalidatePath(`/t/${team}/controls`);
  return res;
}

// The selected controls arrive as repeated "controls" checkboxes; the other fields as one string each (lib validates).
const BulkFields = z.object({ modelId: z.string().max(40).optional(), statement: z.string().max(20_000).optional(), expiresOn: z.string().max(40).optional(), evidenceUrl: z.string().max(20_000).optional() });

export async function bulkAttestAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const controls = form.getAll("controls").map(String);
  const rest = new FormData();
  for (const [k, v] of form) if (k !== "controls" && typeof v === "string") rest.append(k, v);
  const res = await teamAction(team, "attestation.write", BulkFields, rest, async (ctx, f) => {
    const rows = await createAttestations(ctx, { controls, modelId: f.modelId, statement: f.statement ?? "", expiresOn: f.expiresOn ?? "", evidenceUrl: f.evidenceUrl });
    await recordTeamSnapshot(ctx, "attestation");
    return `Attested ${rows.length} control${rows.length === 1 ? "" : "s"} until ${rows[0]!.expiresAt.toISOString().slice(0, 10)}.`;
  });
  revalidatePath(`/t/${team}/controls`);
  revalidatePath(`/t/${team}/dashboard`);
  return res;
}

export async function createTemplateAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "attestation.write", TemplateSchema, form, async (ctx, input) => {
    const t = await createAttestationTemplate(ctx, input);
    return `Template "${t.name}" saved.`;
  });
  revalidatePath(`/t/${team}/controls`);
  return res;
}

export async function deleteTemplateAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "attestation.write", DeleteTemplateSchema, form, async (ctx, input) => {
    await deleteAttestationTemplate(ctx, input);
    return "Template deleted.";
  });
  revalidatePath(`/t/${team}/controls`);
  return res;
}
