import * as tf from "@tensorflow/tfjs";
import { EngineCardSchema, preprocessingOf, type EngineCard } from "./card";
import type { LoadedModel } from "./model";
import { attackId, AttackSpecSchema, type AttackSpec } from "./suite";
import { type AttackContext, crossEntropy, exampleSize, logitsOf, oneHotOf } from "./attacks/common";
import { attackStream, runAttack } from "./attacks";

/*
 * One attack on one example, as the browser explorer runs it. It builds the attack context and the random
 * stream exactly as runShard (shard.ts) does for a worker and calls the same runAttack, so for the same
 * model, example (with its dataset index), attack, budget and seed it returns the worker's adversarial
 * example (explore.test.ts compares them on the cpu backend). Pure TF.js: bundled for the browser.
 */

/** The attacks the explorer offers: FGSM and PGD, L∞ or L2. */
export type ExploreAttack = Extract<AttackSpec, { kind: "fgsm" | "pgd" }>;

export interface ExploreInput {
  model: LoadedModel;
  card: EngineCard;
  /** One input in the card's value range, row-major in the card's input shape. */
  x: Float32Array;
  /** The class the attack moves away from. */
  label: number;
  /** The example's dataset index: keys its randomness as in an evaluation (0 for a drawn or uploaded input). */
  index: number;
  attack: ExploreAttack;
  eps: number;
  seed: number;
  /** Loss at every PGD iterate (restart, step). */
  onIterate?: (restart: number, step: number, loss: number) => void;
}

export interface ExploreResult {
  attackId: string;
  xAdv: Float32Array;
  /** Class probabilities of the clean and the adversarial input. */
  before: Float32Array;
  after: Float32Array;
  cleanPred: number;
  advPred: number;
  /** advPred differs from the label. */
  success: boolean;
  linf: number;
  l2: number;
  /** Cross-entropy of the adversarial input against the label (what the worker records as `loss`). */
  loss: number;
  queries: number;
  /** The attack's loss trace at its checkpoints (what the worker records as `lossTrace`). */
  lossTrace: number[];
}

function argMax(p: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

/** Runs the attack on one example; throws with a message naming the argument when the input does not fit the card. */
export async function exploreAttack(input: ExploreInput): Promise<ExploreResult> {
  const card = EngineCardSchema.parse(input.card);
  const parsed = AttackSpecSchema.parse(input.attack);
  if (parsed.kind !== "fgsm" && parsed.kind !== "pgd") throw new Error(`attack ${parsed.kind} is not offered by the explorer (FGSM and PGD are)`);
  const spec: ExploreAttack = parsed;
  const { model, x, label, eps } = input;
  const shape = card.inputShape;
  const d = exampleSize(shape);
  if (x.length !== d) throw new Error(`x has ${x.length} values; one input of shape [${shape.join(",")}] needs ${d}`);
  const { min, max } = card.inputRange;
  for (const v of x) if (!(v >= min - 1e-6 && v <= max + 1e-6)) throw new Error(`x has value ${v} outside the card's range ${min}..${max}`);
  if (!Number.isInteger(label) || label < 0 || label >= model.numClasses) throw new Error(`label ${label} is not a class index (0..${model.numClasses - 1})`);
  if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`eps must be a positive number, not ${eps}`);

  const { scale, offset } = preprocessingOf(card);
  const ctx: AttackContext = { model, scale, offset, range: card.inputRange, inputShape: shape, numClasses: model.numClasses };
  const id = attackId(spec);
  const labels = Int32Array.of(label);
  const xT = tf.tensor(x, [1, ...shape]);
  try {
    const out = await runAttack(spec, { ctx, x: xT, labels, indices: [input.index], eps, seed: input.seed, stream: attackStream(id, spec.norm, eps) },
      input.onIterate ? (r, k, l) => input.onIterate!(r, k, l[0]) : undefined);
    const [probs, lossT, delta] = tf.tidy(() => {
      const z = logitsOf(ctx, tf.concat([xT, out.xAdv], 0));
      const oh = oneHotOf(Int32Array.of(label, label), model.numClasses);
      const dl = tf.reshape(tf.sub(out.xAdv, xT), [-1]);
      return [tf.softmax(z), crossEntropy(z, oh), tf.stack([tf.max(tf.abs(dl)), tf.sqrt(tf.sum(tf.square(dl)))])];
    });
    const [p, l, n, adv] = await Promise.all([probs.data(), lossT.data(), delta.data(), out.xAdv.data()]);
    probs.dispose(); lossT.dispose(); delta.dispose(); out.xAdv.dispose();
    const k = model.numClasses;
    const before = Float32Array.from(p.subarray(0, k));
    const after = Float32Array.from(p.subarray(k, 2 * k));
    const advPred = argMax(after);
    return {
      attackId: id, xAdv: Float32Array.from(adv as Float32Array), before, after, cleanPred: argMax(before), advPred, success: advPred !== label,
      linf: n[0], l2: n[1], loss: l[1], queries: out.queries[0], lossTrace: out.lossTrace ? Array.from(out.lossTrace[0]) : [],
    };
  } finally {
    xT.dispose();
  }
}
