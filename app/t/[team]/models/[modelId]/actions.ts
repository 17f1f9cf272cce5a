"use server";

import type { ActionState } from "@/app/_lib/action";
import { MODEL_KIND, recordOp, updateCard, versionOp } from "../../_registry/record-actions";

export async function updateCardAction(team: string, modelId: string, versionId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return updateCard(MODEL_KIND, team, modelId, versionId, form);
}

export async function versionAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return versionOp(MODEL_KIND, team, modelId, form);
}

export async function modelAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return recordOp(MODEL_KIND, team, modelId, form);
}
