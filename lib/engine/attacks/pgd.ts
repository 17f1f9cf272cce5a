import * as tf from "@tensorflow/tfjs";
import {
  type AttackBatch, type AttackBatchOutput, type LossFn, type Norm,
  ascentDirection, crossEntropyLoss, exampleRngs, gatherRows, linfBounds, logitsOf, lossAndGrad, readIterate,
  oneHotOf, project, randomStartDelta, scatterRows, selectRows, traceCheckpoints,
} from "./common";

export interface PgdOptions {
  norm: Norm;
  steps: number;
  restarts: number;
  /** Absolute step size; default 2.5 * eps / steps (Madry et al.), enough to cross the ball from any start. */
  stepSize?: number;
  randomStart: boolean;
  /** Called with every iterate's per-row loss (restart, step 0..steps); read-only, it changes nothing (the explorer plots it). */
  onIterate?: IterateObserver;
}

export type IterateObserver = (restart: number, step: number, loss: ArrayLike<number>) => void;

/** Result of one run over a set of rows, merged into the batch result by the caller. */
export interface RunResult {
  best: tf.Tensor;
  success: Uint8Array;
  bestLoss: Float64Array;
  trace: Float32Array[];
  queries: Int32Array;
}

/** A run's result before its first step: the start point, nothing broken, and a loss trace with `checkpoints` entries per row. */
export function startRun(start: tf.Tensor, n: number, checkpoints: number): RunResult {
  return {
    best: start.clone(),
    success: new Uint8Array(n),
    bestLoss: new Float64Array(n).fill(-Infinity),
    trace: Array.from({ length: n }, () => new Float32Array(checkpoints)),
    queries: new Int32Array(n),
  };
}

/**
 * Merge one run into the batch state: a row that broke keeps its first success; otherwise the run
 * with the highest loss wins. Returns the new best tensor (old one disposed).
 */
export function mergeRun(
  state: { best: tf.Tensor; success: Uint8Array; bestLoss: Float64Array; trace: Float32Array[]; queries: Int32Array },
  rows: number[],
  run: RunResult,
): void {
  const take: number[] = [];
  const takeLocal: number[] = [];
  rows.forEach((g, i) => {
    state.queries[g] += run.queries[i];
    if (state.success[g]) return;
    if (run.success[i] || run.bestLoss[i] > state.bestLoss[g]) {
      take.push(g);
      takeLocal.push(i);
      state.success[g] = run.success[i];
      state.bestLoss[g] = run.bestLoss[i];
      state.trace[g] = run.trace[i];
    }
  });
  if (take.length > 0) {
    const vals = gatherRows(run.best, takeLocal);
    const next = scatterRows(state.best, take, vals);
    vals.dispose();
    state.best.dispose();
    state.best = next;
  }
  run.best.dispose();
}

/** The batch's best so far: each row's first breaking point, else its highest-loss point over the runs. */
export type RunState = RunResult;

/** One restart: the rows of the batch not yet broken, their clean inputs and their labels. */
export interface RestartRows {
  r: number;
  rows: number[];
  x0: tf.Tensor;
  labels: Int32Array;
}

/**
 * Restarts for PGD and APGD: up to `runs` runs, each on the rows no earlier run broke, merged into the batch
 * state (mergeRun). `attempt` runs one restart; its rows' clean inputs are disposed here.
 */
export async function runRestarts(batch: AttackBatch, runs: number, attempt: (restart: RestartRows) => Promise<RunResult>): Promise<RunState> {
  const b = batch.labels.length;
  const state: RunState = {
    best: batch.x.clone(),
    success: new Uint8Array(b),
    bestLoss: new Float64Array(b).fill(-Infinity),
    trace: Array.from({ length: b }, () => new Float32Array(0)),
    queries: new Int32Array(b),
  };
  for (let r = 0; r < runs; r++) {
    const rows: number[] = [];
    for (let i = 0; i < b; i++) if (!state.success[i]) rows.push(i);
    if (rows.length === 0) break;
    const x0 = gatherRows(batch.x, rows);
    const labels = Int32Array.from(rows, (i) => batch.labels[i]);
    let run: RunResult;
    try {
      run = await attempt({ r, rows, x0, labels });
    } finally {
      x0.dispose();
    }
    mergeRun(state, rows, run);
  }
  return state;
}

/** A uniform random start inside the eps-ball around x0, from per-example streams keyed by the restart. */
export function randomStart(norm: Norm, batch: AttackBatch, restart: RestartRows): tf.Tensor {
  const rngs = exampleRngs({ seed: batch.seed, stream: batch.stream, indices: restart.rows.map((i) => batch.indices[i]) }, `|r${restart.r}`);
  const delta = randomStartDelta(norm, rngs, batch.x.shape.slice(1), batch.eps);
  const start = tf.tidy(() => project(norm, tf.add(restart.x0, delta), restart.x0, batch.eps, batch.ctx.range));
  delta.dispose();
  return start;
}

/** One PGD run (one restart) on the given rows. */
async function pgdRun(x0: tf.Tensor, labels: Int32Array, batch: AttackBatch, opts: PgdOptions, start: tf.Tensor, restart: number): Promise<RunResult> {
  const { ctx, eps } = batch;
  const n = labels.length;
  const alpha = opts.stepSize ?? (2.5 * eps) / Math.max(1, opts.steps);
  const oneHot = oneHotOf(labels, ctx.numClasses);
  const loss: LossFn = crossEntropyLoss(oneHot);
  const bounds = opts.norm === "linf" ? linfBounds(x0, eps, ctx.range) : undefined;
  const checkpoints = traceCheckpoints(opts.steps);
  const result = startRun(start, n, checkpoints.length);
  let xk = start.clone();
  for (let k = 0; k <= opts.steps; k++) {
    // The last iterate only needs a forward pass.
    // L∞: the graph step can return the update too (the same ops; eager otherwise).
    const out = k < opts.steps ? lossAndGrad(ctx, xk, loss, bounds ? { lo: bounds.lo, hi: bounds.hi, alpha } : undefined) : (() => {
      const logits = logitsOf(ctx, xk);
      return { logits, loss: tf.tidy(() => loss(logits)), grad: null as tf.Tensor | null, graph: false, next: undefined as tf.Tensor | undefined };
    })();
    const { pred, losses: lossVals } = await readIterate(ctx, xk, out, labels, result.success);
    opts.onIterate?.(restart, k, lossVals);
    const take = new Uint8Array(n);
    const cp = checkpoints.indexOf(k);
    for (let i = 0; i < n; i++) {
      if (result.success[i]) continue;
      result.queries[i]++;
      if (cp >= 0) result.trace[i][cp] = lossVals[i];
      if (pred[i] !== labels[i]) {
        // Freeze at the first misclassified iterate; later trace checkpoints keep this loss.
        result.success[i] = 1;
        result.bestLoss[i] = lossVals[i];
        const from = cp >= 0 ? cp + 1 : checkpoints.findIndex((s) => s > k);
        if (from >= 0) result.trace[i].fill(lossVals[i], from);
        take[i] = 1;
      } else if (lossVals[i] > result.bestLoss[i]) {
        result.bestLoss[i] = lossVals[i];
        take[i] = 1;
      }
    }
    if (take.some((t) => t)) {
      const nb = selectRows(take, xk, result.best);
      result.best.dispose();
      result.best = nb;
    }
    const done = result.success.every((s) => s);
    if (k < opts.steps && !done) {
      const next = out.next ?? tf.tidy(() => project(opts.norm, tf.add(xk, tf.mul(ascentDirection(opts.norm, out.grad!), alpha)), x0, eps, ctx.range, bounds));
      xk.dispose();
      xk = next;
    } else out.next?.dispose();
    out.grad?.dispose();
    if (done) break;
  }
  xk.dispose();
  oneHot.dispose();
  bounds?.lo.dispose();
  bounds?.hi.dispose();
  return result;
}

/**
 * Projected gradient descent on the cross-entropy of the logits (Madry et al. 2018), Linf or L2.
 * Per example: the first misclassified iterate of the first restart that breaks it, else the highest-loss
 * iterate over all restarts. Restarts run only on the rows not yet broken.
 */
export async function pgdAttack(batch: AttackBatch, opts: PgdOptions): Promise<AttackBatchOutput> {
  const state = await runRestarts(batch, Math.max(1, opts.restarts), async (restart) => {
    const start = opts.randomStart ? randomStart(opts.norm, batch, restart) : restart.x0.clone();
    try {
      return await pgdRun(restart.x0, restart.labels, batch, opts, start, restart.r);
    } finally {
      start.dispose();
    }
  });
  return { xAdv: state.best, queries: state.queries, lossTrace: state.trace };
}
