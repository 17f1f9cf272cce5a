import * as tf from "@tensorflow/tfjs";
import {
  type AttackBatch, type AttackBatchOutput, type Norm,
  ascentDirection, crossEntropyLoss, logitsOf, lossAndGrad, oneHotOf, project,
} from "./common";

export interface FgsmOptions {
  norm: Norm;
  /** Targeted: step towards the most likely wrong class (decreasing its cross-entropy). */
  targeted: boolean;
}

/** The most likely class other than the true label, from clean logits. */
export async function mostLikelyWrongClass(batch: AttackBatch): Promise<Int32Array> {
  const t = tf.tidy(() => {
    const z = logitsOf(batch.ctx, batch.x);
    const mask = oneHotOf(batch.labels, batch.ctx.numClasses);
    return tf.argMax(tf.sub(z, tf.mul(mask, 1e30)), 1);
  });
  const d = Int32Array.from(await t.data());
  t.dispose();
  return d;
}

/**
 * Fast gradient sign method (Goodfellow et al. 2015): x + eps * sign(grad CE(x, y)), clipped to the
 * range. Targeted: x - eps * sign(grad CE(x, t)). For L2 the step is eps * g / ||g||_2 (fast gradient method).
 */
export async function fgsmAttack(batch: AttackBatch, opts: FgsmOptions): Promise<AttackBatchOutput> {
  const { ctx, x, eps } = batch;
  const targets = opts.targeted ? await mostLikelyWrongClass(batch) : undefined;
  const oneHot = oneHotOf(targets ?? batch.labels, ctx.numClasses);
  const out = lossAndGrad(ctx, x, crossEntropyLoss(oneHot));
  const lossVals = await out.loss.data();
  const xAdv = tf.tidy(() => {
    const dir = ascentDirection(opts.norm, out.grad);
    return project(opts.norm, tf.add(x, tf.mul(dir, opts.targeted ? -eps : eps)), x, eps, ctx.range);
  });
  out.logits.dispose();
  out.loss.dispose();
  out.grad.dispose();
  oneHot.dispose();
  const b = batch.labels.length;
  return {
    xAdv,
    queries: new Int32Array(b).fill(1),
    lossTrace: Array.from({ length: b }, (_, i) => Float32Array.of(lossVals[i])),
    targets,
  };
}
