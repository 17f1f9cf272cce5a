"use server";

import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { acknowledgeMonitoringAlert, AcknowledgeMonitoringAlertSchema } from "@/lib/operations/monitoring";

export async function acknowledgeDriftAlertAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "alert.acknowledge", AcknowledgeMonitoringAlertSchema, form, async (ctx, input) => {
    await acknowledgeMonitoringAlert(ctx, input);
    return "Alert acknowledged.";
  }, [modelId]);
  revalidatePath(`/t/${team}/operations/${modelId}`, "layout");
  return res;
}
