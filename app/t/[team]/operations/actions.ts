"use server";

import { formAction, recordFormAction } from "@/app/_lib/action";
import { createEnvironment, createGateOverride, promoteVersion, rollbackDeployment } from "@/lib/operations/deployments";
import { CreateEnvironmentSchema, OverrideSchema, PromoteSchema, RollbackSchema } from "@/lib/operations/schemas";

// The model's operations page binds its model id after the team.
const MODEL_PAGE = (team: string, modelId: string) => `/t/${team}/operations/${modelId}`;

export const createEnvironmentAction = formAction((team) => `/t/${team}/operations`, "environment.manage", CreateEnvironmentSchema, createEnvironment, (e) => `Environment ${e.name} created.`);

export const promoteAction = recordFormAction(MODEL_PAGE, "deployment.promote", PromoteSchema, (ctx, input) => promoteVersion(ctx, input), (r, input) =>
  r.gate.verdict.pass ? `Promoted to ${input.environment}: the gate passed.` : `Promoted to ${input.environment} under the reviewer's override (the gate fails).`,
);

export const overrideAction = recordFormAction(MODEL_PAGE, "deployment.override", OverrideSchema, (ctx, input) => createGateOverride(ctx, input), (o, input) =>
  `Override recorded until ${o.expiresAt.toISOString().slice(0, 10)}. An engineer can now promote this version to ${input.environment}.`,
);

export const rollbackAction = recordFormAction(MODEL_PAGE, "deployment.rollback", RollbackSchema, (ctx, input) => rollbackDeployment(ctx, input), (r, input) => `${input.environment} rolled back from v${r.fromVersion} to v${r.toVersion}.`);
