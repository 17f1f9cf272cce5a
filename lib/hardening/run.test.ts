import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { workerPool } from "../../test/workers";
import { useTempStore } from "../registry/test-helpers";
import { seedDemoOnnxModel, seedDemoRegistry, DEMO_DATASETS } from "../seed/registry";
import { systemContext } from "../teams/context";
import { verifyTeamChain } from "../audit/log";
import { cancelHardening, createHardening, estimateHardening } from "./create";
import { runHardeningJob } from "./run";
import { createEvaluation } from "../evaluations/create";
import { cancelEvaluation } from "../evaluations/manage";
import { CreateEvaluationSchema } from "../evaluations/schemas";

// Hardening runs on real worker processes (pg-boss on this file's PostgreSQL), the demo CNN v1 and the demo
// training split: a worker SIGKILLed mid-run is replaced, the job resumes from the last end-of-epoch checkpoint,
// and the hardened weights equal those of an uninterrupted run with the same seed.

const { dir } = useTempStore();
const { startWorker, stopWorkers, waitFor } = workerPool(() => ({ DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir }));

let team: Awaited<ReturnType<typeof makeTeam>>;
let v1: string;
let onnxVersion: string;
let train: string;

const request = (over: Record<string, unknown> = {}) => ({
  modelVersionId: v1,
  datasetVersionId: train,
  trainCount: 384,
  params: { method: "pgd-at", eps: 0.1, steps: 2, epochs: 3, learningRate: 1e-3, batchSize: 32, seed: 11 },
  ...over,
});

const finished = (id: string) =>
  waitFor(`hardening run ${id} to finish`, async () => {
    const r = await db.hardeningRun.findUniqueOrThrow({ where: { id } });
    return ["COMPLETED", "FAILED", "CANCELLED"].includes(r.status) ? r : null;
  });

const weightsDigest = async (versionId: string) => (await db.modelVersionFile.findFirstOrThrow({ where: { modelVersionId: versionId, path: "weights.bin" } })).sha256;

beforeAll(async () => {
  team = await makeTeam("harden");
  const scope = systemContext(team.team.id, "seed");
  await seedDemoRegistry(scope);
  await seedDemoOnnxModel(scope);
  v1 = (await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id, format: "tfjs-layers", version: 1 }, orderBy: { createdAt: "asc" } })).id;
  onnxVersion = (await db.modelVersion.findFirstOrThrow({ where: { teamId: team.team.id, format: "onnx" } })).id;
  train = (await db.datasetVersion.findFirstOrThrow({ where: { teamId: team.team.id, dataset: { name: DEMO_DATASETS.train } } })).id;
}, 600_000);

afterAll(async () => {
  await stopWorkers();
  await stopQueue();
});

describe("hardening runs", () => {
  it("refuses what it cannot do with the reason, states the cost before launch, and limits concurrent runs per team", async () => {
    const ctx = team.ctx("ENGINEER");
    await expect(createHardening(ctx, request({ modelVersionId: onnxVersion }))).rejects.toThrow(/ONNX versions cannot be hardened yet/);
    await expect(createHardening(ctx, request({ params: { method: "pgd-at", eps: 0.1, steps: 0, epochs: 3, learningRate: 1e-3, batchSize: 32, seed: 1 } }))).rejects.toThrow(/params\.steps/);
    await expect(createHardening(team.ctx("VIEWER"), request())).rejects.toThrow();
    const other = await makeTeam("harden-other");
    await expect(createHardening(other.ctx("ENGINEER"), request())).rejects.toThrow(/This model version/);

    const estimate = await estimateHardening(ctx, request());
    expect(estimate.attackGradients).toBe(384 * 2 * 3);
    expect(estimate.weightGradients).toBe(384 * 3);
    expect(estimate.rateSource).toBe("default");
    expect(estimate.summary).toMatch(/384 examples × 3 epochs × 2 attack steps = 2,304 attack gradients/);

    // The default limit is 2 queued or running runs per team; no worker runs yet, so both stay queued.
    const a = await createHardening(ctx, request());
    const b = await createHardening(ctx, request());
    await expect(createHardening(ctx, request())).rejects.toThrow(/already has 2 hardening runs queued or running \(the limit is 2/);
    await cancelHardening(ctx, a.id);
    await cancelHardening(ctx, b.id);
    expect((await db.hardeningRun.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("CANCELLED");
    await expect(cancelHardening(ctx, a.id)).rejects.toThrow(/is cancelled: there is nothing to cancel/);
  });

  it("registers one version when its worker is lost after registering, and evaluates it with the parent's latest suite and latest corruption suite on the same examples", { timeout: 300_000 }, async () => {
    const ctx = team.ctx("ENGINEER");
    const teamId = team.team.id;
    const evalSet = (await db.datasetVersion.findFirstOrThrow({ where: { teamId, dataset: { name: DEMO_DATASETS.eval } } })).id;
    // The parent's latest robustness evaluation, and an older one that also ran the common corruptions; their
    // figures are not needed here, only that they finished.
    const corruptEval = await createEvaluation(ctx, CreateEvaluationSchema.parse({ modelVersionId: v1, datasetVersionId: evalSet, preset: "quick", sampleCount: 12, seed: 6, shardSize: 12, corruptions: true }));
    await db.evaluation.update({ where: { id: corruptEval.id }, data: { status: "COMPLETED", finishedAt: new Date(Date.now() - 60_000) } });
    const parentEval = await createEvaluation(ctx, CreateEvaluationSchema.parse({ modelVersionId: v1, datasetVersionId: evalSet, preset: "quick", sampleCount: 20, seed: 5, shardSize: 10 }));
    await db.evaluation.update({ where: { id: parentEval.id }, data: { status: "COMPLETED", finishedAt: new Date() } });
    const { modelId } = await db.modelVersion.findUniqueOrThrow({ where: { id: v1 } });
    const versionsBefore = await db.modelVersion.count({ where: { modelId } });

    // A small run, worked in this process (no worker has started yet: the job stays queued).
    const run = await createHardening(ctx, request({ trainCount: 64, params: { method: "pgd-at", eps: 0.1, steps: 1, epochs: 1, learningRate: 1e-3, batchSize: 32, seed: 3 } }));
    expect(await runHardeningJob({ teamId, runId: run.id }, { workerId: "in-test", attempt: 1 })).toMatch(/: version \w+ .*, evaluation #\d+, #\d+$/);
    const done = await db.hardeningRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(done.status).toBe("COMPLETED");
    // The crash point: the version and the run's record of it committed, the worker lost before the run was marked
    // completed. The retried job lands the recorded version: no second version, no second evaluation.
    await db.hardeningRun.update({ where: { id: run.id }, data: { status: "RUNNING", finishedAt: null } });
    expect(await runHardeningJob({ teamId, runId: run.id }, { workerId: "in-test-retry", attempt: 2 })).toMatch(new RegExp(`version ${done.resultVersionId}`));
    const landed = await db.hardeningRun.findUniqueOrThrow({ where: { id: run.id } });
    expect([landed.status, landed.resultVersionId]).toEqual(["COMPLETED", done.resultVersionId]);
    expect(landed.cost).toEqual(done.cost);
    expect(await db.modelVersion.count({ where: { modelId } })).toBe(versionsBefore + 1);

    // The hardened version's evaluations: each parent's suite, dataset version, seed and the same examples —
    // the latest, then the latest with corruptions (it did not run them). Queued once each, retry included.
    const evaluations = await db.evaluation.findMany({ where: { teamId, modelVersionId: done.resultVersionId! }, orderBy: { number: "asc" } });
    expect(evaluations).toHaveLength(2);
    const sources = [await db.evaluation.findUniqueOrThrow({ where: { id: parentEval.id } }), await db.evaluation.findUniqueOrThrow({ where: { id: corruptEval.id } })];
    const pick = (e: (typeof evaluations)[number]) => ({ suite: e.suite, dataset: e.datasetVersionId, seed: e.seed, samples: e.sampleCount, indices: e.sampleIndices, kind: e.kind, preset: e.preset });
    expect(evaluations.map(pick)).toEqual(sources.map(pick));
    expect(sources.map((e) => [e.preset, (e.sampleIndices as number[]).length, Boolean((e.suite as { corruptions?: unknown }).corruptions)])).toEqual([["quick", 20, false], ["quick", 12, true]]);
    for (const child of evaluations) await cancelEvaluation(ctx, child.id); // not run here: the worker test below needs its time
  });

  it("discards a recorded version whose files never reached the store, and registers the run's result again from its checkpoint", { timeout: 300_000 }, async () => {
    const ctx = team.ctx("ENGINEER");
    const teamId = team.team.id;
    // v2 as the parent: it has no finished evaluation, so no re-evaluation holds on to the version.
    const v2 = (await db.modelVersion.findFirstOrThrow({ where: { teamId, format: "tfjs-layers", version: 2 } })).id;
    const run = await createHardening(ctx, request({ modelVersionId: v2, trainCount: 64, params: { method: "pgd-at", eps: 0.1, steps: 1, epochs: 1, learningRate: 1e-3, batchSize: 32, seed: 4 } }));
    await runHardeningJob({ teamId, runId: run.id }, { workerId: "in-test", attempt: 1 });
    const first = await db.hardeningRun.findUniqueOrThrow({ where: { id: run.id } });
    const { modelId } = await db.modelVersion.findUniqueOrThrow({ where: { id: first.resultVersionId! } });
    const versions = await db.modelVersion.count({ where: { modelId } });
    const digest = await weightsDigest(first.resultVersionId!);
    // The crash point: the version row and the run's record of it committed, its files not yet stored.
    await db.modelVersion.update({ where: { id: first.resultVersionId! }, data: { storedAt: null } });
    await db.hardeningRun.update({ where: { id: run.id }, data: { status: "RUNNING", finishedAt: null } });
    await runHardeningJob({ teamId, runId: run.id }, { workerId: "in-test-retry", attempt: 2 });
    const again = await db.hardeningRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(again.status).toBe("COMPLETED");
    expect(again.resultVersionId).not.toBe(first.resultVersionId);
    expect(await db.modelVersion.count({ where: { id: first.resultVersionId! } })).toBe(0);
    expect(await db.modelVersion.count({ where: { modelId } })).toBe(versions);
    expect((await db.modelVersion.findUniqueOrThrow({ where: { id: again.resultVersionId! } })).storedAt).not.toBeNull();
    expect(await weightsDigest(again.resultVersionId!)).toBe(digest);
    const discard = await db.auditEvent.findFirstOrThrow({ where: { teamId, action: "model.version.discard", subjectId: first.resultVersionId! } });
    expect(JSON.stringify(discard.details)).toContain(`hardening run ${run.id}`);
  });

  it("resumes after its worker is SIGKILLed mid-run, with the uninterrupted run's weights, lineage and measured cost", { timeout: 600_000 }, async () => {
    const ctx = team.ctx("ENGINEER");
    const a = startWorker();
    const idA = await a.id;
    const crash = await createHardening(ctx, request());
    await waitFor("the run to finish an epoch on worker A", () => db.hardeningRun.findFirst({ where: { id: crash.id, workerId: idA, status: "RUNNING", epochsDone: { gte: 1 } } }));
    a.child.kill("SIGKILL");
    const b = startWorker();
    const idB = await b.id;
    const resumed = await finished(crash.id);
    expect(`${resumed.status} ${resumed.error ?? ""}`.trim()).toBe("COMPLETED");
    expect(resumed.epochsDone).toBe(3);
    const cost = resumed.cost as Record<string, unknown>;
    expect(cost).toMatchObject({ epochs: 3, examples: 384 * 3, attackGradients: 384 * 2 * 3, weightGradients: 384 * 3, workerId: idB, attempts: 2 });
    expect(cost.wallSeconds as number).toBeGreaterThan(0);
    expect(typeof cost.cpuModel).toBe("string");
    expect(cost.cores as number).toBeGreaterThan(0);
    expect(["tensorflow", "wasm", "cpu"]).toContain(cost.backend);

    // The same request without a crash, on worker B.
    const clean = await createHardening(ctx, request());
    const reference = await finished(clean.id);
    expect(`${reference.status} ${reference.error ?? ""}`.trim()).toBe("COMPLETED");
    expect((reference.cost as Record<string, unknown>).attempts).toBe(1);
    expect(await weightsDigest(resumed.resultVersionId!)).toBe(await weightsDigest(reference.resultVersionId!));
    expect(await weightsDigest(resumed.resultVersionId!)).not.toBe(await weightsDigest(v1));

    // Lineage: a new version of the same model, trained on the chosen dataset version, its card filled from the run.
    const version = await db.modelVersion.findUniqueOrThrow({ where: { id: resumed.resultVersionId! } });
    const parent = await db.modelVersion.findUniqueOrThrow({ where: { id: v1 } });
    expect(version.modelId).toBe(parent.modelId);
    expect(version.version).toBeGreaterThan(parent.version);
    expect(version.trainingDatasetVersionId).toBe(train);
    const card = version.card as { trainingMethod: Record<string, unknown>; trainingCost: Record<string, unknown> };
    expect(card.trainingMethod).toMatchObject({ kind: "adversarial", norm: "linf", epsilon: 0.1 });
    expect(card.trainingMethod.attack).toMatch(/PGD-2 adversarial training/);
    expect(card.trainingCost.epochs).toBe(3);

    const actions = (await db.auditEvent.findMany({ where: { teamId: team.team.id, subjectId: crash.id }, orderBy: { createdAt: "asc" } })).map((e) => e.action);
    expect(actions).toEqual(["hardening.create", "hardening.completed"]);
    expect((await verifyTeamChain(systemContext(team.team.id, "job"))).intact).toBe(true);
  });
});
