/*
 * An ensemble of classifiers as one LoadedModel, so every attack runs against the whole ensemble.
 * mean-probability: p = (1/n) sum_i softmax(z_i); the ensemble's logits are log p, so softmax(log p) = p
 *   exactly and input gradients flow through the average (no member is attacked on its own).
 * majority-vote: the label is the class most members predict, ties going to the higher mean probability.
 *   A vote has no gradient, so the logits are log(v + VOTE_TIE_WEIGHT * p) with v the vote shares: the
 *   label and confidence follow the vote, and attacks follow the gradient of the mean probability (scaled
 *   down by VOTE_TIE_WEIGHT; sign- and normalised-step attacks are unaffected by the scale).
 */
import * as tf from "@tensorflow/tfjs";
import type { LoadedModel } from "./model";

export type EnsembleCombine = "mean-probability" | "majority-vote";
export const VOTE_TIE_WEIGHT = 1e-3;

export function ensembleModel(members: LoadedModel[], combine: EnsembleCombine = "mean-probability"): LoadedModel {
  if (members.length === 0) throw new Error("an ensemble needs at least one member");
  const [first] = members;
  for (const [i, m] of members.entries()) {
    if (m.numClasses !== first.numClasses) throw new Error(`ensemble member ${i + 1} has ${m.numClasses} classes; member 1 has ${first.numClasses}`);
    if (m.inputShape.join(",") !== first.inputShape.join(",")) throw new Error(`ensemble member ${i + 1} takes [${m.inputShape.join(", ")}]; member 1 takes [${first.inputShape.join(", ")}]`);
  }
  const n = members.length;
  const meanProbs = (x: tf.Tensor) => tf.div(tf.addN(members.map((m) => tf.softmax(m.logits(x)))), n) as tf.Tensor2D;
  const logits = (x: tf.Tensor): tf.Tensor2D => tf.tidy(() => {
    const p = meanProbs(x);
    if (combine === "mean-probability") return tf.log(tf.maximum(p, 1e-30)) as tf.Tensor2D;
    const k = first.numClasses;
    const votes = tf.div(tf.addN(members.map((m) => tf.oneHot(tf.argMax(m.logits(x), 1), k).toFloat())), n);
    return tf.log(tf.add(votes, tf.mul(p, VOTE_TIE_WEIGHT))) as tf.Tensor2D;
  });
  return {
    inputShape: first.inputShape,
    numClasses: first.numClasses,
    droppedSoftmax: members.some((m) => m.droppedSoftmax),
    layerTypes: [`Ensemble(${combine}, ${n})`, ...members.flatMap((m) => m.layerTypes)],
    logits,
    predictProbs: (x) => tf.tidy(() => tf.softmax(logits(x))),
    // Members are owned by whoever loaded them (they may be shared with other evaluations).
    dispose: () => {},
  };
}
