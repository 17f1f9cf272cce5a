// The engine process: runs shards handed over IPC by a worker (workers/shard-runner.ts). It is a
// separate process so that a hostile or broken model can exhaust only its memory and time, never
// the worker's. Loaded models and datasets are cached for the next shard of the same evaluation.
import { describeBackend, initEngineBackend } from "../lib/engine/backend";
import { env } from "../lib/env";
import { runShard, ShardCancelledError } from "../lib/engine/shard";
import { measureInference, type InferenceCost } from "../lib/engine/cost";
import { loadEngineModel, type EngineModel } from "../lib/registry/ensembles";
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

const send = (m: ChildMessage) => process.send?.(m);
let cancelled = false;
// A version with weights, or an ensemble with all its members loaded (attacks run against the whole ensemble).
let modelCache: { id: string; loaded: EngineModel } | undefined;
let datasetCache: DatasetForEngine | undefined;
let oodCache: DatasetForEngine | undefined;
// The inference cost of the loaded model on this process's backend, measured after its first shard.
let inferenceCache: { id: string; cost: InferenceCost } | undefined;
let announced = false;

/** A model version served over HTTP: queried through the guarded client, never loaded (black-box). */
async function runEndpointShard(task: ShardTask): Promise<boolean> {
  const ep = await loadEndpointIfAny(task.teamId, task.modelVersionId);
  if (!ep) return false;
  if (datasetCache?.versionId !== task.datasetVersionId) datasetCache = await loadDatasetForEngine(task.teamId, task.datasetVersionId);
  const ds = datasetCache;
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const n = task.datasetIndices.length;
  const x = new Float32Array(n * size);
  const labels = new Int32Array(n);
  task.datasetIndices.forEach((di, i) => {
    x.set(ds.x.subarray(di * size, (di + 1) * size), i * size);
    labels[i] = task.labelMap[ds.labels[di]!]!;
  });
  const { model, client } = openEndpointModel(ep);
  let last = 0;
  try {
    const result = await runBlackBoxShard({
      oracle: endpointOracle(model),
      card: engineCardOf(ep.card),
      samples: { x, shape: [n, ...ep.card.inputShape], labels, indices: task.datasetIndices },
      suite: task.suite,
      seed: task.seed,
      batchSize: 64,
      backend: { backend: "http-endpoint", tfjsVersion: "n/a" },
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last > 500 || done === total) {
          last = now;
          send({ type: "progress", done, total });
        }
      },
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

/** One shard of an evaluation kind other than robustness (lib/evaluations/kinds.ts). */
async function runKindShard(task: KindShardTask): Promise<void> {
  switch (task.kind) {
    case "integrity": {
      let last = 0;
      const output = await runIntegrityShard(task as IntegrityShardTask, {
        onProgress: (done, total) => {
          const now = Date.now();
          if (now - last > 500 || done === total) {
            last = now;
            send({ type: "progress", done, total });
          }
        },
        isCancelled: () => cancelled,
      });
      send({ type: "result", output });
      return;
    }
    case "privacy":
      throw new Error(`this engine process cannot run ${task.kind} shards yet`);
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
  if (modelCache?.id !== task.modelVersionId) {
    modelCache?.loaded.dispose();
    modelCache = undefined;
    modelCache = { id: task.modelVersionId, loaded: await loadEngineModel(task.teamId, task.modelVersionId) };
  }
  if (datasetCache?.versionId !== task.datasetVersionId) datasetCache = await loadDatasetForEngine(task.teamId, task.datasetVersionId);
  const ds = datasetCache;
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  const n = task.datasetIndices.length;
  const x = new Float32Array(n * size);
  const labels = new Int32Array(n);
  task.datasetIndices.forEach((di, i) => {
    x.set(ds.x.subarray(di * size, (di + 1) * size), i * size);
    labels[i] = task.labelMap[ds.labels[di]!]!;
  });
  const card = modelCache.loaded.engineCard;
  let ood: { indices: number[]; x?: Float32Array } | undefined;
  const oodPart = task.suite.ood;
  if (oodPart && task.oodIndices?.length) {
    ood = { indices: task.oodIndices };
    if (oodPart.source === "dataset" && oodPart.datasetVersionId) {
      if (oodCache?.versionId !== oodPart.datasetVersionId) oodCache = await loadDatasetForEngine(task.teamId, oodPart.datasetVersionId);
      const od = oodCache;
      const xo = new Float32Array(task.oodIndices.length * size);
      task.oodIndices.forEach((oi, i) => {
        if (oi >= od.labels.length) throw new Error(`OOD input ${oi} is beyond the OOD dataset's ${od.labels.length} samples`);
        xo.set(od.x.subarray(oi * size, (oi + 1) * size), i * size);
      });
      ood.x = xo;
    }
  }
  let last = 0;
  const result = await runShard({
    model: modelCache.loaded.model,
    card,
    samples: { x, shape: [n, ...card.inputShape], labels, indices: task.datasetIndices },
    suite: task.suite,
    seed: task.seed,
    backend,
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - last > 500 || done === total) {
        last = now;
        send({ type: "progress", done, total });
      }
    },
    shouldCancel: () => cancelled,
    ood,
  });
  if (inferenceCache?.id !== task.modelVersionId) {
    inferenceCache = { id: task.modelVersionId, cost: await measureInference(modelCache.loaded.model, { batchSize: 64, repeats: 5, warmup: 2 }) };
  }
  send({ type: "result", output: { ...toShardOutput(result), inference: inferenceCache.cost } });
}

process.on("message", (m: ParentMessage) => {
  if (m.type === "cancel") {
    cancelled = true;
    return;
  }
  run(m.task).catch((e: unknown) => {
    if (e instanceof ShardCancelledError) send({ type: "cancelled" });
    else send({ type: "error", message: e instanceof Error ? e.message : String(e) });
  });
});
process.on("disconnect", () => {
  void disconnectDb().finally(() => process.exit(0));
});
