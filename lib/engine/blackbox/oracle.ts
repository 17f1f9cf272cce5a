import * as tf from "@tensorflow/tfjs";
import { logitsOf, type AttackContext } from "../attacks/common";
import type { EndpointModel } from "../endpoint";

// What a black-box attack may ask of a model: classify these inputs. Nothing else (no gradients, no
// weights). Every row sent is one query; the attacks count them per example against their budget.

export interface OracleAnswer {
  /** rows × classes class scores, or null when the model gives labels only. */
  scores: Float64Array | null;
  labels: Int32Array;
}

export interface Oracle {
  readonly numClasses: number;
  readonly outputKind: "scores" | "label";
  /** Classifies `rows` inputs given flat (rows × example size), in the card's raw value range. */
  query(x: Float32Array, rows: number): Promise<OracleAnswer>;
}

/** An HTTP endpoint as an oracle. */
export function endpointOracle(model: EndpointModel): Oracle {
  const d = model.exampleSize;
  return {
    numClasses: model.numClasses,
    outputKind: model.outputKind,
    async query(x, rows) {
      const examples = Array.from({ length: rows }, (_, i) => x.slice(i * d, (i + 1) * d));
      const a = await model.classify(examples);
      const k = model.numClasses;
      let scores: Float64Array | null = null;
      if (a.scores) {
        scores = new Float64Array(rows * k);
        a.scores.forEach((s, i) => scores!.set(s, i * k));
      }
      return { scores, labels: Int32Array.from(a.labels) };
    },
  };
}

/**
 * A loaded TensorFlow.js model seen only through its outputs: the same black-box algorithms run on weights
 * we hold, e.g. to compare an endpoint with the model it claims to serve. `labelOnly` hides the scores.
 */
export function modelOracle(ctx: AttackContext, opts: { labelOnly?: boolean } = {}): Oracle & { queries: number } {
  const o = {
    queries: 0,
    numClasses: ctx.numClasses,
    outputKind: (opts.labelOnly ? "label" : "scores") as "scores" | "label",
    async query(x: Float32Array, rows: number): Promise<OracleAnswer> {
      o.queries += rows;
      const z = tf.tidy(() => logitsOf(ctx, tf.tensor(x, [rows, ...ctx.inputShape])));
      const data = await z.data();
      z.dispose();
      const k = ctx.numClasses;
      const labels = new Int32Array(rows);
      for (let i = 0; i < rows; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (data[i * k + j] > data[i * k + best]) best = j;
        labels[i] = best;
      }
      return { scores: opts.labelOnly ? null : Float64Array.from(data), labels };
    },
  };
  return o;
}

/** Margin s_y − max_{j≠y} s_j of each row (negative = misclassified). */
export function marginsOf(scores: Float64Array, labels: ArrayLike<number>, k: number): Float64Array {
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== y && scores[i * k + j] > other) other = scores[i * k + j];
    out[i] = scores[i * k + y] - other;
  }
  return out;
}
