"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { CancelEvaluationSchema, CreateAnyEvaluationSchema } from "@/lib/evaluations/schemas";
import { createEvaluationOfKind } from "@/lib/evaluations/create";
import { cancelEvaluation } from "@/lib/evaluations/manage";
import { AcknowledgeAlertSchema, acknowledgeAlert } from "@/lib/evaluations/webhook";

export async function createEvaluationAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  let number: number | undefined;
  // The form names the kind (robustness, privacy, ...); its config schema is chosen by it (lib/evaluations/kinds.ts).
  const res = await teamAction(team, "evaluation.run", CreateAnyEvaluationSchema, form, async (ctx, input) => {
    number = (await createEvaluationOfKind(ctx, input, { priority: 10 })).number;
  });
  if (res?.ok && number) redirect(`/t/${team}/evaluations/${number}`);
  return res;
}

export async function cancelEvaluationAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "evaluation.cancel", CancelEvaluationSchema, form, async (ctx, input) => {
    await cancelEvaluation(ctx, input.evaluationId);
    return "Cancelled. Running shards stop at their next batch.";
  });
  revalidatePath(`/t/${team}/evaluations`, "layout");
  return res;
}

export async function acknowledgeAlertAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "alert.acknowledge", AcknowledgeAlertSchema, form, async (ctx, input) => {
    await acknowledgeAlert(ctx, input);
    return "Alert acknowledged.";
  });
  revalidatePath(`/t/${team}`, "layout");
  return res;
}

