/*
 * Times one attack step's forward + cross-entropy + input gradient on an ONNX fixture, eager (lossAndGrad through
 * the executor, one tfjs-node call per op) against the same step as one TensorFlow graph (onnxStepGraphOf), in one
 * process on the same inputs, steps interleaved. Prints the median of `steps` timed steps of each per batch size,
 * after two warm-up steps.
 *
 *   node --import tsx scripts/bench-onnx-step-graph.ts [fixture=resnet8-cifar] [steps=15] [batches=32,128]
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initEngineBackend } from "@/lib/engine/backend";
import { crossEntropy, lossAndGrad, oneHotOf } from "@/lib/engine/attacks/common";
import { onnxStepGraphOf } from "@/lib/engine/graph/onnx-step-graph";
import { loadOnnxModel } from "@/lib/engine/onnx/executor";
import { createRng } from "@/lib/engine/rng";
import { contextFor } from "@/lib/engine/testing";

const [name = "resnet8-cifar", stepsArg = "15", batchesArg = "32,128"] = process.argv.slice(2);
const steps = Number(stepsArg);
const dir = join(process.cwd(), "test", "fixtures", "onnx");
await initEngineBackend("tensorflow");
const tfn = await import("@tensorflow/tfjs-node");
const { card } = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
const model = await loadOnnxModel({ onnx: new Uint8Array(readFileSync(join(dir, `${name}.onnx`))) }, card);
const bytes = onnxStepGraphOf(model, card);
if (!bytes) throw new Error(`${name}: not covered by the graph writer`);
const out = mkdtempSync(join(tmpdir(), "bench-onnx-step-"));
writeFileSync(join(out, "saved_model.pb"), bytes);
const graph = await tfn.node.loadSavedModel(out, ["serve"], "step");
const ctx = contextFor(model, card);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
/** Milliseconds of one step, waiting for its last output. */
async function once(step: () => tf.Tensor[]): Promise<number> {
  const t0 = performance.now();
  const ts = step();
  await ts[ts.length - 1]!.data();
  const ms = performance.now() - t0;
  tf.dispose(ts);
  return ms;
}
/** Medians of `steps` steps of each, interleaved so that other load on the machine hits both alike. */
async function time(a: () => tf.Tensor[], b: () => tf.Tensor[]): Promise<[number, number]> {
  const ta: number[] = [], tb: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const [x, y] = [await once(a), await once(b)];
    if (i >= 2) { ta.push(x); tb.push(y); }
  }
  return [median(ta), median(tb)];
}

for (const b of batchesArg.split(",").map(Number)) {
  const rng = createRng(1, 0, "bench-onnx-step");
  const size = card.inputShape.reduce((p: number, q: number) => p * q, 1);
  const x = tf.tensor(Float32Array.from({ length: b * size }, () => rng.next()), [b, ...card.inputShape]);
  const onehot = oneHotOf(Int32Array.from({ length: b }, () => Math.floor(rng.next() * model.numClasses)), model.numClasses);
  const [eager, graphMs] = await time(
    () => { const r = lossAndGrad(ctx, x, (z) => crossEntropy(z, onehot)); return [r.logits, r.loss, r.grad]; },
    () => { const r = graph.predict({ x, onehot }) as tf.NamedTensorMap; return [r.logits!, r.loss!, r.grad!]; },
  );
  console.log(JSON.stringify({ model: name, batch: b, steps, eagerMs: +eager.toFixed(1), graphMs: +graphMs.toFixed(1), speedup: +(eager / graphMs).toFixed(2) }));
  tf.dispose([x, onehot]);
}
graph.dispose();
model.dispose();
rmSync(out, { recursive: true, force: true });
