import * as tf from "@tensorflow/tfjs";
import type { LoadedModel } from "../engine/model";

// Attack-pattern signal on raw production samples. Inputs crafted to fool a model with a small
// perturbation sit next to a decision boundary; natural inputs of a well-trained model mostly do not.
// So: take one tiny signed-gradient step (1% of the value range, L∞) against each input's own predicted
// class and count the inputs whose prediction flips or whose top-1 margin (largest minus second-largest
// probability) falls below 0.1. Pure: a model and tensors in, figures out.

/** Step size as a fraction of the input value range. */
export const TINY_STEP = 0.01;
/** Margin (difference of the two largest probabilities) under which an input counts as near a boundary. */
export const LOW_MARGIN = 0.1;

export interface NearBoundary {
  tested: number;
  flagged: number;
  share: number;
}

/**
 * x: `n` raw inputs of `shape` in [range.min, range.max]; the model's preprocessing (raw × scale + offset)
 * is applied before it sees them, as at evaluation.
 */
export function nearBoundaryShare(model: LoadedModel, x: Float32Array, n: number, range: { min: number; max: number }, pre: { scale: number; offset: number } = { scale: 1, offset: 0 }): NearBoundary {
  const size = model.inputShape.reduce((a, b) => a * b, 1);
  if (x.length !== n * size) throw new Error(`nearBoundaryShare: x has ${x.length} values, expected ${n} × ${size}`);
  if (n === 0) return { tested: 0, flagged: 0, share: 0 };
  const eps = TINY_STEP * (range.max - range.min);
  const flags = tf.tidy(() => {
    const raw = tf.tensor(x, [n, ...model.inputShape]);
    const toModel = (r: tf.Tensor) => r.mul(pre.scale).add(pre.offset);
    const pred = model.logits(toModel(raw)).argMax(1);
    const target = tf.oneHot(pred, model.numClasses);
    const grad = tf.grad((r: tf.Tensor) => tf.losses.softmaxCrossEntropy(target, model.logits(toModel(r))))(raw);
    const stepped = raw.add(grad.sign().mul(eps)).clipByValue(range.min, range.max);
    const probs = tf.softmax(model.logits(toModel(stepped)));
    const { values, indices } = tf.topk(probs, 2);
    const margin = values.slice([0, 0], [n, 1]).sub(values.slice([0, 1], [n, 1])).reshape([n]);
    const flipped = indices.slice([0, 0], [n, 1]).reshape([n]).notEqual(pred);
    return tf.logicalOr(flipped, margin.less(LOW_MARGIN)).dataSync();
  });
  let flagged = 0;
  for (const f of flags) flagged += f ? 1 : 0;
  return { tested: n, flagged, share: flagged / n };
}
