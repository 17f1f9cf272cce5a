"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { registerEnsembleVersion } from "@/lib/registry/ensembles";

// Form fields arrive as strings; the members as repeated "memberVersionIds" checkboxes. lib validates them.
const Fields = z.record(z.string(), z.string().max(20_000));
const CARD_FIELDS = ["intendedUse", "outOfScopeUse", "riskTier", "owner", "knownLimitations"];

export async function registerEnsembleAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  let target: string | null = null;
  const memberVersionIds = form.getAll("memberVersionIds").map(String);
  const rest = new FormData();
  for (const [k, v] of form) if (k !== "memberVersionIds" && typeof v === "string") rest.append(k, v);
  const res = await teamAction(team, "model.write", Fields, rest, async (ctx, f) => {
    const reg = await registerEnsembleVersion(ctx, {
      modelId,
      memberVersionIds,
      combine: f.combine as "mean-probability" | "majority-vote",
      card: Object.fromEntries(CARD_FIELDS.map((k) => [k, f[k]])),
    });
    target = `/t/${team}/models/${reg.modelId}?v=${reg.version}`;
    return `Registered ensemble version ${reg.version}.`;
  }, [modelId]);
  if (res?.ok && target) {
    revalidatePath(`/t/${team}/models/${modelId}`);
    redirect(target);
  }
  return res && !res.ok ? { ...res, values: { ...res.values, memberVersionIds: memberVersionIds.join(",") } } : res;
}
