import { z } from "zod";
import type { Prisma } from "../db/generated/client";
import { db } from "../db/client";
import { appendAudit } from "../audit/log";
import { env } from "../env";
import { formatDuration } from "../duration";
import { send } from "../jobs/catalog";
import { assertScopeCan } from "../teams/access";
import { userIdOf, type TeamScope } from "../teams/context";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { ModelCardSchema } from "../registry/model-card";
import { HardeningParamsSchema, type HardeningParams } from "../engine/training/harden-params";

/** A hardening request: the parent version, the training dataset version, how many of its examples, the method. */
export const CreateHardeningSchema = z
  .object({
    modelVersionId: z.string().trim().min(1, { error: "choose the model version to harden" }).max(40),
    datasetVersionId: z.string().trim().min(1, { error: "choose the training dataset version" }).max(40),
    /** The first trainCount examples of the dataset version (all when absent). */
    trainCount: z.number().int().min(1).max(1_000_000).optional(),
    params: HardeningParamsSchema,
  })
  .strict();
export type CreateHardening = z.input<typeof CreateHardeningSchema>;

export const ACTIVE_STATUSES = ["QUEUED", "RUNNING"];

/** Gradient evaluations per second assumed before a team has a finished run: the demo CNN on the native backend (docs/hardening.md). */
export const DEFAULT_GRADIENT_RATE = 550;

/** What a run will cost in gradient evaluations, and its time at the team's measured rate (else the default). */
export function hardeningEstimate(p: HardeningParams, trainCount: number, rate: number | null) {
  const held = Math.floor(trainCount * p.validationShare);
  const train = trainCount - held;
  const attackSteps = p.method === "augment" ? 0 : p.steps;
  const attackGradients = train * attackSteps * p.epochs;
  const weightGradients = train * p.epochs * (p.method === "trades" ? 2 : 1);
  const validationGradients = held * (p.steps + 1) * p.epochs;
  const r = rate ?? DEFAULT_GRADIENT_RATE;
  const total = attackGradients + weightGradients + validationGradients;
  const estimatedSeconds = total / r;
  const summary = `${train.toLocaleString("en")} examples × ${p.epochs} epochs × ${attackSteps} attack steps = ${attackGradients.toLocaleString("en")} attack gradients, plus ${(weightGradients + validationGradients).toLocaleString("en")} training and validation gradients: about ${formatDuration(estimatedSeconds)} on one worker at ${Math.round(r)} gradients/s (${rate ? "measured on this team's earlier hardening runs" : "the demo CNN's rate on the native backend; an estimate"}).`;
  // validationGradients: PGD at the training budget on the held-out examples after each epoch.
  return { attackGradients, weightGradients, validationGradients, estimatedSeconds, rate: r, rateSource: (rate ? "measured" : "default") as "measured" | "default", summary };
}
export type HardeningEstimate = ReturnType<typeof hardeningEstimate>;

/** Median gradient evaluations per second of the team's last finished runs (null: none yet). */
export async function measuredGradientRate(scope: TeamScope): Promise<number | null> {
  const rows = await db.hardeningRun.findMany({ where: { teamId: scope.team.id, status: "COMPLETED" }, orderBy: { finishedAt: "desc" }, take: 10, select: { cost: true } });
  const rates = rows.map((r) => (r.cost as { gradientsPerSecond?: number } | null)?.gradientsPerSecond ?? 0).filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  return rates.length ? rates[rates.length >> 1]! : null;
}

/** The parent and dataset checks shared by the estimate and the launch. */
async function checkedInput(scope: TeamScope, raw: unknown) {
  const parsed = CreateHardeningSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join(".") || "input", i.message]));
    throw new ValidationError(`Some fields need attention: ${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ")}`, fields);
  }
  const input = parsed.data;
  const teamId = scope.team.id;
  const mv = await db.modelVersion.findFirst({ where: { id: input.modelVersionId, teamId, storedAt: { not: null } }, select: { id: true, modelId: true, version: true, format: true, status: true, card: true, model: { select: { name: true } } } });
  if (!mv) throw new NotFoundError("This model version");
  if (mv.status === "ARCHIVED") throw new ValidationError("This model version is archived; choose an active version.", { modelVersionId: "Archived version" });
  if (mv.format === "onnx") throw new ValidationError("ONNX versions cannot be hardened yet: the ONNX loader runs the graph as fixed operations, with no trainable weights to fine-tune. Harden a TensorFlow.js LayersModel version.", { modelVersionId: "ONNX: not supported for hardening" });
  if (mv.format !== "tfjs-layers") throw new ValidationError(`A ${mv.format} version cannot be hardened: hardening fine-tunes a TensorFlow.js LayersModel's weights.`, { modelVersionId: `${mv.format}: not supported for hardening` });
  const card = ModelCardSchema.parse(mv.card);
  const dv = await db.datasetVersion.findFirst({ where: { id: input.datasetVersionId, teamId, storedAt: { not: null } }, select: { id: true, sampleCount: true, sampleShape: true, classLabels: true, valueMin: true, valueMax: true } });
  if (!dv) throw new NotFoundError("This dataset version");
  const shape = dv.sampleShape as number[];
  const labels = dv.classLabels as string[];
  if (shape.join(",") !== card.inputShape.join(",")) throw new ValidationError(`The dataset's samples are [${shape.join(", ")}]; ${mv.model.name} v${mv.version} takes [${card.inputShape.join(", ")}].`, { datasetVersionId: "Input shape differs from the model's" });
  if (labels.join("\u0000") !== card.classLabels.join("\u0000")) throw new ValidationError(`The dataset's classes (${labels.join(", ")}) are not the model's (${card.classLabels.join(", ")}) in the same order: hardening trains on the labels as the model numbers them.`, { datasetVersionId: "Classes differ from the model's" });
  if (dv.valueMin < card.inputRange.min || dv.valueMax > card.inputRange.max) throw new ValidationError(`The dataset's values span ${dv.valueMin}..${dv.valueMax}, outside the model's input range ${card.inputRange.min}..${card.inputRange.max}.`, { datasetVersionId: "Values outside the model's input range" });
  const trainCount = Math.min(input.trainCount ?? dv.sampleCount, dv.sampleCount);
  if (input.params.validationShare > 0 && Math.floor(trainCount * input.params.validationShare) === 0) throw new ValidationError(`A validation share of ${input.params.validationShare} of ${trainCount} examples holds out none: raise it or use more examples.`, { "params.validationShare": "Holds out no example" });
  const eps = input.params.eps;
  const width = card.inputRange.max - card.inputRange.min;
  if (eps > width) throw new ValidationError(`ε = ${eps} is wider than the model's whole input range (${width}).`, { "params.eps": "Larger than the input range" });
  return { input, mv, trainCount };
}

/** The estimate shown before launch (the form asks for it as the fields change). */
export async function estimateHardening(scope: TeamScope, raw: unknown): Promise<HardeningEstimate> {
  assertScopeCan(scope, "evaluation.run");
  const { input, trainCount } = await checkedInput(scope, raw);
  return hardeningEstimate(input.params, trainCount, await measuredGradientRate(scope));
}

/** Queues a hardening run: the row and its job commit together; at most BULWARK_HARDENING_MAX_CONCURRENT active per team. */
export async function createHardening(scope: TeamScope, raw: unknown): Promise<{ id: string; estimate: HardeningEstimate }> {
  assertScopeCan(scope, "evaluation.run");
  const { input, mv, trainCount } = await checkedInput(scope, raw);
  const teamId = scope.team.id;
  const estimate = hardeningEstimate(input.params, trainCount, await measuredGradientRate(scope));
  const limit = env().BULWARK_HARDENING_MAX_CONCURRENT;
  const id = await db.$transaction(async (tx) => {
    // The team row lock serialises launches, so two at once cannot both pass the limit.
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
    const active = await tx.hardeningRun.count({ where: { teamId, status: { in: ACTIVE_STATUSES } } });
    if (active >= limit) throw new ConflictError(`This team already has ${active} hardening run${active === 1 ? "" : "s"} queued or running (the limit is ${limit}, BULWARK_HARDENING_MAX_CONCURRENT): wait for one to finish or cancel one.`);
    const run = await tx.hardeningRun.create({
      data: {
        teamId, modelId: mv.modelId, parentVersionId: mv.id, datasetVersionId: input.datasetVersionId, trainCount,
        params: input.params as unknown as Prisma.InputJsonValue, estimate: estimate as unknown as Prisma.InputJsonValue, createdById: userIdOf(scope),
      },
    });
    await appendAudit(tx, {
      teamId, actor: scope.actor, action: "hardening.create", subjectType: "HardeningRun", subjectId: run.id,
      details: { parentVersionId: mv.id, datasetVersionId: input.datasetVersionId, trainCount, params: input.params, estimatedSeconds: Math.round(estimate.estimatedSeconds) },
    });
    await send(tx, "harden", { teamId, runId: run.id });
    return run.id;
  });
  return { id, estimate };
}

/** Asks a queued or running run to stop: a queued one stops at once, a running one after its current batch. */
export async function cancelHardening(scope: TeamScope, runId: string): Promise<void> {
  assertScopeCan(scope, "evaluation.cancel");
  const teamId = scope.team.id;
  await db.$transaction(async (tx) => {
    const run = await tx.hardeningRun.findFirst({ where: { id: runId, teamId }, select: { status: true } });
    if (!run) throw new NotFoundError("This hardening run");
    if (!ACTIVE_STATUSES.includes(run.status)) throw new ConflictError(`This hardening run is ${run.status.toLowerCase()}: there is nothing to cancel.`);
    await tx.hardeningRun.update({
      where: { id: runId },
      data: run.status === "QUEUED" ? { status: "CANCELLED", cancelRequested: true, finishedAt: new Date() } : { cancelRequested: true },
    });
    await appendAudit(tx, { teamId, actor: scope.actor, action: "hardening.cancel", subjectType: "HardeningRun", subjectId: runId, details: { status: run.status } });
  });
}
