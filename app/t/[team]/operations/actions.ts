"use server";

import { revalidatePath } from "next/cache";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { createEnvironment, createGateOverride, promoteVersion, rollbackDeployment } from "@/lib/operations/deployments";
import { CreateEnvironmentSchema, OverrideSchema, PromoteSchema, RollbackSchema } from "@/lib/operations/schemas";

export async function createEnvironmentAction(team: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "environment.manage", CreateEnvironmentSchema, form, async (ctx, input) => {
    const e = await createEnvironment(ctx, input);
    return `Environment ${e.name} created.`;
  });
  revalidatePath(`/t/${team}/operations`);
  return res;
}

export async function promoteAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "deployment.promote", PromoteSchema, form, async (ctx, input) => {
    const r = await promoteVersion(ctx, input);
    return r.gate.verdict.pass ? `Promoted to ${input.environment}: the gate passed.` : `Promoted to ${input.environment} under the reviewer's override (the gate fails).`;
  }, [modelId]);
  revalidatePath(`/t/${team}/operations/${modelId}`);
  return res;
}

export async function overrideAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "deployment.override", OverrideSchema, form, async (ctx, input) => {
    const o = await createGateOverride(ctx, input);
    return `Override recorded until ${o.expiresAt.toISOString().slice(0, 10)}. An engineer can now promote this version to ${input.environment}.`;
  }, [modelId]);
  revalidatePath(`/t/${team}/operations/${modelId}`);
  return res;
}

export async function rollbackAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "deployment.rollback", RollbackSchema, form, async (ctx, input) => {
    const r = await rollbackDeployment(ctx, input);
    return `${input.environment} rolled back from v${r.fromVersion} to v${r.toVersion}.`;
  }, [modelId]);
  revalidatePath(`/t/${team}/operations/${modelId}`);
  return res;
}
