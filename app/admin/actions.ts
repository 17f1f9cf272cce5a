"use server";

import { revalidatePath } from "next/cache";
import { instanceAdminAction, type ActionState } from "@/app/_lib/action";
import { CreateTeamSchema } from "@/lib/teams/schemas";
import { createTeamWithAdmin } from "@/lib/teams/instance";

export async function createTeamAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await instanceAdminAction(CreateTeamSchema, form, async (ctx, input) => {
    const r = await createTeamWithAdmin(ctx, input);
    return r.newAccount
      ? `Team “${r.team.name}” created. ${r.user.email} is its admin: share the initial password with them privately; they sign in at /sign-in.`
      : `Team “${r.team.name}” created. ${r.user.email} already had an account and is now its admin; they will find the team in their team switcher.`;
  });
  revalidatePath("/admin");
  return res;
}
