"use server";

import { z } from "zod";
import { formAction } from "@/app/_lib/action";
import { recordTeamSnapshot } from "@/lib/compliance/posture";
import { ValidationError } from "@/lib/errors";
import { clearCrosswalkOverride, savePolicy, setCrosswalkOverride } from "@/lib/compliance/policies";
import { CrosswalkOverrideSchema } from "@/lib/compliance/crosswalk";
import { formFieldOf, policyFromForm } from "@/lib/compliance/policy-form";

const Fields = z.record(z.string(), z.unknown());
const POLICY = (team: string) => `/t/${team}/settings/policy`;

// Every change here is followed by a posture snapshot: statuses use the new policy or mapping at once.

export const savePolicyAction = formAction(POLICY, "policy.manage", Fields, async (ctx, fields) => {
  try {
    const { version } = await savePolicy(ctx, policyFromForm(fields), typeof fields.note === "string" ? fields.note : "");
    await recordTeamSnapshot(ctx, "policy");
    return version;
  } catch (e) {
    // lib names the policy's paths; the form's fields are named differently.
    if (e instanceof ValidationError && e.fieldErrors) {
      const mapped: Record<string, string> = {};
      for (const [k, v] of Object.entries(e.fieldErrors)) mapped[formFieldOf(k)] ??= v;
      throw new ValidationError(e.message, mapped);
    }
    throw e;
  }
}, (version) => `Saved as policy version ${version}. Statuses now use it.`);

export const overrideAction = formAction(POLICY, "policy.manage", CrosswalkOverrideSchema, async (ctx, input) => {
  await setCrosswalkOverride(ctx, input);
  await recordTeamSnapshot(ctx, "policy");
}, (_, input) => (input.action === "remove" ? `${input.evidence} no longer counts for ${input.control}.` : `${input.evidence} now counts as ${input.mark} evidence for ${input.control}.`));

export const resetOverrideAction = formAction(POLICY, "policy.manage", z.object({ id: z.string().min(1).max(40) }), async (ctx, { id }) => {
  await clearCrosswalkOverride(ctx, id);
  await recordTeamSnapshot(ctx, "policy");
}, "Back to the default mapping.");
