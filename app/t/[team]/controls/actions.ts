"use server";

import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { recordTeamSnapshot } from "@/lib/compliance/posture";
import { AttestSchema, RevokeSchema, createAttestation, revokeAttestation, type AttestationFileInput } from "@/lib/compliance/attestations";

export async function attestAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "attestation.write", AttestSchema, form, async (ctx, input) => {
    const files: AttestationFileInput[] = [];
    for (const f of form.getAll("files")) {
      if (typeof f === "string" || f.size === 0) continue;
      files.push({ name: f.name, contentType: f.type, bytes: new Uint8Array(await f.arrayBuffer()) });
    }
    const a = await createAttestation(ctx, input, files);
    await recordTeamSnapshot(ctx.team.id, "attestation");
    return `Attested until ${a.expiresAt.toISOString().slice(0, 10)}${files.length ? ` with ${files.length} file${files.length > 1 ? "s" : ""}` : ""}.`;
  });
  revalidatePath(`/t/${team}/controls`);
  revalidatePath(`/t/${team}/dashboard`);
  return res;
}

export async function revokeAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "attestation.write", RevokeSchema, form, async (ctx, input) => {
    await revokeAttestation(ctx, input);
    await recordTeamSnapshot(ctx.team.id, "attestation");
    return "Attestation revoked.";
  });
  revalidatePath(`/t/${team}/controls`);
  return res;
}
