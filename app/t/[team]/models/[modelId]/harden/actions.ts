"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { cancelHardening, createHardening, estimateHardening } from "@/lib/hardening/create";
import { formFieldOf, HardeningFormSchema } from "@/lib/hardening/form";

// The ticked corruptions arrive as a repeated checkbox; the schema reads them as one comma-separated field.
function flatten(form: FormData): FormData {
  const out = new FormData();
  for (const [k, v] of form) if (k !== "corruptions" && typeof v === "string") out.append(k, v);
  out.append("corruptions", form.getAll("corruptions").map(String).join(","));
  return out;
}

// lib names a parameter's field "params.eps"; the form's field is "eps".
function withFormFields<S extends ActionState>(res: S): S {
  if (!res?.fieldErrors) return res;
  return { ...res, fieldErrors: Object.fromEntries(Object.entries(res.fieldErrors).map(([k, v]) => [formFieldOf(k), v])) };
}

export async function createHardeningAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  let target: string | null = null;
  const res = await teamAction(team, "evaluation.run", HardeningFormSchema, flatten(form), async (ctx, input) => {
    await createHardening(ctx, input);
    target = `/t/${team}/models/${modelId}?v=${Number(form.get("parentVersion")) || ""}#hardening`;
  }, [modelId]);
  if (res?.ok && target) {
    revalidatePath(`/t/${team}/models/${modelId}`);
    redirect(target);
  }
  return withFormFields(res);
}

export type EstimateState = (NonNullable<ActionState> & { summary?: string }) | null;

/** The estimate as the fields change (the same checks as the launch, nothing stored). */
export async function estimateHardeningAction(team: string, modelId: string, form: FormData): Promise<EstimateState> {
  let summary: string | undefined;
  const res = await teamAction(team, "evaluation.run", HardeningFormSchema, flatten(form), async (ctx, input) => {
    summary = (await estimateHardening(ctx, input)).summary;
  }, [modelId]);
  return res?.ok ? { ok: true, summary } : { ...withFormFields(res)!, values: undefined };
}

export async function cancelHardeningAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "evaluation.cancel", z.object({ runId: z.string().trim().min(1).max(40) }), form, async (ctx, input) => {
    await cancelHardening(ctx, input.runId);
    return "Cancel requested: a queued run stops at once, a running one after its current batch.";
  }, [modelId]);
  revalidatePath(`/t/${team}/models/${modelId}`);
  return res;
}
