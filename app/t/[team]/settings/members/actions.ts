"use server";

import { redirect } from "next/navigation";
import { formAction, teamAction, type ActionState } from "@/app/_lib/action";
import { AddMemberSchema, ChangeRoleSchema, RemoveMemberSchema } from "@/lib/teams/schemas";
import { addMember, changeMemberRole, removeMember } from "@/lib/teams/members";
import { signOutEverywhere, SignOutEverywhereSchema } from "@/lib/auth/sessions";

const MEMBERS = (team: string) => `/t/${team}/settings/members`;

export const addMemberAction = formAction(MEMBERS, "member.manage", AddMemberSchema, addMember, (_, input) => `${input.email} was added as ${input.role.toLowerCase()}.`);
export const changeRoleAction = formAction(MEMBERS, "member.manage", ChangeRoleSchema, changeMemberRole, "Role changed.");
export const removeMemberAction = formAction(MEMBERS, "member.manage", RemoveMemberSchema, removeMember, "Member removed.");

/** Ends every session of the signed-in user (this one included), then shows the sign-in page. */
export async function signOutEverywhereAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "team.read", SignOutEverywhereSchema, form, async (ctx) => {
    await signOutEverywhere(ctx.userId);
  });
  if (res?.ok) redirect("/sign-in");
  return res;
}
