"use server";

import { revalidatePath } from "next/cache";
import { formAction, teamAction, type ActionState } from "@/app/_lib/action";
import { CreateTokenSchema, createApiToken, RevokeTokenSchema, revokeApiToken } from "@/lib/auth/tokens";

const TOKENS = (team: string) => `/t/${team}/settings/tokens`;

/** Like formAction, and the new token's secret is handed back once, for the page to show. */
export async function createTokenAction(team: string, _prev: ActionState, form: FormData): Promise<(ActionState & { secret?: string }) | null> {
  let secret: string | undefined;
  const res = await teamAction(team, "token.manage", CreateTokenSchema, form, async (ctx, input) => {
    secret = (await createApiToken(ctx, input)).secret;
    return "Token created. Copy it now: it is shown only once.";
  });
  revalidatePath(TOKENS(team));
  return res ? { ...res, secret } : res;
}

export const revokeTokenAction = formAction(TOKENS, "token.manage", RevokeTokenSchema, (ctx, input) => revokeApiToken(ctx, input.tokenId), "Revoked.");
