import type { AttackSpec } from "../suite";
import type { AttackBatch, AttackBatchOutput, Norm } from "./common";
import { fgsmAttack } from "./fgsm";
import { pgdAttack, type IterateObserver } from "./pgd";
import { apgdAttack } from "./apgd";
import { squareAttack } from "./square";
import { noiseAttack } from "./noise";
import * as tf from "@tensorflow/tfjs";
import { squareQueryAttack, type BlackBoxBatch, type BlackBoxOutput } from "../blackbox/attacks";
import { hopSkipJump } from "../blackbox/hsj";
import { modelOracle } from "../blackbox/oracle";

export type { AttackBatch, AttackBatchOutput, AttackContext, Norm } from "./common";
export type { IterateObserver } from "./pgd";
export { fgsmAttack, pgdAttack, apgdAttack, squareAttack, noiseAttack };

/** The random stream of one attack at one budget: keys the per-example randomness of worker and explorer alike. */
export function attackStream(id: string, norm: Norm, eps: number): string {
  return `${id}|${norm}|${eps}`;
}

/** Run one attack of a suite on one batch at one epsilon; `onIterate` sees PGD's loss at every step (nothing else changes). */
export function runAttack(spec: AttackSpec, batch: AttackBatch, onIterate?: IterateObserver): Promise<AttackBatchOutput> {
  switch (spec.kind) {
    case "fgsm":
      return fgsmAttack(batch, { norm: spec.norm, targeted: spec.targeted });
    case "pgd":
      return pgdAttack(batch, {
        norm: spec.norm, steps: spec.steps, restarts: spec.restarts, randomStart: spec.randomStart,
        stepSize: spec.stepSize !== undefined ? spec.stepSize * batch.eps : undefined, onIterate,
      });
    case "apgd-ce":
      return apgdAttack(batch, { norm: spec.norm, steps: spec.steps, restarts: spec.restarts, loss: "ce" });
    case "apgd-dlr-t":
      return apgdAttack(batch, { norm: spec.norm, steps: spec.steps, restarts: spec.targets, loss: "dlr-targeted" });
    case "square":
      // Linf: the tensor implementation; L2: the query implementation (the same one endpoints get).
      if (spec.norm === "linf") return squareAttack(batch, { queries: spec.queries, pInit: spec.pInit });
      return viaOracle(batch, false, (b) => squareQueryAttack(b, { norm: spec.norm, queries: spec.queries, pInit: spec.pInit }));
    case "hop-skip-jump":
      return viaOracle(batch, true, (b) => hopSkipJump(b, { norm: spec.norm, queries: spec.queries }));
    case "noise":
      return noiseAttack(batch, { norm: spec.norm, distribution: spec.distribution, draws: spec.draws });
  }
}

/** Runs a query-only attack on a loaded model, seen through its outputs only (labels only when `labelOnly`). */
async function viaOracle(batch: AttackBatch, labelOnly: boolean, run: (b: BlackBoxBatch) => Promise<BlackBoxOutput>): Promise<AttackBatchOutput> {
  const x = Float32Array.from((await batch.x.data()) as Float32Array);
  const out = await run({
    oracle: modelOracle(batch.ctx, { labelOnly }), x, labels: batch.labels, indices: batch.indices, shape: batch.x.shape.slice(1),
    range: batch.ctx.range, eps: batch.eps, seed: batch.seed, stream: batch.stream,
  });
  return { xAdv: tf.tensor(out.xAdv, batch.x.shape), queries: out.queries, lossTrace: out.lossTrace };
}
