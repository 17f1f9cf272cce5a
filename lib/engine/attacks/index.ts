import type { AttackSpec } from "../suite";
import type { AttackBatch, AttackBatchOutput } from "./common";
import { fgsmAttack } from "./fgsm";
import { pgdAttack } from "./pgd";
import { apgdAttack } from "./apgd";
import { squareAttack } from "./square";
import { noiseAttack } from "./noise";

export type { AttackBatch, AttackBatchOutput, AttackContext, Norm } from "./common";
export { fgsmAttack, pgdAttack, apgdAttack, squareAttack, noiseAttack };

/** Run one attack of a suite on one batch at one epsilon. */
export function runAttack(spec: AttackSpec, batch: AttackBatch): Promise<AttackBatchOutput> {
  switch (spec.kind) {
    case "fgsm":
      return fgsmAttack(batch, { norm: spec.norm, targeted: spec.targeted });
    case "pgd":
      return pgdAttack(batch, {
        norm: spec.norm, steps: spec.steps, restarts: spec.restarts, randomStart: spec.randomStart,
        stepSize: spec.stepSize !== undefined ? spec.stepSize * batch.eps : undefined,
      });
    case "apgd-ce":
      return apgdAttack(batch, { norm: spec.norm, steps: spec.steps, restarts: spec.restarts, loss: "ce" });
    case "apgd-dlr-t":
      return apgdAttack(batch, { norm: spec.norm, steps: spec.steps, restarts: spec.targets, loss: "dlr-targeted" });
    case "square":
      return squareAttack(batch, { queries: spec.queries, pInit: spec.pInit });
    case "noise":
      return noiseAttack(batch, { norm: spec.norm, distribution: spec.distribution, draws: spec.draws });
  }
}
