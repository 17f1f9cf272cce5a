/*
 * The graph side of `npm run bench:engine -- --vs-pytorch --graph-step` (an experiment, not the engine): runs the
 * SavedModel written by scripts/bench-graph-step.py through tfjs-node, so the whole PGD-Linf step is one call into
 * libtensorflow instead of one call per op. Same weights, inputs and loop as scripts/bench-pytorch.py: attacks of
 * `steps` steps back to back from the clean inputs, for `seconds` per batch size.
 *
 *   node --import tsx scripts/bench-graph-step.ts <spec.json> <saved model folder> <check output>
 *
 * Prints JSON lines: {"graph": label}, then {"batch", "rate"} per batch size; writes the clean logits and input
 * gradients of the first checkBatch examples (float32, gradients channels last) for the parity check.
 */
import * as tf from "@tensorflow/tfjs-node";
import { readFileSync, writeFileSync } from "node:fs";

interface Spec {
  inputs: string;
  labels: string;
  inputShape: number[];
  range: { min: number; max: number };
  eps: number;
  steps: number;
  seconds: number;
  batches: number[];
  checkBatch: number;
  classes: number;
}

const [specPath, modelDir, checkOut] = process.argv.slice(2);
if (!specPath || !modelDir || !checkOut) throw new Error("usage: bench-graph-step.ts <spec.json> <saved model folder> <check output>");
const spec = JSON.parse(readFileSync(specPath, "utf8")) as Spec;
const pixels = spec.inputShape.reduce((a, b) => a * b, 1);
// A small file's Buffer is a view into Node's shared pool: copy out exactly its bytes.
const bytes = (path: string) => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const images = new Float32Array(bytes(spec.inputs));
const labels = new Int32Array(bytes(spec.labels));
const batchOf = (n: number) => ({
  x: tf.tensor(images.subarray(0, n * pixels), [n, ...spec.inputShape]),
  onehot: tf.oneHot(tf.tensor1d(labels.subarray(0, n), "int32"), spec.classes).toFloat(),
});

const check = await tf.node.loadSavedModel(modelDir, ["serve"], "check");
const step = await tf.node.loadSavedModel(modelDir, ["serve"], "step");
console.log(JSON.stringify({ graph: `native, whole step as one TensorFlow graph (tfjs-node ${tf.version["tfjs-node"]}; experiment)` }));

{
  const { x, onehot } = batchOf(spec.checkBatch);
  const out = check.predict({ x, onehot }) as tf.NamedTensorMap;
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
  const next = (x: tf.Tensor): tf.Tensor => (step.predict({ x, lo, hi, onehot }) as tf.NamedTensorMap).x!;
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
