"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { teamAction, type ActionState } from "@/app/_lib/action";
import { NotFoundError } from "@/lib/errors";
import type { Action } from "@/lib/auth/permissions";
import type { TeamContext } from "@/lib/teams/access";
import { deleteModelVersion, setModelArchived, setModelVersionArchived, updateModelCard } from "@/lib/registry/models";
import { deleteDatasetVersion, setDatasetArchived, setDatasetVersionArchived, updateDatasetCard } from "@/lib/registry/datasets";

// The model and dataset pages' server actions, once: each kind names its permission, its path and its lib
// operations, and a page binds the kind's path ("models", "datasets"), the team and the record id.

interface RegistryKind {
  noun: "Model" | "Dataset";
  permission: Action;
  path: "models" | "datasets";
  updateCard: (ctx: TeamContext, versionId: string, input: Record<string, unknown>) => Promise<{ changed: string[] }>;
  deleteVersion: (ctx: TeamContext, versionId: string) => Promise<unknown>;
  setVersionArchived: (ctx: TeamContext, versionId: string, archived: boolean) => Promise<unknown>;
  setArchived: (ctx: TeamContext, id: string, archived: boolean) => Promise<unknown>;
}

const KINDS: Record<RegistryPath, RegistryKind> = {
  models: { noun: "Model", permission: "model.write", path: "models", updateCard: updateModelCard, deleteVersion: deleteModelVersion, setVersionArchived: setModelVersionArchived, setArchived: setModelArchived },
  datasets: { noun: "Dataset", permission: "dataset.write", path: "datasets", updateCard: updateDatasetCard, deleteVersion: deleteDatasetVersion, setVersionArchived: setDatasetVersionArchived, setArchived: setDatasetArchived },
};
type RegistryPath = "models" | "datasets";

/** Runs with the kind a bound path names; a client can bind anything, and anything else names no record. */
async function withKind(path: string, run: (kind: RegistryKind) => Promise<ActionState>): Promise<ActionState> {
  if (path !== "models" && path !== "datasets") return { ok: false, message: new NotFoundError().message };
  return run(KINDS[path]);
}

const Fields = z.record(z.string(), z.unknown());
const FIELD_LABELS: Record<string, string> = {
  intendedUse: "intended use", outOfScopeUse: "out-of-scope use", riskTier: "risk tier", owner: "owner", trainingDatasetVersionId: "training dataset",
  trainingMethod: "training method", knownLimitations: "known limitations", preprocessingNote: "preprocessing notes", statedAccuracy: "stated accuracy",
  description: "description", source: "source", collectedBy: "collected by", collectedWhen: "collected when", licence: "licence",
  personalData: "personal data", legalBasis: "legal basis", split: "split", knownIssues: "known issues",
};
const VersionOp = z.object({ versionId: z.string().min(1).max(40), op: z.enum(["archive", "restore", "delete"]) });
const RecordOp = z.object({ op: z.enum(["archive", "restore"]) });

export async function updateCardAction(path: RegistryPath, team: string, id: string, versionId: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return withKind(path, async (kind) => {
    const res = await teamAction(team, kind.permission, Fields, form, async (ctx, input) => {
      const { changed } = await kind.updateCard(ctx, versionId, input);
      return changed.length ? `Card saved: ${changed.map((k) => FIELD_LABELS[k] ?? k).join(", ")} changed.` : "Nothing changed.";
    }, [id, versionId]);
    revalidatePath(`/t/${team}/${kind.path}/${id}`);
    return res;
  });
}

export async function versionAction(path: RegistryPath, team: string, id: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return withKind(path, async (kind) => {
    const res = await teamAction(team, kind.permission, VersionOp, form, async (ctx, { versionId, op }) => {
      if (op === "delete") {
        await kind.deleteVersion(ctx, versionId);
        return "Version deleted.";
      }
      await kind.setVersionArchived(ctx, versionId, op === "archive");
      return op === "archive" ? "Version archived." : "Version restored.";
    }, [id]);
    revalidatePath(`/t/${team}/${kind.path}/${id}`);
    return res;
  });
}

export async function recordAction(path: RegistryPath, team: string, id: string, _prev: ActionState, form: FormData): Promise<ActionState> {
  return withKind(path, async (kind) => {
    const res = await teamAction(team, kind.permission, RecordOp, form, async (ctx, { op }) => {
      await kind.setArchived(ctx, id, op === "archive");
      return `${kind.noun} ${op === "archive" ? "archived" : "restored"}.`;
    }, [id]);
    revalidatePath(`/t/${team}/${kind.path}`);
    revalidatePath(`/t/${team}/${kind.path}/${id}`);
    return res;
  });
}
