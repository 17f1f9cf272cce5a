import * as tf from "@tensorflow/tfjs";
import {
  type AttackBatch, type AttackBatchOutput, type LossFn, type Norm,
  ascentDirection, crossEntropyLoss, linfBounds, logitsOf, lossAndGrad, readIterate,
  oneHotOf, project, selectRows, traceCheckpoints,
} from "./common";
import { randomStart, runRestarts, startRun, type RunResult } from "./pgd";

export interface ApgdOptions {
  norm: Norm;
  steps: number;
  /** APGD-CE: random restarts. APGD-DLR-T: number of target classes (the 2nd..(n+1)th most likely). */
  restarts: number;
  loss: "ce" | "dlr-targeted";
}

/** Momentum weight and the checkpoint rule's fraction (Croce & Hein 2020, Sec. 3). */
const ALPHA = 0.75;
const RHO = 0.75;

/**
 * Targeted DLR loss (to maximise): -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4)/2 + 1e-12), pi = logits sorted
 * descending. Gradient given in closed form: the sort is piecewise constant, so d z_pi_k / dz = e_pi_k.
 * With fewer than 4 classes the denominator is 1 (plain margin), as the ratio is undefined.
 */
function dlrTargeted(yOneHot: tf.Tensor2D, tOneHot: tf.Tensor2D): LossFn {
  const f = tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
    const logits = z as tf.Tensor2D;
    const k = logits.shape[1];
    const { denom, sortMask } = tf.tidy(() => {
      if (k < 4) return { denom: tf.onesLike(tf.sum(logits, 1)), sortMask: tf.zerosLike(logits) };
      const { indices } = tf.topk(logits, 4);
      const oh = (j: number) => tf.oneHot(tf.squeeze(tf.slice(indices, [0, j], [-1, 1]), [1]), k).toFloat();
      const m = tf.sub(oh(0), tf.mul(tf.add(oh(2), oh(3)), 0.5)) as tf.Tensor2D;
      return { denom: tf.add(tf.sum(tf.mul(logits, m), 1), 1e-12), sortMask: m };
    });
    const diff = tf.sum(tf.mul(logits, tf.sub(yOneHot, tOneHot)), 1);
    const value = tf.neg(tf.div(diff, denom));
    // Forward intermediates are freed after this function: keep what the gradient needs via save().
    save([denom, sortMask, diff]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [den, mask, df] = saved;
      // dL/dz = -(e_y - e_t)/D + (z_y - z_t)/D^2 * (e_pi1 - (e_pi3 + e_pi4)/2)
      const dyCol = tf.reshape(dy, [-1, 1]);
      const dcol = tf.reshape(den, [-1, 1]);
      const a = tf.neg(tf.div(tf.sub(yOneHot, tOneHot), dcol));
      const bterm = tf.mul(tf.div(tf.reshape(df, [-1, 1]), tf.square(dcol)), mask);
      return tf.mul(dyCol, tf.add(a, bterm));
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (z) => f(z) as tf.Tensor1D;
}

/** AutoAttack's integer checkpoint schedule: first after 22% of the steps, then gaps shrinking by 3% to 6%. */
export function apgdCheckpoints(steps: number): number[] {
  const first = Math.max(Math.floor(0.22 * steps), 1);
  const minGap = Math.max(Math.floor(0.06 * steps), 1);
  const decr = Math.max(Math.floor(0.03 * steps), 1);
  const out: number[] = [];
  let gap = first;
  let at = first;
  while (at < steps) {
    out.push(at);
    gap = Math.max(gap - decr, minGap);
    at += gap;
  }
  return out;
}

async function apgdRun(x0: tf.Tensor, labels: Int32Array, targets: Int32Array | null, batch: AttackBatch,
  opts: ApgdOptions, start: tf.Tensor): Promise<RunResult> {
  const { ctx, eps } = batch;
  const n = labels.length;
  const yOneHot = oneHotOf(labels, ctx.numClasses);
  const tOneHot = targets ? oneHotOf(targets, ctx.numClasses) : null;
  const loss: LossFn = tOneHot ? dlrTargeted(yOneHot, tOneHot) : crossEntropyLoss(yOneHot);
  const bounds = opts.norm === "linf" ? linfBounds(x0, eps, ctx.range) : undefined;
  const proj = (v: tf.Tensor) => project(opts.norm, v, x0, eps, ctx.range, bounds);
  const traceAt = traceCheckpoints(opts.steps);
  const checks = new Set(apgdCheckpoints(opts.steps));
  const res = startRun(start, n, traceAt.length);
  // Per-example step size, starting at 2 eps; history of the current loss for the oscillation test.
  const eta = new Float32Array(n).fill(2 * eps);
  const lossHist: Float64Array[] = Array.from({ length: n }, () => new Float64Array(opts.steps + 1));
  const reducedLast = new Uint8Array(n);
  const bestAtLastCheck = new Float64Array(n).fill(-Infinity);
  let lastCheck = 0;
  let xk = start.clone();
  let xPrev = start.clone();
  let gradBest: tf.Tensor = tf.zerosLike(start);
  let xBestLoss = start.clone(); // highest-loss point (restart point), distinct from the returned example
  for (let k = 0; k <= opts.steps; k++) {
    const out = lossAndGrad(ctx, xk, loss);
    const { pred, losses: lv } = await readIterate(ctx, xk, out, labels, res.success);
    const improved = new Uint8Array(n);
    const take = new Uint8Array(n);
    const cp = traceAt.indexOf(k);
    for (let i = 0; i < n; i++) {
      lossHist[i][k] = lv[i];
      if (lv[i] > res.bestLoss[i]) improved[i] = 1;
      if (res.success[i]) continue;
      res.queries[i]++;
      if (cp >= 0) res.trace[i][cp] = lv[i];
      if (pred[i] !== labels[i]) {
        res.success[i] = 1;
        take[i] = 1;
        const from = cp >= 0 ? cp + 1 : traceAt.findIndex((s) => s > k);
        if (from >= 0) res.trace[i].fill(lv[i], from);
      } else if (improved[i]) {
        take[i] = 1;
      }
    }
    // Track the best loss for every row (restart point), and the kept example for rows not yet broken.
    for (let i = 0; i < n; i++) if (improved[i]) res.bestLoss[i] = lv[i];
    if (k === 0) bestAtLastCheck.set(res.bestLoss); // as AutoAttack: the first checkpoint compares with the start
    const nb = selectRows(take, xk, res.best);
    const nxb = selectRows(improved, xk, xBestLoss);
    const ngb = selectRows(improved, out.grad, gradBest);
    res.best.dispose(); xBestLoss.dispose(); gradBest.dispose();
    res.best = nb; xBestLoss = nxb; gradBest = ngb;
    const done = res.success.every((s) => s);
    if (k === opts.steps || done) {
      out.grad.dispose();
      break;
    }
    let grad = out.grad;
    let restartRows: Uint8Array | null = null;
    if (checks.has(k)) {
      // Halve the step and restart from the best point when (1) the loss increased in fewer than
      // rho of the steps since the last checkpoint, or (2) neither the step nor the best loss changed.
      const span = k - lastCheck;
      restartRows = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        let inc = 0;
        for (let j = lastCheck; j < k; j++) if (lossHist[i][j + 1] > lossHist[i][j]) inc++;
        const cond1 = inc < RHO * span;
        const cond2 = !reducedLast[i] && bestAtLastCheck[i] >= res.bestLoss[i];
        restartRows[i] = cond1 || cond2 ? 1 : 0;
        reducedLast[i] = restartRows[i];
        bestAtLastCheck[i] = res.bestLoss[i];
        if (restartRows[i]) eta[i] /= 2;
      }
      lastCheck = k;
    }
    const etaT = tf.tensor(eta, [n, ...new Array(xk.rank - 1).fill(1)]);
    let base = xk;
    if (restartRows && restartRows.some((r) => r)) {
      base = selectRows(restartRows, xBestLoss, xk);
      grad = selectRows(restartRows, gradBest, out.grad);
    }
    const next = tf.tidy(() => {
      const z = proj(tf.add(base, tf.mul(ascentDirection(opts.norm, grad), etaT)));
      if (k === 0) return z;
      // x_{k+1} = P(x_k + alpha (z - x_k) + (1 - alpha)(x_k - x_{k-1}))
      return proj(tf.add(base, tf.add(tf.mul(tf.sub(z, base), ALPHA), tf.mul(tf.sub(base, xPrev), 1 - ALPHA))));
    });
    etaT.dispose();
    if (grad !== out.grad) grad.dispose();
    out.grad.dispose();
    xPrev.dispose();
    xPrev = base === xk ? xk : (xk.dispose(), base);
    xk = next;
  }
  xk.dispose();
  xPrev.dispose();
  gradBest.dispose();
  xBestLoss.dispose();
  yOneHot.dispose();
  tOneHot?.dispose();
  bounds?.lo.dispose();
  bounds?.hi.dispose();
  return res;
}

/** Classes ranked 2nd..(n+1)th by the clean logits: the targets of APGD-DLR-T. */
async function rankedTargets(batch: AttackBatch, count: number): Promise<Int32Array[]> {
  const k = Math.min(count + 1, batch.ctx.numClasses);
  const idxT = tf.tidy(() => tf.topk(logitsOf(batch.ctx, batch.x), k).indices);
  const idx = await idxT.data();
  idxT.dispose();
  const b = batch.labels.length;
  const out: Int32Array[] = [];
  for (let t = 1; t < k; t++) out.push(Int32Array.from({ length: b }, (_, i) => idx[i * k + t]));
  return out;
}

/**
 * Auto-PGD (Croce & Hein 2020): step size 2 eps halved at checkpoints, momentum 0.75, restart from the
 * best point. APGD-CE maximises cross-entropy; APGD-DLR-T maximises the targeted DLR loss for each of the
 * top-ranked wrong classes in turn. Random start inside the ball for every run.
 */
export async function apgdAttack(batch: AttackBatch, opts: ApgdOptions): Promise<AttackBatchOutput> {
  const b = batch.labels.length;
  const runs = Math.max(1, opts.restarts);
  const targetLists = opts.loss === "dlr-targeted" ? await rankedTargets(batch, runs) : null;
  let targetsUsed: Int32Array | undefined;
  const state = await runRestarts(batch, targetLists ? targetLists.length : runs, async (restart) => {
    const { r, rows } = restart;
    const targets = targetLists ? Int32Array.from(rows, (i) => targetLists[r][i]) : null;
    const start = randomStart(opts.norm, batch, restart);
    let run: RunResult;
    try {
      run = await apgdRun(restart.x0, restart.labels, targets, batch, opts, start);
    } finally {
      start.dispose();
    }
    if (targetLists) {
      targetsUsed ??= new Int32Array(b).fill(-1);
      rows.forEach((g, i) => { if (run.success[i] || targetsUsed![g] < 0) targetsUsed![g] = targets![i]; });
    }
    return run;
  });
  return { xAdv: state.best, queries: state.queries, lossTrace: state.trace, targets: targetsUsed };
}
