import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CrossEntropyStep, LoadedModel } from "../model";
import { crossEntropy, lossAndGrad, oneHotOf, type AttackContext } from "../attacks/common";
import { createRng } from "../rng";
import type { EngineCard } from "../card";
import { stepGraphOf, type StepGraphWriter } from "./step-graph";
import { onnxStepGraphWriter } from "./onnx-step-graph";

/*
 * On the native backend, a model's attack step (logits, cross-entropy, input gradient) runs as one TensorFlow
 * graph instead of one tfjs-node call per op: about 2-4x faster on the demo CNN (docs/benchmarks.md). The graph is
 * written from the model's weights (step-graph.ts), loaded through tfjs-node, and checked against the eager
 * engine on the model itself before any attack may use it: a graph that disagrees is not attached.
 */

/** tfjs-node's loaded SavedModel, as far as it is used here. */
interface SavedModel {
  predict(inputs: tf.NamedTensorMap): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  dispose(): void;
}
interface TfjsNode {
  node: { loadSavedModel(path: string, tags: string[], signature: string): Promise<SavedModel> };
}

const MAX_GRAPH_BYTES = 1024 * 2 ** 20;

export type StepGraphOutcome = { attached: true } | { attached: false; reason: string };

const layersWriter: StepGraphWriter = (m) => (m.layersModel ? stepGraphOf(m.layersModel, m.inputShape, m.numClasses) : null);

/**
 * The model with `crossEntropyStep` set when the backend is native, the model is covered and the graph agrees
 * with the eager engine on a check batch; else the model unchanged, with the reason. The returned model's
 * dispose() also frees the graph.
 */
export async function withStepGraph(model: LoadedModel, opts: { card?: EngineCard; writers?: StepGraphWriter[] } = {}): Promise<{ model: LoadedModel; outcome: StepGraphOutcome }> {
  // An ONNX model's graph needs its card (input layout and normalisation are inside the graph).
  const writers = opts.writers ?? [layersWriter, ...(opts.card ? [onnxStepGraphWriter(opts.card)] : [])];
  const unchanged = (reason: string) => ({ model, outcome: { attached: false as const, reason } });
  if (tf.getBackend() !== "tensorflow") return unchanged(`the ${tf.getBackend()} backend runs ops one by one`);
  if (model.crossEntropyStep) return { model, outcome: { attached: true } };
  if (model.inputShape.some((d) => d < 0)) return unchanged("the model's input shape has a dynamic dimension");
  let bytes: Uint8Array | null = null;
  try {
    for (const write of writers) {
      bytes = write(model);
      if (bytes) break;
    }
  } catch (e) {
    return unchanged(`the graph could not be written: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!bytes) return unchanged("a layer or operator of the model is not written as a graph yet");
  // The weights are constants in the graph: a model near protobuf's 2 GB message limit stays eager.
  if (bytes.byteLength > MAX_GRAPH_BYTES) return unchanged(`the graph would be ${Math.round(bytes.byteLength / 2 ** 20)} MB, over the ${MAX_GRAPH_BYTES / 2 ** 20} MB the engine loads as one graph`);
  // A variable specifier, as in backend.ts: tfjs-node is optional.
  const spec = "@tensorflow/tfjs-node";
  const tfn = (await import(/* @vite-ignore */ spec)) as TfjsNode;
  const dir = mkdtempSync(join(tmpdir(), "bulwark-step-"));
  let saved: SavedModel;
  try {
    writeFileSync(join(dir, "saved_model.pb"), bytes);
    saved = await tfn.node.loadSavedModel(dir, ["serve"], "step");
  } catch (e) {
    return unchanged(`TensorFlow did not load the graph: ${(e as Error).message.split("\n")[0]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let calls = 0;
  // Without an update: alpha 0 and infinite bounds (next = x, dropped).
  const idle = { lo: tf.scalar(-Infinity), hi: tf.scalar(Infinity), alpha: tf.scalar(0) };
  const release = () => { saved.dispose(); tf.dispose(Object.values(idle)); };
  const step: CrossEntropyStep = {
    get calls() { return calls; },
    run(x, oneHot, update) {
      calls++;
      const alpha = update ? tf.scalar(update.alpha) : idle.alpha;
      const out = saved.predict({ x, onehot: oneHot, lo: update?.lo ?? idle.lo, hi: update?.hi ?? idle.hi, alpha }) as tf.NamedTensorMap;
      if (update) alpha.dispose();
      else out.next!.dispose();
      return { logits: out.logits as tf.Tensor2D, loss: out.loss as tf.Tensor1D, grad: out.grad!, ...(update ? { next: out.next! } : {}) };
    },
  };
  const disagreement = checkAgainstEager(model, step);
  if (disagreement) {
    release();
    return unchanged(disagreement);
  }
  calls = 0;
  return {
    model: { ...model, crossEntropyStep: step, dispose: () => { release(); model.dispose(); } },
    outcome: { attached: true },
  };
}

/**
 * One batch of seeded inputs through both paths. Other kernels and another order of sums move the last bits;
 * anything beyond that (a wrong weight layout, a missed layer) is a disagreement, named.
 */
function checkAgainstEager(model: LoadedModel, step: CrossEntropyStep): string | null {
  const n = 4;
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  const rng = createRng("step-graph-check", 0, "inputs");
  const values = Float32Array.from({ length: n * size }, () => rng.next());
  const labels = Int32Array.from({ length: n }, (_, i) => i % model.numClasses);
  let verdict: string | null = null;
  tf.tidy(() => {
    verdict = compare();
  });
  return verdict;
  function compare(): string | null {
    const x = tf.tensor(values, [n, ...model.inputShape]);
    const oneHot = oneHotOf(labels, model.numClasses);
    const ctx: AttackContext = { model, scale: 1, offset: 0, range: { min: 0, max: 1 }, inputShape: model.inputShape, numClasses: model.numClasses };
    let eager: ReturnType<typeof lossAndGrad>;
    try {
      eager = lossAndGrad(ctx, x, (z) => crossEntropy(z, oneHot));
    } catch (e) {
      return `the eager engine failed on a check batch: ${(e as Error).message.split("\n")[0]}`;
    }
    let graph: ReturnType<CrossEntropyStep["run"]>;
    try {
      graph = step.run(x, oneHot);
    } catch (e) {
      return `the graph failed on a check batch: ${(e as Error).message.split("\n")[0]}`;
    }
    const maxAbs = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0]!;
    const apart = (a: tf.Tensor, b: tf.Tensor, tol: number) => !(a.shape.join() === b.shape.join() && maxAbs(tf.sub(a, b)) <= tol);
    if (apart(graph.logits, eager.logits, 1e-4 * Math.max(1, maxAbs(eager.logits)))) return "the graph's logits differ from the eager engine's on a check batch";
    if (apart(graph.loss, eager.loss, 1e-4 * Math.max(1, maxAbs(eager.loss)))) return "the graph's loss differs from the eager engine's on a check batch";
    if (apart(graph.grad, eager.grad, Math.max(1e-3 * maxAbs(eager.grad), 1e-7))) return "the graph's input gradient differs from the eager engine's on a check batch";
    return null;
  }
}
