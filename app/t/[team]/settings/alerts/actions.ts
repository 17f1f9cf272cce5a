"use server";

import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { TeamAlertSettingsSchema, updateTeamAlertSettings } from "@/lib/evaluations/webhook";

export async function saveAlertSettingsAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "team.settings", TeamAlertSettingsSchema, form, async (ctx, input) => {
    await updateTeamAlertSettings(ctx, input);
    return "Saved.";
  });
  revalidatePath(`/t/${team}/settings/alerts`);
  return res;
}
