import { z } from "zod";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
import { engineCardOf, ModelCardSchema } from "../registry/model-card";
import { checkCompatibility } from "../registry/compat";
import { loadDatasetForEngine } from "../registry/datasets";
import type { EngineCard } from "../engine/card";
import type { ExampleRecord } from "../engine/shard";
import { AttackSuiteSchema, attackId } from "../engine/suite";
import { DEFAULT_CROSSWALK } from "../compliance/crosswalk";
import { evaluationRecords } from "./results";

// What the model page's Explore view needs from the server: the version's files and card, the team's
// datasets it fits, and the latest evaluation's per-example outcomes (to pick a broken or surviving example
// and show its stored record beside the live run). The browser runs the attack itself (lib/engine/explore.ts).

/** Above this the explorer says the model is too large for a browser tab instead of loading it. */
export const EXPLORE_MAX_MODEL_BYTES = 50 * 1024 * 1024;
/** Examples listed in the picker (the evaluation's first ones in index order). */
export const EXPLORE_MAX_LISTED = 400;

export type ExplorerUnavailable = { available: false; reason: string };

export interface ExplorerOutcome { attack: string; kind: "fgsm" | "pgd"; norm: "linf" | "l2"; eps: number; success: boolean; advPred: number }
export interface ExplorerExampleOption { index: number; label: number; cleanPred: number; cleanCorrect: boolean; outcomes: ExplorerOutcome[] }

export interface ExplorerSetup {
  available: true;
  version: { id: string; version: number; format: "tfjs-layers" | "onnx"; totalBytes: number };
  files: { path: string; role: string; size: number; sha256: string }[];
  card: EngineCard;
  datasets: { id: string; label: string; count: number }[];
  evaluation: null | {
    number: number; datasetVersionId: string; seed: number; backend: string | null;
    /** The suite's FGSM and PGD attacks (the explorer offers their exact settings) and budgets. */
    attacks: { id: string; kind: "fgsm" | "pgd"; norm: "linf" | "l2"; steps?: number; restarts?: number; randomStart?: boolean; stepSize?: number }[];
    epsilons: { linf: number[]; l2: number[] };
    examples: ExplorerExampleOption[];
    truncated: boolean;
  };
  /** Controls the robustness result feeds directly (default crosswalk, evidence E1). */
  controls: string[];
}

type VersionRow = { id: string; version: number; format: string; totalBytes: number; card: unknown; files: { path: string; role: string; size: number; sha256: string }[] };

/** Why a version cannot be explored in the browser, or null. */
export function explorerRefusal(v: Pick<VersionRow, "format" | "totalBytes">): string | null {
  if (v.format === "http-endpoint") return "This version is an HTTP endpoint: Bulwark only queries it, so there are no weights for the browser to load and differentiate.";
  if (v.format === "ensemble") return "This version is an ensemble: open one of its members to explore it.";
  if (v.format !== "tfjs-layers" && v.format !== "onnx") return `Models of format ${v.format} cannot be explored in the browser.`;
  if (v.totalBytes > EXPLORE_MAX_MODEL_BYTES) {
    return `This version's files are ${(v.totalBytes / 1024 / 1024).toFixed(0)} MB; the explorer loads models up to ${EXPLORE_MAX_MODEL_BYTES / 1024 / 1024} MB, so that the tab stays responsive. Launch an evaluation instead.`;
  }
  return null;
}

/** The Explore view's data for one model version of the caller's team (version number, else the newest). */
export async function getExplorerSetup(ctx: TeamContext, modelId: string, versionNumber?: number): Promise<{ modelName: string; versionNumber: number } & (ExplorerSetup | ExplorerUnavailable)> {
  const teamId = ctx.team.id;
  const model = await db.model.findFirst({ where: { id: modelId, teamId }, select: { name: true } });
  if (!model) throw new NotFoundError("This model");
  const v = await db.modelVersion.findFirst({
    where: { modelId, teamId, storedAt: { not: null }, ...(versionNumber ? { version: versionNumber } : {}) },
    orderBy: { version: "desc" },
    select: { id: true, version: true, format: true, totalBytes: true, card: true, files: { orderBy: { path: "asc" }, select: { path: true, role: true, size: true, sha256: true } } },
  });
  if (!v) throw new NotFoundError("This model version");
  const head = { modelName: model.name, versionNumber: v.version };
  const refusal = explorerRefusal(v);
  if (refusal) return { ...head, available: false, reason: refusal };
  const modelCard = ModelCardSchema.parse(v.card);
  const compatModel = { task: modelCard.task, inputShape: modelCard.inputShape, inputRange: modelCard.inputRange, classLabels: modelCard.classLabels };
  const dvs = await db.datasetVersion.findMany({
    where: { teamId, storedAt: { not: null } },
    orderBy: [{ dataset: { name: "asc" } }, { version: "desc" }],
    select: { id: true, version: true, format: true, sampleShape: true, valueMin: true, valueMax: true, classLabels: true, sampleCount: true, dataset: { select: { name: true } } },
  });
  const datasets = dvs
    .filter((d) => checkCompatibility(compatModel, d).compatible)
    .map((d) => ({ id: d.id, label: `${d.dataset.name} v${d.version} (${d.sampleCount.toLocaleString("en")} samples)`, count: d.sampleCount }));
  return {
    ...head, available: true,
    version: { id: v.id, version: v.version, format: v.format as "tfjs-layers" | "onnx", totalBytes: v.totalBytes },
    files: v.files, card: engineCardOf(modelCard), datasets,
    evaluation: await latestOutcomes(ctx, v.id, new Set(datasets.map((d) => d.id))),
    controls: DEFAULT_CROSSWALK.filter((e) => e.evidence === "E1" && e.mark === "direct").map((e) => e.control),
  };
}

/** The newest completed robustness evaluation of the version on a dataset the explorer can read. */
async function latestEvaluation(ctx: TeamContext, modelVersionId: string, datasetVersionId?: string) {
  return db.evaluation.findFirst({
    where: { teamId: ctx.team.id, modelVersionId, kind: "robustness", status: "COMPLETED", ...(datasetVersionId ? { datasetVersionId } : {}) },
    orderBy: { finishedAt: "desc" },
    select: { number: true, datasetVersionId: true, seed: true, suite: true, provenance: true },
  });
}

async function latestOutcomes(ctx: TeamContext, modelVersionId: string, readable: Set<string>): Promise<ExplorerSetup["evaluation"]> {
  const ev = await latestEvaluation(ctx, modelVersionId);
  if (!ev || !readable.has(ev.datasetVersionId)) return null;
  const suite = AttackSuiteSchema.parse(ev.suite);
  const attacks: NonNullable<ExplorerSetup["evaluation"]>["attacks"] = [];
  for (const a of suite.attacks) {
    if (a.kind === "fgsm" && !a.targeted) attacks.push({ id: attackId(a), kind: "fgsm", norm: a.norm });
    if (a.kind === "pgd") attacks.push({ id: attackId(a), kind: "pgd", norm: a.norm, steps: a.steps, restarts: a.restarts, randomStart: a.randomStart, stepSize: a.stepSize });
  }
  const ids = new Set(attacks.map((a) => a.id));
  const { records } = await evaluationRecords(ctx, ev.number);
  const examples = records.slice(0, EXPLORE_MAX_LISTED).map((r) => ({
    index: r.index, label: r.label, cleanPred: r.cleanPred, cleanCorrect: r.cleanCorrect,
    outcomes: r.attacks.filter((e) => ids.has(e.attack) && !e.skipped).map((e) => ({ attack: e.attack, kind: e.kind as "fgsm" | "pgd", norm: e.norm, eps: e.eps, success: e.success, advPred: e.advPred })),
  }));
  const backend = (ev.provenance as { backends?: string[] } | null)?.backends?.join(", ") || null;
  return { number: ev.number, datasetVersionId: ev.datasetVersionId, seed: ev.seed, backend, attacks, epsilons: suite.epsilons, examples, truncated: records.length > examples.length };
}

export const ExplorerExampleQuery = z.object({
  version: z.string().min(1, "version is required").max(64),
  dataset: z.string().min(1, "dataset is required").max(64),
  index: z.coerce.number({ error: "index must be a whole number" }).int("index must be a whole number").min(0, "index must be 0 or more"),
});
export type ExplorerExampleQuery = z.infer<typeof ExplorerExampleQuery>;

export interface ExplorerExample {
  index: number;
  /** The model's class index of the dataset's label. */
  label: number;
  /** Pixels in the card's value range (float32 values, exact). */
  x: number[];
  /** The stored record of this example from the newest evaluation of this version on this dataset, when it has one. */
  record: (ExampleRecord & { evaluation: number }) | null;
}

/** One example of a team's dataset version for a team's model version, with its stored record. */
export async function getExplorerExample(ctx: TeamContext, q: ExplorerExampleQuery): Promise<ExplorerExample> {
  const mv = await db.modelVersion.findFirst({ where: { id: q.version, teamId: ctx.team.id, storedAt: { not: null } }, select: { id: true, card: true } });
  if (!mv) throw new NotFoundError("This model version");
  const card = ModelCardSchema.parse(mv.card);
  const ds = await loadDatasetForEngine(ctx, q.dataset);
  const compat = checkCompatibility({ task: card.task, inputShape: card.inputShape, inputRange: card.inputRange, classLabels: card.classLabels }, { format: ds.format, sampleShape: ds.sampleShape, valueMin: ds.valueMin, valueMax: ds.valueMax, classLabels: ds.classLabels });
  if (!compat.labelMap) throw new NotFoundError("This dataset version for this model");
  if (q.index >= ds.count) throw new NotFoundError(`Example ${q.index} (the dataset has ${ds.count})`);
  const d = ds.sampleShape.reduce((a, b) => a * b, 1);
  const ev = await latestEvaluation(ctx, mv.id, ds.versionId);
  const record = ev ? (await evaluationRecords(ctx, ev.number)).records.find((r) => r.index === q.index) : undefined;
  return {
    index: q.index, label: compat.labelMap[ds.labels[q.index]],
    x: Array.from(ds.x.subarray(q.index * d, (q.index + 1) * d)),
    record: record && ev ? { ...record, evaluation: ev.number } : null,
  };
}
