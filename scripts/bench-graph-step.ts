/*
 * The graph side of `npm run bench:engine -- --vs-pytorch --graph-step`: the model's forward pass, cross-entropy
 * and input gradient written as one TensorFlow graph by the engine (lib/engine/graph/step-graph.ts) and run through
 * tfjs-node, one call per step instead of one per op; the signed step and projection stay eager (four ops). Same
 * weights, inputs and loop as scripts/bench-pytorch.py: attacks of `steps` steps back to back from the clean
 * inputs, for `seconds` per batch size. Work in progress: the engine's attacks do not use the graph yet.
 *
 *   node --import tsx scripts/bench-graph-step.ts <spec.json> <check output>
 *
 * Prints JSON lines: {"graph": label}, then {"batch", "rate"} per batch size; writes the clean logits and input
 * gradients of the first checkBatch examples (float32, gradients channels last) for the parity check.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initEngineBackend } from "@/lib/engine/backend";
import { loadModelFromFiles } from "@/lib/engine/model";
import { stepGraphOf } from "@/lib/engine/graph/step-graph";

interface Spec {
  model: { kind: string; modelJson?: string };
  inputs: string;
  labels: string;
  inputShape: number[];
  range: { min: number; max: number };
  eps: number;
  stepSize: number;
  steps: number;
  seconds: number;
  batches: number[];
  checkBatch: number;
  classes: number;
}

const [specPath, checkOut] = process.argv.slice(2);
if (!specPath || !checkOut) throw new Error("usage: bench-graph-step.ts <spec.json> <check output>");
const spec = JSON.parse(readFileSync(specPath, "utf8")) as Spec;
if (spec.model.kind !== "layers" || !spec.model.modelJson) throw new Error("only TF.js LayersModels are written as a graph so far");
await initEngineBackend("tensorflow");
const tfn = await import("@tensorflow/tfjs-node");
const modelJson = JSON.parse(readFileSync(spec.model.modelJson, "utf8")) as { weightsManifest: { paths: string[] }[] };
const weights = Object.fromEntries(modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => [p, new Uint8Array(readFileSync(join(dirname(spec.model.modelJson!), p)))]));
const model = await loadModelFromFiles({ modelJson, weights });
const bytes = stepGraphOf(model.layersModel!, model.inputShape, model.numClasses);
if (!bytes) throw new Error("the model has a layer the graph writer does not cover yet");
const dir = mkdtempSync(join(tmpdir(), "bench-graph-step-"));
writeFileSync(join(dir, "saved_model.pb"), bytes);
const graph = await tfn.node.loadSavedModel(dir, ["serve"], "step");
console.log(JSON.stringify({ graph: `native, forward + gradient as one TensorFlow graph (engine-written, tfjs-node ${tfn.version["tfjs-node"]}; work in progress)` }));

// A small file's Buffer is a view into Node's shared pool: copy out exactly its bytes.
const bytesOf = (path: string) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const pixels = spec.inputShape.reduce((a, b) => a * b, 1);
const images = new Float32Array(bytesOf(spec.inputs));
const labels = new Int32Array(bytesOf(spec.labels));
const batchOf = (n: number) => ({
  x: tf.tensor(images.subarray(0, n * pixels), [n, ...spec.inputShape]),
  onehot: tf.oneHot(tf.tensor1d(labels.subarray(0, n), "int32"), spec.classes).toFloat(),
});
const run = (x: tf.Tensor, onehot: tf.Tensor) => graph.predict({ x, onehot }) as tf.NamedTensorMap;

{
  const { x, onehot } = batchOf(spec.checkBatch);
  const out = run(x, onehot);
  const logits = out.logits!.dataSync() as Float32Array;
  const grad = out.grad!.dataSync() as Float32Array;
  const both = new Float32Array(logits.length + grad.length);
  both.set(logits);
  both.set(grad, logits.length);
  writeFileSync(checkOut, new Uint8Array(both.buffer));
  tf.dispose([x, onehot, ...Object.values(out)]);
}

for (const b of spec.batches) {
  const { x: x0, onehot } = batchOf(b);
  const lo = tf.maximum(tf.sub(x0, spec.eps), spec.range.min);
  const hi = tf.minimum(tf.add(x0, spec.eps), spec.range.max);
  const next = (x: tf.Tensor): tf.Tensor => {
    const out = run(x, onehot);
    const stepped = tf.tidy(() => tf.minimum(tf.maximum(tf.add(x, tf.mul(tf.sign(out.grad!), spec.stepSize)), lo), hi));
    tf.dispose(Object.values(out));
    return stepped;
  };
  next(x0).dispose(); // warm-up
  let x = x0;
  let done = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < spec.seconds * 1000 || done < 3) {
    const stepped = next(x);
    if (x !== x0) x.dispose();
    x = stepped;
    done += 1;
    if (done % spec.steps === 0) {
      x.dispose();
      x = x0;
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ batch: b, rate: (done * b) / elapsed }));
  tf.dispose([x0, onehot, lo, hi]);
  if (x !== x0) x.dispose();
}
graph.dispose();
model.dispose();
rmSync(dir, { recursive: true, force: true });
