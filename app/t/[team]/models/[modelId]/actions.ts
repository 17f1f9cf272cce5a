"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { deleteModelVersion, setModelArchived, setModelVersionArchived, updateModelCard } from "@/lib/registry/models";

const Fields = z.record(z.string(), z.unknown());
const FIELD_LABELS: Record<string, string> = {
  intendedUse: "intended use",
  outOfScopeUse: "out-of-scope use",
  riskTier: "risk tier",
  owner: "owner",
  trainingDatasetVersionId: "training dataset",
  trainingMethod: "training method",
  knownLimitations: "known limitations",
  preprocessingNote: "preprocessing notes",
  statedAccuracy: "stated accuracy",
  description: "description",
  source: "source",
  collectedBy: "collected by",
  collectedWhen: "collected when",
  licence: "licence",
  personalData: "personal data",
  legalBasis: "legal basis",
  split: "split",
  knownIssues: "known issues",
};
const VersionOp = z.object({ versionId: z.string().min(1).max(40), op: z.enum(["archive", "restore", "delete"]) });
const ModelOp = z.object({ op: z.enum(["archive", "restore"]) });

export async function updateCardAction(team: string, modelId: string, versionId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "model.write", Fields, form, async (ctx, input) => {
    const { changed } = await updateModelCard(ctx, versionId, input);
    return changed.length ? `Card saved: ${changed.map((k) => FIELD_LABELS[k] ?? k).join(", ")} changed.` : "Nothing changed.";
  }, [modelId, versionId]);
  revalidatePath(`/t/${team}/models/${modelId}`);
  return res;
}

export async function versionAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "model.write", VersionOp, form, async (ctx, { versionId, op }) => {
    if (op === "delete") {
      await deleteModelVersion(ctx, versionId);
      return "Version deleted.";
    }
    await setModelVersionArchived(ctx, versionId, op === "archive");
    return op === "archive" ? "Version archived." : "Version restored.";
  }, [modelId]);
  revalidatePath(`/t/${team}/models/${modelId}`);
  return res;
}

export async function modelAction(team: string, modelId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "model.write", ModelOp, form, async (ctx, { op }) => {
    await setModelArchived(ctx, modelId, op === "archive");
    return op === "archive" ? "Model archived." : "Model restored.";
  }, [modelId]);
  revalidatePath(`/t/${team}/models`);
  revalidatePath(`/t/${team}/models/${modelId}`);
  return res;
}
