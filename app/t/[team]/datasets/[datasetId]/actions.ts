"use server";

import type { ActionState } from "@/app/_lib/action";
import { DATASET_KIND, recordOp, updateCard, versionOp } from "../../_registry/record-actions";

export async function updateDatasetCardAction(team: string, datasetId: string, versionId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return updateCard(DATASET_KIND, team, datasetId, versionId, form);
}

export async function datasetVersionAction(team: string, datasetId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return versionOp(DATASET_KIND, team, datasetId, form);
}

export async function datasetAction(team: string, datasetId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return recordOp(DATASET_KIND, team, datasetId, form);
}
