"use server";

import { formAction } from "@/app/_lib/action";
import { TeamAlertSettingsSchema, updateTeamAlertSettings } from "@/lib/evaluations/webhook";

export const saveAlertSettingsAction = formAction((team) => `/t/${team}/settings/alerts`, "team.settings", TeamAlertSettingsSchema, updateTeamAlertSettings, "Saved.");
