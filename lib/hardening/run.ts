import { cpus } from "node:os";
import type { Prisma } from "../db/generated/client";
import { canonicalJson } from "../audit/chain";
import { db } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import { env } from "../env";
import { systemContext } from "../teams/context";
import { putBytes, readVerified } from "../registry/store";
import { loadModelVersionForEngine, registerModelVersion } from "../registry/models";
import { loadDatasetForEngine } from "../registry/datasets";
import { Staging } from "../registry/staging";
import { discardArtifactsIfUnused, removeUnreferencedBlobs } from "../registry/commit";
import { createEvaluation } from "../evaluations/create";
import { CreateEvaluationSchema, type Preset } from "../evaluations/schemas";
import type { ModelCard } from "../registry/model-card";
import type { Checkpoint, HardeningParams } from "../engine/training/harden";

/** Thrown from the training hooks when the run was cancelled; the handler records CANCELLED. */
class HardeningCancelled extends Error {}

/** How often progress is written while an epoch runs (each write also reads the cancel flag). */
const PROGRESS_MS = 1000;

export interface RunCost {
  wallSeconds: number;
  epochs: number;
  examples: number;
  attackGradients: number;
  weightGradients: number;
  gradientsPerSecond: number;
  backend: string;
  cpuModel: string;
  cores: number;
  workerId: string;
  /** Worker attempts that trained part of the run (more than one after a lost worker). */
  attempts: number;
}

function methodOnCard(p: HardeningParams): ModelCard["trainingMethod"] {
  if (p.method === "augment") return { kind: "other", description: `Augmentation fine-tuning by Bulwark: Gaussian noise (σ ${p.noiseStd} of the range)${p.corruptions.length ? ` and ${p.corruptions.join(", ")} at severity ${p.severity}` : ""}; ${p.epochs} epochs, Adam ${p.learningRate}, batch ${p.batchSize}, seed ${p.seed}` };
  const attack = p.method === "trades" ? `TRADES (β ${p.beta}) with PGD-${p.steps}` : `PGD-${p.steps} adversarial training (Madry)`;
  return { kind: "adversarial", attack: `${attack}, step ${p.stepSize ?? +(2.5 * p.eps / p.steps).toPrecision(3)}, ${p.epochs} epochs, Adam ${p.learningRate}, batch ${p.batchSize}, seed ${p.seed}`.slice(0, 100), norm: "linf", epsilon: p.eps };
}

/**
 * The worker side of a hardening run: resumes from the last end-of-epoch checkpoint when one is recorded (a
 * retried job after a lost worker), trains, registers the result as a new version of the parent's model with
 * the measured cost on its card, and queues its evaluation with the parent's latest suite.
 */
export async function runHardeningJob(data: { teamId: string; runId: string }, tools: { workerId: string; attempt: number }): Promise<string> {
  const { teamId, runId } = data;
  const scope = systemContext(teamId, "job");
  const run = await db.hardeningRun.findFirst({ where: { id: runId, teamId } });
  if (!run) return "no such run (deleted)";
  if (!["QUEUED", "RUNNING"].includes(run.status)) return `already ${run.status.toLowerCase()}`;
  // A worker lost after the version was registered (the run records it in the same transaction): land that
  // version instead of training and registering a second one. One whose files never reached the store is discarded.
  if (run.resultVersionId) {
    const stored = await db.modelVersion.findFirst({ where: { id: run.resultVersionId, teamId, storedAt: { not: null } }, select: { id: true } });
    if (stored) return land(teamId, runId, run.parentVersionId, stored.id, run.cost as unknown as RunCost, { landedAfterLostWorker: true });
    await discardUnstoredResult(teamId, runId, run.resultVersionId);
  }
  if (run.cancelRequested) {
    await finish(teamId, runId, "CANCELLED", {});
    return "cancelled before it started";
  }
  const prior = (run.cost as Partial<RunCost> | null) ?? {};
  await db.hardeningRun.update({ where: { id: runId }, data: { status: "RUNNING", startedAt: run.startedAt ?? new Date(), workerId: tools.workerId } });

  try {
    const { initEngineBackend, currentBackendInfo } = await import("../engine/backend");
    const { loadModelFromFiles } = await import("../engine/model");
    const { preprocessingOf } = await import("../engine/card");
    const { harden, hardenedModelFiles, decodeCheckpoint, encodeCheckpoint, HardeningParamsSchema } = await import("../engine/training/harden");
    await initEngineBackend(env().BULWARK_TF_BACKEND);
    const params = HardeningParamsSchema.parse(run.params);
    const parent = await loadModelVersionForEngine(scope, run.parentVersionId);
    if (parent.files.format !== "tfjs-layers") throw new Error("the parent version is not a TensorFlow.js LayersModel");
    const modelJson = JSON.parse(new TextDecoder().decode(parent.files.modelJson as Uint8Array)) as Record<string, unknown>;
    const loaded = await loadModelFromFiles({ modelJson, weights: parent.files.weights });
    const ds = await loadDatasetForEngine(scope, run.datasetVersionId);
    const d = ds.sampleShape.reduce((a, b) => a * b, 1);
    const n = Math.min(run.trainCount, ds.count);
    const set = { x: ds.x.slice(0, n * d), labels: ds.labels.slice(0, n), shape: ds.sampleShape, ids: Array.from({ length: n }, (_, i) => i) };
    const resume: Checkpoint | undefined = run.checkpointDigest ? decodeCheckpoint(await readVerified(run.checkpointDigest)) : undefined;

    const t0 = performance.now();
    let lastWrite = 0;
    const checkCancel = async (progress: Prisma.HardeningRunUpdateInput) => {
      const r = await db.hardeningRun.update({ where: { id: runId }, data: progress, select: { cancelRequested: true } });
      if (r.cancelRequested) throw new HardeningCancelled();
    };
    const outcome = await harden(
      { net: loaded.layersModel!, numClasses: loaded.numClasses, range: parent.engineCard.inputRange, ...preprocessingOf(parent.engineCard) },
      set,
      params,
      {
        onBatch: async (_epoch, done) => {
          if (performance.now() - lastWrite < PROGRESS_MS) return;
          lastWrite = performance.now();
          await checkCancel({ examplesDone: done });
        },
        onEpoch: async (c) => {
          const digest = await putBytes(encodeCheckpoint(c));
          const wallSeconds = (prior.wallSeconds ?? 0) + (performance.now() - t0) / 1000;
          await checkCancel({ checkpointDigest: digest, epochsDone: c.epochs.length, examplesDone: 0, cost: { ...prior, wallSeconds, attempts: (prior.attempts ?? 0) + 1 } as Prisma.InputJsonValue });
        },
      },
      resume,
    );
    const wallSeconds = (prior.wallSeconds ?? 0) + (performance.now() - t0) / 1000;
    const cpu = cpus();
    const gradients = outcome.attackGradients + outcome.weightGradients;
    const cost: RunCost = {
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      epochs: outcome.epochsRun,
      examples: outcome.epochs.reduce((s, e) => s + e.examples, 0),
      attackGradients: outcome.attackGradients,
      weightGradients: outcome.weightGradients,
      gradientsPerSecond: wallSeconds > 0 ? Math.round(gradients / wallSeconds) : 0,
      backend: currentBackendInfo().backend,
      cpuModel: cpu[0]?.model ?? "unknown",
      cores: cpu.length,
      workerId: tools.workerId,
      attempts: (prior.attempts ?? 0) + 1,
    };

    const files = await hardenedModelFiles(loaded.layersModel!, modelJson);
    loaded.dispose();
    const staging = await Staging.create(Number.MAX_SAFE_INTEGER);
    let versionId: string;
    try {
      const staged = [await staging.addBytes("model.json", new TextEncoder().encode(JSON.stringify(files.modelJson))), await staging.addBytes("weights.bin", files.weights["weights.bin"]!)];
      const card = {
        ...parent.card,
        trainingDatasetVersionId: run.datasetVersionId,
        trainingMethod: methodOnCard(params),
        trainingCost: { wallTimeHours: cost.wallSeconds / 3600, epochs: cost.epochs, hardware: `${cost.cores} × ${cost.cpuModel}, ${cost.backend} backend`.slice(0, 200) },
        intendedUse: parent.card.intendedUse,
      };
      // The run records its result (and cost) in the version's own transaction: a retried job finds it there.
      const record = async (tx: Prisma.TransactionClient, id: string) => {
        await tx.hardeningRun.update({ where: { id: runId }, data: { resultVersionId: id, cost: cost as unknown as Prisma.InputJsonValue, examplesDone: 0 } });
      };
      const registered = await registerModelVersion(systemContext(teamId, "job", `hardening run ${runId}`), { modelId: run.modelId, card: card as unknown as Record<string, unknown>, files: staged }, staging, { inTransaction: record });
      versionId = registered.versionId;
    } finally {
      await staging.dispose();
    }
    return await land(teamId, runId, run.parentVersionId, versionId, cost, { keptEpoch: outcome.keptEpoch, stoppedEarly: outcome.stoppedEarly });
  } catch (e) {
    if (e instanceof HardeningCancelled) {
      await finish(teamId, runId, "CANCELLED", {});
      return `hardening run ${runId}: cancelled`;
    }
    // A lost worker never gets here; an error in the run is final (the same input fails the same way).
    await finish(teamId, runId, "FAILED", { error: (e as Error).message.slice(0, 2000) });
    return `hardening run ${runId}: failed: ${(e as Error).message}`;
  }
}

/**
 * The last step of a run whose version is registered: queue its evaluation like the parent's (once), then mark
 * the run completed. Safe to repeat after a lost worker.
 */
async function land(teamId: string, runId: string, parentVersionId: string, versionId: string, cost: RunCost, details: Record<string, unknown>): Promise<string> {
  let evaluations: number[] = [];
  let evaluationError: string | undefined;
  try {
    evaluations = await evaluateLikeParent(teamId, parentVersionId, versionId);
  } catch (e) {
    // The version is good whatever happens to its evaluation: the run completes and says why none was queued.
    evaluationError = (e as Error).message.slice(0, 500);
  }
  await finish(teamId, runId, "COMPLETED", { examplesDone: 0 }, { resultVersionId: versionId, cost, ...details, evaluations, ...(evaluationError ? { evaluationError } : {}) });
  return `hardening run ${runId}: version ${versionId} (${cost.epochs} epochs, ${cost.attackGradients + cost.weightGradients} gradients, ${cost.wallSeconds} s)${evaluations.length ? `, evaluation ${evaluations.map((n) => `#${n}`).join(", ")}` : evaluationError ? `, evaluation not queued: ${evaluationError}` : ""}`;
}

/** A result version registered but never stored (the worker died while moving its files): taken out, audited. */
async function discardUnstoredResult(teamId: string, runId: string, versionId: string): Promise<void> {
  const files = await db.modelVersionFile.findMany({ where: { modelVersionId: versionId, teamId }, select: { sha256: true } });
  await db.$transaction(async (tx) => {
    await tx.hardeningRun.update({ where: { id: runId }, data: { resultVersionId: null } });
    await tx.modelVersion.deleteMany({ where: { id: versionId, teamId, storedAt: null } });
    await discardArtifactsIfUnused(tx, teamId, files.map((f) => f.sha256));
    await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "model.version.discard", subjectType: "ModelVersion", subjectId: versionId, details: { reason: `hardening run ${runId}: its worker stopped before the files were stored` } });
  });
  await removeUnreferencedBlobs(files.map((f) => f.sha256));
}

async function finish(teamId: string, runId: string, status: string, data: Prisma.HardeningRunUpdateInput, details: Record<string, unknown> = {}): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.hardeningRun.update({ where: { id: runId }, data: { ...data, status, finishedAt: new Date() } });
    await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: `hardening.${status.toLowerCase()}`, subjectType: "HardeningRun", subjectId: runId, details: JSON.parse(JSON.stringify({ status, ...details, ...(data.error ? { error: data.error } : {}) })) });
  });
}

/**
 * Queues the hardened version's evaluations like the parent's, on the same examples: its latest robustness
 * evaluation (attacks and calibration, and whatever else its suite ran) and, when that one did not run the common
 * corruptions, also its latest one that did — so the comparison has both versions' clean and robust accuracy,
 * ECE and corruption accuracy. Each is queued once (a retried job finds it). Empty: the parent has none.
 */
async function evaluateLikeParent(teamId: string, parentVersionId: string, versionId: string): Promise<number[]> {
  const finished = { teamId, modelVersionId: parentVersionId, kind: "robustness", status: "COMPLETED" as const };
  const latest = await db.evaluation.findFirst({ where: finished, orderBy: { finishedAt: "desc" } });
  if (!latest) return [];
  const ranCorruptions = (e: { suite: unknown }) => Boolean((e.suite as { corruptions?: unknown } | null)?.corruptions);
  // The parent's last 50 finished evaluations are plenty to find its latest with corruptions.
  const withCorruptions = ranCorruptions(latest) ? null : (await db.evaluation.findMany({ where: finished, orderBy: { finishedAt: "desc" }, take: 50 })).find(ranCorruptions) ?? null;
  const mine = await db.evaluation.findMany({ where: { teamId, modelVersionId: versionId, kind: "robustness" }, orderBy: { createdAt: "asc" }, select: { number: true, datasetVersionId: true, sampleCount: true, seed: true, suite: true } });
  const numbers: number[] = [];
  for (const source of withCorruptions ? [latest, withCorruptions] : [latest]) {
    // The same suite, dataset version, count and seed: stratifiedSample draws the same examples.
    const queued = mine.find((e) => e.datasetVersionId === source.datasetVersionId && e.sampleCount === source.sampleCount && e.seed === source.seed && canonicalJson(e.suite) === canonicalJson(source.suite));
    if (queued) {
      numbers.push(queued.number);
      continue;
    }
    const input = CreateEvaluationSchema.parse({ modelVersionId: versionId, datasetVersionId: source.datasetVersionId, preset: "custom", customSuite: JSON.stringify(source.suite), sampleCount: source.sampleCount, seed: source.seed, shardSize: source.shardSize });
    numbers.push((await createEvaluation(systemContext(teamId, "job"), input, { repeatsPreset: source.preset as Preset })).number);
  }
  return numbers;
}
