import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/context";
import { ModelCardSchema } from "../registry/model-card";
import { checkCompatibility } from "../registry/compat";
import type { HardeningParams } from "../engine/training/harden-params";

// What the hardening form reads, and how the pages word a run's method and cost (the runs themselves are read
// through lib/hardening/read.ts). Team-scoped like every read: another team's model is "not found".

/** Why a version cannot be hardened, or null (the same reasons createHardening gives at launch). */
export function hardeningRefusal(format: string): string | null {
  if (format === "tfjs-layers") return null;
  if (format === "onnx") return "ONNX versions cannot be hardened yet: the ONNX loader runs the graph as fixed operations, with no trainable weights to fine-tune.";
  if (format === "ensemble") return "This version is an ensemble: harden its members one by one, then register a new ensemble over the hardened versions.";
  if (format === "http-endpoint") return "This version is an HTTP endpoint: Bulwark only queries it, so it has no weights to fine-tune.";
  return `A ${format} version cannot be hardened: hardening fine-tunes a TensorFlow.js LayersModel's weights.`;
}

/** One line naming the method and its main parameters, e.g. "PGD-AT (ε 0.1, 5 steps)". */
export function describeHardeningMethod(p: HardeningParams): string {
  if (p.method === "augment") return `Augmentation (Gaussian noise σ ${p.noiseStd}${p.corruptions.length ? `, ${p.corruptions.join(", ")} at severity ${p.severity}` : ""})`;
  const attack = `ε ${p.eps}, ${p.steps} step${p.steps === 1 ? "" : "s"}${p.stepSize ? `, step size ${p.stepSize}` : ""}`;
  return p.method === "trades" ? `TRADES (β ${p.beta}, ${attack})` : `PGD adversarial training (${attack})`;
}

/** What the hardening form needs: the version (or why it cannot be hardened) and the team's datasets it fits. */
export async function getHardeningSetup(ctx: TeamContext, modelId: string, versionNumber?: number) {
  const teamId = ctx.team.id;
  const model = await db.model.findFirst({ where: { id: modelId, teamId }, select: { id: true, name: true } });
  if (!model) throw new NotFoundError("This model");
  const v = await db.modelVersion.findFirst({
    where: { modelId, teamId, storedAt: { not: null }, ...(versionNumber ? { version: versionNumber } : {}) },
    orderBy: { version: "desc" },
    select: { id: true, version: true, format: true, status: true, card: true },
  });
  if (!v) throw new NotFoundError("This model version");
  const refusal = v.status === "ARCHIVED" ? "This version is archived: choose an active version to harden." : hardeningRefusal(v.format);
  const card = ModelCardSchema.parse(v.card);
  const dvs = refusal ? [] : await db.datasetVersion.findMany({
    where: { teamId, storedAt: { not: null } },
    orderBy: [{ dataset: { name: "asc" } }, { version: "desc" }],
    select: { id: true, version: true, split: true, format: true, sampleShape: true, valueMin: true, valueMax: true, classLabels: true, sampleCount: true, dataset: { select: { name: true } } },
  });
  const compat = { task: card.task, inputShape: card.inputShape, inputRange: card.inputRange, classLabels: card.classLabels };
  const datasets = dvs
    .filter((d) => checkCompatibility(compat, d).compatible)
    .map((d) => ({ id: d.id, split: d.split, label: `${d.dataset.name} v${d.version} (${d.split.toLowerCase()}, ${d.sampleCount.toLocaleString("en")} samples)`, count: d.sampleCount }));
  return {
    model,
    version: { id: v.id, version: v.version, format: v.format },
    refusal,
    inputRange: card.inputRange,
    /** The training split the card links, else the first training split, else the first compatible version. */
    defaultDatasetId: datasets.find((d) => d.id === card.trainingDatasetVersionId)?.id ?? datasets.find((d) => d.split === "TRAIN")?.id ?? datasets[0]?.id ?? null,
    datasets,
  };
}
