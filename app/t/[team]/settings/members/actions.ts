"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { AddMemberSchema, ChangeRoleSchema, RemoveMemberSchema } from "@/lib/teams/schemas";
import { addMember, changeMemberRole, removeMember } from "@/lib/teams/members";
import { signOutEverywhere, SignOutEverywhereSchema } from "@/lib/auth/sessions";

export async function addMemberAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "member.manage", AddMemberSchema, form, async (ctx, input) => {
    await addMember(ctx, input);
    return `${input.email} was added as ${input.role.toLowerCase()}.`;
  });
  revalidatePath(`/t/${team}/settings/members`);
  return res;
}

export async function changeRoleAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "member.manage", ChangeRoleSchema, form, async (ctx, input) => {
    await changeMemberRole(ctx, input);
    return "Role changed.";
  });
  revalidatePath(`/t/${team}/settings/members`);
  return res;
}

export async function removeMemberAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "member.manage", RemoveMemberSchema, form, async (ctx, input) => {
    await removeMember(ctx, input);
    return "Member removed.";
  });
  revalidatePath(`/t/${team}/settings/members`);
  return res;
}

/** Ends every session of the signed-in user (this one included), then shows the sign-in page. */
export async function signOutEverywhereAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "team.read", SignOutEverywhereSchema, form, async (ctx) => {
    await signOutEverywhere(ctx.userId);
  });
  if (res?.ok) redirect("/sign-in");
  return res;
}
