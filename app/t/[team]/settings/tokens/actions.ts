"use server";

import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { CreateTokenSchema, createApiToken, RevokeTokenSchema, revokeApiToken } from "@/lib/auth/tokens";

export async function createTokenAction(team: string, _prev: ActionState, form: FormData): Promise<(ActionState & { secret?: string }) | null> {
  let secret: string | undefined;
  const res = await teamAction(team, "token.manage", CreateTokenSchema, form, async (ctx, input) => {
    secret = (await createApiToken(ctx, input)).secret;
    return "Token created. Copy it now: it is shown only once.";
  });
  revalidatePath(`/t/${team}/settings/tokens`);
  return res ? { ...res, secret } : res;
}

export async function revokeTokenAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "token.manage", RevokeTokenSchema, form, async (ctx, input) => {
    await revokeApiToken(ctx, input.tokenId);
    return "Revoked.";
  });
  revalidatePath(`/t/${team}/settings/tokens`);
  return res;
}
