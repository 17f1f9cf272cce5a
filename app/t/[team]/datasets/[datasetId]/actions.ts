"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { deleteDatasetVersion, setDatasetArchived, setDatasetVersionArchived, updateDatasetCard } from "@/lib/registry/datasets";

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
const DatasetOp = z.object({ op: z.enum(["archive", "restore"]) });

export async function updateDatasetCardAction(team: string, datasetId: string, versionId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "dataset.write", Fields, form, async (ctx, input) => {
    const { changed } = await updateDatasetCard(ctx, versionId, input);
    return changed.length ? `Card saved: ${changed.map((k) => FIELD_LABELS[k] ?? k).join(", ")} changed.` : "Nothing changed.";
  }, [datasetId, versionId]);
  revalidatePath(`/t/${team}/datasets/${datasetId}`);
  return res;
}

export async function datasetVersionAction(team: string, datasetId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "dataset.write", VersionOp, form, async (ctx, { versionId, op }) => {
    if (op === "delete") {
      await deleteDatasetVersion(ctx, versionId);
      return "Version deleted.";
    }
    await setDatasetVersionArchived(ctx, versionId, op === "archive");
    return op === "archive" ? "Version archived." : "Version restored.";
  }, [datasetId]);
  revalidatePath(`/t/${team}/datasets/${datasetId}`);
  return res;
}

export async function datasetAction(team: string, datasetId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  const res = await teamAction(team, "dataset.write", DatasetOp, form, async (ctx, { op }) => {
    await setDatasetArchived(ctx, datasetId, op === "archive");
    return op === "archive" ? "Dataset archived." : "Dataset restored.";
  }, [datasetId]);
  revalidatePath(`/t/${team}/datasets`);
  revalidatePath(`/t/${team}/datasets/${datasetId}`);
  return res;
}
