"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { recordTeamSnapshot } from "@/lib/compliance/posture";
import { ValidationError } from "@/lib/errors";
import { clearCrosswalkOverride, savePolicy, setCrosswalkOverride } from "@/lib/compliance/policies";
import { CrosswalkOverrideSchema } from "@/lib/compliance/crosswalk";
import { formFieldOf, policyFromForm } from "@/lib/compliance/policy-form";

const Fields = z.record(z.string(), z.unknown());

export async function savePolicyAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "policy.manage", Fields, form, async (ctx, fields) => {
    try {
      const { version } = await savePolicy(ctx, policyFromForm(fields), typeof fields.note === "string" ? fields.note : "");
      await recordTeamSnapshot(ctx.team.id, "policy");
      return `Saved as policy version ${version}. Statuses now use it.`;
    } catch (e) {
      if (e instanceof ValidationError && e.fieldErrors) {
        const mapped: Record<string, string> = {};
        for (const [k, v] of Object.entries(e.fieldErrors)) mapped[formFieldOf(k)] ??= v;
        throw new ValidationError(e.message, mapped);
      }
      throw e;
    }
  });
  revalidatePath(`/t/${team}/settings/policy`);
  return res;
}

export async function overrideAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "policy.manage", CrosswalkOverrideSchema, form, async (ctx, input) => {
    await setCrosswalkOverride(ctx, input);
    await recordTeamSnapshot(ctx.team.id, "policy");
    return input.action === "remove" ? `${input.evidence} no longer counts for ${input.control}.` : `${input.evidence} now counts as ${input.mark} evidence for ${input.control}.`;
  });
  revalidatePath(`/t/${team}/settings/policy`);
  return res;
}

export async function resetOverrideAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "policy.manage", z.object({ id: z.string().min(1).max(40) }), form, async (ctx, { id }) => {
    await clearCrosswalkOverride(ctx, id);
    await recordTeamSnapshot(ctx.team.id, "policy");
    return "Back to the default mapping.";
  });
  revalidatePath(`/t/${team}/settings/policy`);
  return res;
}
