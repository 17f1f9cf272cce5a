import * as tf from "@tensorflow/tfjs";
import type { LoadedModel } from "./model";

// Inference cost of a model on the current backend: latency of one input and throughput of a batch.
// A measurement, not a test: numbers depend on the machine and its load, so they are recorded with the
// backend that produced them and never asserted.

export interface InferenceCost {
  backend: string;
  /** Median milliseconds for a batch of one. */
  latencyMs: number;
  /** Inputs per second at `batchSize`, median of the timed repeats. */
  throughputPerSecond: number;
  batchSize: number;
  repeats: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

async function timeForward(model: LoadedModel, x: tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const p = model.predictProbs(x);
  await p.data(); // wait for the backend to finish, not just to enqueue
  p.dispose();
  return performance.now() - t0;
}

/** Forward passes on zero inputs after warm-up runs (first calls compile kernels and allocate). */
export async function measureInference(model: LoadedModel, opts: { batchSize?: number; repeats?: number; warmup?: number } = {}): Promise<InferenceCost> {
  const batchSize = opts.batchSize ?? 64, repeats = opts.repeats ?? 10, warmup = opts.warmup ?? 3;
  const one = tf.zeros([1, ...model.inputShape]);
  const batch = tf.zeros([batchSize, ...model.inputShape]);
  try {
    for (let i = 0; i < warmup; i++) { await timeForward(model, one); await timeForward(model, batch); }
    const single: number[] = [], many: number[] = [];
    for (let i = 0; i < repeats; i++) { single.push(await timeForward(model, one)); many.push(await timeForward(model, batch)); }
    return { backend: tf.getBackend(), latencyMs: median(single), throughputPerSecond: batchSize / (median(many) / 1000), batchSize, repeats };
  } finally {
    one.dispose();
    batch.dispose();
  }
}
