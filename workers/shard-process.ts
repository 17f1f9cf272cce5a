// The engine process: runs shards handed over IPC by a worker (workers/shard-runner.ts). It is a
// separate process so that a hostile or broken model can exhaust only its memory and time, never
// the worker's. Loaded models and datasets are cached for the next shard of the same evaluation.
import { currentBackendInfo, describeBackend, initEngineBackend } from "../lib/engine/backend";
import { preprocessingOf } from "../lib/engine/card";
import { asLayersFiles } from "../lib/engine/formats";
import { phiUnder, PrivacyCancelled, referenceTrainingSet, targetOutputs, trainReferenceModel } from "../lib/engine/privacy/attack";
import type { PrivacyReferenceOutput, PrivacyShardTask, PrivacyTargetOutput } from "../lib/evaluations/privacy";
import { env } from "../lib/env";
import { runShard, ShardCancelledError } from "../lib/engine/shard";
import { withStepGraph, type StepGraphOutcome } from "../lib/engine/graph/attach";
import { measureInference, type InferenceCost } from "../lib/engine/cost";
import { loadEngineModel, type EngineModel } from "../lib/registry/ensembles";
import { loadModelVersionForEngine } from "../lib/registry/models";
import { loadDatasetForEngine, type DatasetForEngine } from "../lib/registry/datasets";
import { disconnectDb } from "../lib/db/client";
import { loadEndpointIfAny, openEndpointModel } from "../lib/registry/endpoints";
import { engineCardOf } from "../lib/registry/model-card";
import { runBlackBoxShard } from "../lib/engine/blackbox/shard";
import { endpointOracle } from "../lib/engine/blackbox/oracle";
import { redactSecrets } from "../lib/security/secrets";
import { runIntegrityShard } from "../lib/evaluations/integrity-shard";
import type { IntegrityShardTask } from "../lib/evaluations/integrity";
import { isRobustnessTask, toShardOutput, type AnyShardTask, type ChildMessage, type KindShardTask, type ParentMessage, type ShardTask } from "../lib/evaluations/shard-io";
import { systemContext } from "../lib/teams/context";

const send = (m: ChildMessage) => process.send?.(m);
let cancelled = false;
// A version with weights, or an ensemble with all its members loaded (attacks run against the whole ensemble).
let modelCache: { id: string; loaded: EngineModel; stepGraph?: StepGraphOutcome } | undefined;
let datasetCache: DatasetForEngine | undefined;
let oodCache: DatasetForEngine | undefined;
// The inference cost of the loaded model on this process's backend, measured after its first shard.
let inferenceCache: { id: string; cost: InferenceCost } | undefined;
let announced = false;

/** Progress to the parent at most every half second, and always the last step (`stepsAfter` more steps follow). */
function throttledProgress(stepsAfter = 0): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last > 500 || done === total) {
      last = now;
      send({ type: "progress", done, total: total + stepsAfter });
    }
  };
}

/** The task's model, kept loaded while the next shards are of the same version. */
async function cachedModel(task: { teamId: string; modelVersionId: string }): Promise<EngineModel> {
  if (modelCache?.id !== task.modelVersionId) {
    modelCache?.loaded.dispose();
    modelCache = undefined;
    modelCache = { id: task.modelVersionId, loaded: await loadEngineModel(systemContext(task.teamId, "job"), task.modelVersionId) };
  }
  return modelCache.loaded;
}

/**
 * On native, the model's attack step as one TensorFlow graph (lib/engine/graph/attach.ts), once per loaded model;
 * the engine log says which path the attacks take and, when eager, why.
 */
async function attachStepGraph(loaded: EngineModel): Promise<void> {
  if (!modelCache || modelCache.loaded !== loaded || modelCache.stepGraph) return;
  // An ensemble combines its members' outputs: no graph is written for it (each member could have one).
  // The graph only speeds attacks up: whatever goes wrong setting it up, the shard runs eagerly.
  const eager = (reason: string) => ({ model: loaded.model, outcome: { attached: false as const, reason } });
  const { model, outcome } = loaded.ensemble
    ? eager("an ensemble's members are differentiated one by one")
    : await withStepGraph(loaded.model, { card: loaded.engineCard }).catch((e: unknown) => eager(`the graph could not be set up: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`));
  modelCache.stepGraph = outcome;
  if (outcome.attached) {
    // The returned model's dispose() frees the graph and the model it wraps.
    loaded.model = model;
    loaded.dispose = () => model.dispose();
  }
  if (currentBackendInfo().backend === "tensorflow") console.log(`[engine ${process.pid}] attack steps: ${outcome.attached ? "one TensorFlow graph per step" : `eager (${outcome.reason})`}`);
}

/** A robustness shard's examples, and their labels mapped to model outputs (the dataset stays loaded between shards). */
async function robustnessSamples(task: ShardTask): Promise<{ x: Float32Array; labels: Int32Array; n: number; size: number }> {
  if (datasetCache?.versionId !== task.datasetVersionId) datasetCache = await loadDatasetForEngine(systemContext(task.teamId, "job"), task.datasetVersionId);
  const { x, y } = gather(datasetCache, task.datasetIndices, task.labelMap);
  return { x, labels: y, n: task.datasetIndices.length, size: datasetCache.sampleShape.reduce((a, b) => a * b, 1) };
}

/** A model version served over HTTP: queried through the guarded client, never loaded (black-box). */
async function runEndpointShard(task: ShardTask): Promise<boolean> {
  const ep = await loadEndpointIfAny(systemContext(task.teamId, "job"), task.modelVersionId);
  if (!ep) return false;
  const { x, labels, n } = await robustnessSamples(task);
  const { model, client } = openEndpointModel(systemContext(task.teamId, "job"), ep);
  try {
    const result = await runBlackBoxShard({
      oracle: endpointOracle(model),
      card: engineCardOf(ep.card),
      samples: { x, shape: [n, ...ep.card.inputShape], labels, indices: task.datasetIndices },
      suite: task.suite,
      seed: task.seed,
      batchSize: 64,
      backend: { backend: "http-endpoint", tfjsVersion: "n/a" },
      onProgress: throttledProgress(),
      shouldCancel: () => cancelled,
    });
    send({ type: "result", output: { ...toShardOutput(result), endpoint: { queries: model.queries, requests: client.stats.requests, retries: client.stats.retries } } });
  } catch (e) {
    // Messages of the guarded client and the answer reader name the host and the problem, never the credential.
    if (e instanceof Error) e.message = redactSecrets(e.message, [ep.secret]);
    throw e;
  } finally {
    client.close();
  }
  return true;
}

/** Rows of a dataset as one array, and their labels mapped to model outputs. */
function gather(ds: DatasetForEngine, indices: number[], labelMap: number[]): { x: Float32Array; y: Int32Array } {
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  indices.forEach((di, i) => {
    if (di >= ds.labels.length) throw new Error(`example ${di} is beyond the dataset's ${ds.labels.length} samples`);
    x.set(ds.x.subarray(di * size, (di + 1) * size), i * size);
    y[i] = labelMap[ds.labels[di]!]!;
  });
  return { x, y };
}

/**
 * A privacy (membership-inference) shard: the target model's outputs on the member and non-member samples
 * (shard 0), or one reference model trained on data disjoint from every target and its φ on them.
 */
async function runPrivacyShard(task: PrivacyShardTask): Promise<void> {
  await initEngineBackend(task.backend);
  const c = task.config;
  const loaded = await cachedModel(task);
  const target = loaded;
  const card = target.engineCard;
  const pre = preprocessingOf(card);
  const shape = card.inputShape;
  // The two datasets: the member set sits in datasetCache, the non-member set in oodCache's slot.
  if (datasetCache?.versionId !== c.memberDatasetVersionId) datasetCache = await loadDatasetForEngine(systemContext(task.teamId, "job"), c.memberDatasetVersionId);
  if (oodCache?.versionId !== c.nonMemberDatasetVersionId) oodCache = await loadDatasetForEngine(systemContext(task.teamId, "job"), c.nonMemberDatasetVersionId);
  const dsM = datasetCache, dsN = oodCache;
  const mem = gather(dsM, c.memberTargets, task.labelMaps.member);
  const non = gather(dsN, c.nonMemberTargets, task.labelMaps.nonMember);
  const backendInfo = currentBackendInfo();
  const progress = (done: number, total: number) => send({ type: "progress", done, total });
  if (task.role === "target") {
    progress(0, 2);
    const members = await targetOutputs(target.model, mem.x, mem.y, shape, pre, () => cancelled);
    progress(1, 2);
    const nonMembers = await targetOutputs(target.model, non.x, non.y, shape, pre, () => cancelled);
    progress(2, 2);
    const output: PrivacyTargetOutput = { kind: "privacy", role: "target", backend: backendInfo, members, nonMembers };
    send({ type: "result", output });
    return;
  }
  // LiRA re-trains the target's own architecture: one registered topology (an ensemble has none of its own).
  if (target.ensemble) throw new Error("LiRA reference models cannot be trained for an ensemble version; run the privacy evaluation with 0 reference models");
  const files = asLayersFiles((await loadModelVersionForEngine(systemContext(task.teamId, "job"), task.modelVersionId)).files);
  const k = task.reference ?? 0;
  const set = referenceTrainingSet({ memberCount: dsM.labels.length, nonMemberCount: dsN.labels.length, memberTargets: c.memberTargets, nonMemberTargets: c.nonMemberTargets, trainSize: c.referenceTrainSize, seed: task.seed, reference: k });
  const a = gather(dsM, set.member, task.labelMaps.member), b = gather(dsN, set.nonMember, task.labelMaps.nonMember);
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Int32Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  const trained = await trainReferenceModel({
    modelJson: files.modelJson, x, labels: y, shape, classes: card.classLabels.length, pre, epochs: c.referenceEpochs, batchSize: c.batchSize, learningRate: c.learningRate, seed: task.seed, reference: k,
    // One more step after training: φ on the targets.
    onProgress: throttledProgress(1),
    shouldCancel: () => cancelled,
  });
  try {
    const pm = await phiUnder(trained.model, mem.x, mem.y, shape, pre);
    const pn = await phiUnder(trained.model, non.x, non.y, shape, pre);
    const output: PrivacyReferenceOutput = {
      kind: "privacy", role: "reference", reference: k, backend: backendInfo, phiMembers: pm.phi, phiNonMembers: pn.phi,
      accuracyOnTargets: (pm.accuracy * pm.phi.length + pn.accuracy * pn.phi.length) / (pm.phi.length + pn.phi.length),
      trainSize: y.length, epochs: c.referenceEpochs, finalLoss: trained.finalLoss, examplesPerSecond: trained.examplesPerSecond,
    };
    send({ type: "result", output });
  } finally {
    trained.model.dispose();
  }
}

/** One shard of an evaluation kind other than robustness (lib/evaluations/kinds.ts). */
async function runKindShard(task: KindShardTask): Promise<void> {
  switch (task.kind) {
    case "integrity": {
      const output = await runIntegrityShard(task as IntegrityShardTask, {
        onProgress: throttledProgress(),
        isCancelled: () => cancelled,
      });
      send({ type: "result", output });
      return;
    }
    case "privacy":
      return runPrivacyShard(task as PrivacyShardTask);
    default:
      throw new Error(`unknown evaluation kind "${String((task as { kind: unknown }).kind)}"`);
  }
}

async function run(anyTask: AnyShardTask) {
  cancelled = false;
  if (!isRobustnessTask(anyTask)) return runKindShard(anyTask);
  const task = anyTask;
  if (await runEndpointShard(task)) return;
  const backend = await initEngineBackend(task.backend);
  if (!announced) {
    // Once per engine process: which backend and version runs the shards, and why not a faster one.
    announced = true;
    const c = env();
    const threads = backend.backend === "tensorflow" ? `, TensorFlow threads intra-op ${c.TF_NUM_INTRAOP_THREADS ?? "default"} / inter-op ${c.TF_NUM_INTEROP_THREADS ?? "default"}` : "";
    const skipped = backend.fallbacks.length ? `; not used: ${backend.fallbacks.join("; ")}` : "";
    console.log(`[engine ${process.pid}] backend ${describeBackend(backend)}${threads}${skipped}`);
  }
  const loaded = await cachedModel(task);
  await attachStepGraph(loaded);
  const { x, labels, n, size } = await robustnessSamples(task);
  const card = loaded.engineCard;
  let ood: { indices: number[]; x?: Float32Array } | undefined;
  const oodPart = task.suite.ood;
  if (oodPart && task.oodIndices?.length) {
    ood = { indices: task.oodIndices };
    if (oodPart.source === "dataset" && oodPart.datasetVersionId) {
      if (oodCache?.versionId !== oodPart.datasetVersionId) oodCache = await loadDatasetForEngine(systemContext(task.teamId, "job"), oodPart.datasetVersionId);
      const od = oodCache;
      const xo = new Float32Array(task.oodIndices.length * size);
      task.oodIndices.forEach((oi, i) => {
        if (oi >= od.labels.length) throw new Error(`OOD input ${oi} is beyond the OOD dataset's ${od.labels.length} samples`);
        xo.set(od.x.subarray(oi * size, (oi + 1) * size), i * size);
      });
      ood.x = xo;
    }
  }
  const result = await runShard({
    model: loaded.model,
    card,
    samples: { x, shape: [n, ...card.inputShape], labels, indices: task.datasetIndices },
    suite: task.suite,
    seed: task.seed,
    backend,
    onProgress: throttledProgress(),
    shouldCancel: () => cancelled,
    ood,
  });
  if (inferenceCache?.id !== task.modelVersionId) {
    inferenceCache = { id: task.modelVersionId, cost: await measureInference(loaded.model, { batchSize: 64, repeats: 5, warmup: 2 }) };
  }
  send({ type: "result", output: { ...toShardOutput(result), inference: inferenceCache.cost } });
}

process.on("message", (m: ParentMessage) => {
  if (m.type === "cancel") {
    cancelled = true;
    return;
  }
  run(m.task).catch((e: unknown) => {
    if (e instanceof ShardCancelledError || e instanceof PrivacyCancelled) send({ type: "cancelled" });
    else send({ type: "error", message: e instanceof Error ? e.message : String(e) });
  });
});
process.on("disconnect", () => {
  void disconnectDb().finally(() => process.exit(0));
});
