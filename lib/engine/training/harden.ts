import * as tf from "@tensorflow/tfjs";
import type { InputRange } from "../card";
import { corruptBatch, type Corruption } from "../corruptions";
import { createRng } from "../rng";

/*
 * Adversarial fine-tuning (hardening) of a LayersModel whose final softmax was dropped (it yields logits).
 *   pgd-at   Madry et al. 2018: minimise the cross-entropy at the PGD-Linf worst case of each training example.
 *   trades   Zhang et al. 2019: CE(clean) + beta * KL(p(x) || p(x')), x' maximising that KL in the Linf ball.
 *   augment  the engine's common corruptions and Gaussian noise, one drawn per example.
 * Every random choice (epoch order, random starts, augmentations) comes from counter-based streams keyed by
 * (seed, epoch, example id), and the optimiser is our own Adam whose whole state is a few tensors and a step
 * count: an epoch's result depends only on the weights and Adam state it started from, so a run resumed from
 * an end-of-epoch checkpoint computes exactly what the uninterrupted run does (on the same backend).
 * The model runs with training=false: dropout stays off and batch-norm statistics frozen (deterministic).
 */

// The parameters live in a file without TensorFlow: the API, the forms and the OpenAPI document validate them.
export { HARDENING_METHODS, HardeningParamsSchema, type HardeningMethod, type HardeningParams } from "./harden-params";
import type { HardeningParams } from "./harden-params";

/** What the training loop needs of the model and its card. */
export interface TrainingModel {
  /** Yields logits (final softmax dropped); its trainable weights are updated in place. */
  net: tf.LayersModel;
  numClasses: number;
  range: InputRange;
  /** The card's preprocessing: the network sees x * scale + offset. */
  scale: number;
  offset: number;
}

/** Training examples in the model's raw input space; ids key the randomness. */
export interface TrainingSet {
  x: Float32Array;
  labels: Int32Array;
  /** One example's shape. */
  shape: number[];
  ids: number[];
}

/** Adam (Kingma & Ba) with its state explicit, so that a checkpoint restores it bit for bit. */
export interface AdamState {
  step: number;
  m: tf.Tensor[];
  v: tf.Tensor[];
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-7;

export function newAdamState(net: tf.LayersModel): AdamState {
  const vars = net.trainableWeights.map((w) => w.read());
  return { step: 0, m: vars.map((v) => tf.zerosLike(v)), v: vars.map((v) => tf.zerosLike(v)) };
}

export function disposeAdam(s: AdamState): void {
  tf.dispose([...s.m, ...s.v]);
}

function adamUpdate(net: tf.LayersModel, state: AdamState, grads: tf.Tensor[], lr: number): void {
  state.step += 1;
  // Bias corrections in float64 from the step count alone (nothing accumulated that a resume could round differently).
  const lrT = (lr * Math.sqrt(1 - Math.pow(BETA2, state.step))) / (1 - Math.pow(BETA1, state.step));
  net.trainableWeights.forEach((w, i) => {
    const g = grads[i];
    const m = tf.tidy(() => tf.add(tf.mul(state.m[i], BETA1), tf.mul(g, 1 - BETA1)));
    const v = tf.tidy(() => tf.add(tf.mul(state.v[i], BETA2), tf.mul(tf.square(g), 1 - BETA2)));
    tf.dispose([state.m[i], state.v[i]]);
    state.m[i] = m;
    state.v[i] = v;
    const variable = w.read() as tf.Variable;
    const next = tf.tidy(() => tf.sub(variable, tf.mul(tf.div(m, tf.add(tf.sqrt(v), ADAM_EPS)), lrT)));
    variable.assign(next);
    next.dispose();
  });
}

function logits(model: TrainingModel, x: tf.Tensor): tf.Tensor2D {
  const input = model.scale === 1 && model.offset === 0 ? x : tf.add(tf.mul(x, model.scale), model.offset);
  return model.net.apply(input, { training: false }) as tf.Tensor2D;
}

const ceMean = (z: tf.Tensor2D, oneHot: tf.Tensor2D) => tf.mean(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, oneHot), 1)));

/** KL(p || q) per batch, summed over examples, from log-probabilities. */
const klSum = (logP: tf.Tensor2D, logQ: tf.Tensor2D) => tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)));

/** Per-example uniform start in the Linf cube (pgd-at) or a small Gaussian (trades, as in the paper), from each id's stream. */
function startNoise(ids: number[], d: number, seed: number, epoch: number, stream: string, draw: (r: ReturnType<typeof createRng>) => number): Float32Array {
  const out = new Float32Array(ids.length * d);
  ids.forEach((id, b) => {
    const rng = createRng(seed, id, `harden|e${epoch}|${stream}`);
    for (let i = 0; i < d; i++) out[b * d + i] = draw(rng);
  });
  return out;
}

/**
 * The training attack on one batch: PGD-Linf on the cross-entropy (pgd-at) or on KL(p(x) || p(x')) (trades),
 * sign steps projected onto the eps ball within the value range. Returns x' (caller disposes).
 */
export function trainingAttack(model: TrainingModel, x: tf.Tensor, labels: Int32Array, ids: number[], p: HardeningParams, epoch: number): tf.Tensor {
  const d = x.size / labels.length;
  const alpha = p.stepSize ?? (2.5 * p.eps) / p.steps;
  const { min, max } = model.range;
  const trades = p.method === "trades";
  const noise = trades
    ? startNoise(ids, d, p.seed, epoch, "trades-start", (r) => 0.001 * (max - min) * r.normal())
    : startNoise(ids, d, p.seed, epoch, "pgd-start", (r) => (2 * r.next() - 1) * p.eps);
  return tf.tidy(() => {
    const lo = tf.maximum(tf.sub(x, p.eps), min);
    const hi = tf.minimum(tf.add(x, p.eps), max);
    let adv = tf.minimum(tf.maximum(tf.add(x, tf.tensor(noise, x.shape)), lo), hi);
    const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), model.numClasses).toFloat() as tf.Tensor2D;
    const cleanLogP = trades ? tf.logSoftmax(logits(model, x)) : null;
    // Summed over the batch so each example's input gradient is its own.
    const loss = (xx: tf.Tensor) => {
      const z = logits(model, xx);
      return trades ? klSum(cleanLogP as tf.Tensor2D, tf.logSoftmax(z)) : tf.sum(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, oneHot), 1)));
    };
    const grad = tf.grad(loss as (t: tf.Tensor) => tf.Scalar);
    for (let s = 0; s < p.steps; s++) {
      const g = grad(adv);
      const next = tf.minimum(tf.maximum(tf.add(adv, tf.mul(tf.sign(g), alpha)), lo), hi);
      tf.dispose([g, adv]);
      adv = next;
    }
    return adv;
  });
}

/** augment: each example gets Gaussian noise or one of the chosen corruptions, drawn from its id's stream. */
async function augmentBatch(model: TrainingModel, x: tf.Tensor, ids: number[], p: HardeningParams, epoch: number): Promise<tf.Tensor> {
  const choices: ("noise" | Corruption)[] = ["noise", ...p.corruptions];
  const pick = ids.map((id) => choices[createRng(p.seed, id, `harden|e${epoch}|augment`).int(choices.length)]);
  const rows: tf.Tensor[] = [];
  const order: number[] = [];
  for (const choice of choices) {
    const at = pick.flatMap((c, i) => (c === choice ? [i] : []));
    if (at.length === 0) continue;
    const part = tf.gather(x, tf.tensor1d(at, "int32"));
    const partIds = at.map((i) => ids[i]);
    if (choice === "noise") {
      const d = part.size / at.length;
      const w = model.range.max - model.range.min;
      const n = startNoise(partIds, d, p.seed, epoch, "noise", (r) => r.normal() * p.noiseStd * w);
      rows.push(tf.tidy(() => tf.clipByValue(tf.add(part, tf.tensor(n, part.shape)), model.range.min, model.range.max)));
    } else {
      rows.push(await corruptBatch(part, { corruption: choice, severity: p.severity, range: model.range, seed: `${p.seed}|e${epoch}`, indices: partIds }));
    }
    part.dispose();
    order.push(...at);
  }
  // Back into the batch's order.
  const inverse = new Int32Array(order.length);
  order.forEach((row, k) => (inverse[row] = k));
  const out = tf.tidy(() => tf.gather(tf.concat(rows, 0), tf.tensor1d(inverse, "int32")));
  tf.dispose(rows);
  return out;
}

export interface StepResult {
  loss: number;
  /** Input-gradient evaluations of the training attack (examples x attack steps). */
  attackGradients: number;
  /** Weight-gradient evaluations (one per example). */
  weightGradients: number;
}

/** One optimiser step on one batch with the chosen method. `x` is [n, ...shape] in the raw input space. */
export async function trainStep(model: TrainingModel, adam: AdamState, x: tf.Tensor, labels: Int32Array, ids: number[], p: HardeningParams, epoch: number): Promise<StepResult> {
  const n = labels.length;
  const attacked = p.method === "augment" ? await augmentBatch(model, x, ids, p, epoch) : trainingAttack(model, x, labels, ids, p, epoch);
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), model.numClasses).toFloat() as tf.Tensor2D);
  const vars = model.net.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    if (p.method === "trades") {
      const zClean = logits(model, x);
      const kl = tf.div(klSum(tf.logSoftmax(zClean), tf.logSoftmax(logits(model, attacked))), n);
      return tf.add(ceMean(zClean, oneHot), tf.mul(kl, p.beta)) as tf.Scalar;
    }
    return ceMean(logits(model, attacked), oneHot) as tf.Scalar;
  }, vars);
  adamUpdate(model.net, adam, vars.map((v) => grads[v.name]), p.learningRate);
  const loss = (await value.data())[0];
  tf.dispose([value, attacked, oneHot, ...Object.values(grads)]);
  return { loss, attackGradients: p.method === "augment" ? 0 : n * p.steps, weightGradients: n };
}

/** Seeded shuffle of 0..n-1 for one epoch (Fisher-Yates on the epoch's stream). */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const rng = createRng(seed, epoch, "harden|order");
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The training and validation parts of a set: the validation share, drawn once from the seed, is held out. */
export function splitValidation(set: TrainingSet, share: number, seed: number): { train: TrainingSet; validation: TrainingSet | null } {
  const n = set.labels.length;
  const held = Math.floor(n * share);
  if (held === 0) return { train: set, validation: null };
  const order = epochOrder(n, seed, -1);
  const pick = (rows: Int32Array): TrainingSet => {
    const d = set.x.length / n;
    const x = new Float32Array(rows.length * d);
    rows.forEach((r, i) => x.set(set.x.subarray(r * d, (r + 1) * d), i * d));
    return { x, labels: Int32Array.from(rows, (r) => set.labels[r]), shape: set.shape, ids: Array.from(rows, (r) => set.ids[r]) };
  };
  return { train: pick(order.slice(held).sort()), validation: pick(order.slice(0, held).sort()) };
}

export interface EpochResult {
  epoch: number;
  meanLoss: number;
  examples: number;
  attackGradients: number;
  weightGradients: number;
}

/** One epoch: the seeded order, full batches and a last partial one, one optimiser step each. */
export async function trainEpoch(model: TrainingModel, adam: AdamState, set: TrainingSet, p: HardeningParams, epoch: number, onBatch?: (done: number, total: number) => void | Promise<void>): Promise<EpochResult> {
  const n = set.labels.length;
  const d = set.x.length / n;
  const order = epochOrder(n, p.seed, epoch);
  const result: EpochResult = { epoch, meanLoss: 0, examples: 0, attackGradients: 0, weightGradients: 0 };
  let lossSum = 0;
  for (let s = 0; s < n; s += p.batchSize) {
    const rows = order.subarray(s, Math.min(n, s + p.batchSize));
    const xb = new Float32Array(rows.length * d);
    rows.forEach((r, i) => xb.set(set.x.subarray(r * d, (r + 1) * d), i * d));
    const x = tf.tensor(xb, [rows.length, ...set.shape]);
    const labels = Int32Array.from(rows, (r) => set.labels[r]);
    const step = await trainStep(model, adam, x, labels, Array.from(rows, (r) => set.ids[r]), p, epoch);
    x.dispose();
    if (!Number.isFinite(step.loss)) throw new Error(`training diverged: the loss is ${step.loss} at epoch ${epoch + 1}, examples ${s + 1}..${s + rows.length}; lower the learning rate`);
    lossSum += step.loss * rows.length;
    result.examples += rows.length;
    result.attackGradients += step.attackGradients;
    result.weightGradients += step.weightGradients;
    await onBatch?.(result.examples, n);
  }
  result.meanLoss = lossSum / Math.max(1, result.examples);
  return result;
}

/**
 * Clean and PGD-Linf robust accuracy on a set (for early stopping): the same attack as training (pgd-at's
 * cross-entropy PGD, eps, steps, step size) from a random start on a stream of its own.
 */
export async function robustAccuracy(model: TrainingModel, set: TrainingSet, p: HardeningParams, batchSize = 250): Promise<{ clean: number; robust: number }> {
  const n = set.labels.length;
  const d = set.x.length / n;
  const attack: HardeningParams = { ...p, method: "pgd-at" };
  let clean = 0, robust = 0;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const x = tf.tensor(set.x.subarray(s * d, e * d), [e - s, ...set.shape]);
    const labels = set.labels.subarray(s, e);
    const adv = trainingAttack(model, x, labels, set.ids.slice(s, e), attack, -2);
    const [pc, pa] = tf.tidy(() => [tf.argMax(logits(model, x), 1), tf.argMax(logits(model, adv), 1)]);
    const [c, a] = await Promise.all([pc.data(), pa.data()]);
    for (let i = 0; i < labels.length; i++) {
      if (c[i] === labels[i]) clean++;
      if (c[i] === labels[i] && a[i] === labels[i]) robust++;
    }
    tf.dispose([x, adv, pc, pa]);
  }
  return { clean: clean / n, robust: robust / n };
}

/** Everything needed to resume after an epoch: weights, Adam state, the next epoch, early-stopping state. */
export interface Checkpoint {
  nextEpoch: number;
  adamStep: number;
  weights: Float32Array[];
  adamM: Float32Array[];
  adamV: Float32Array[];
  best: { epoch: number; robust: number; weights: Float32Array[] } | null;
  epochs: (EpochResult & { validation?: { clean: number; robust: number } })[];
}

export async function weightsOf(net: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(net.trainableWeights.map(async (w) => new Float32Array(await w.read().data())));
}

export function setWeights(net: tf.LayersModel, values: Float32Array[]): void {
  const ws = net.trainableWeights;
  if (values.length !== ws.length) throw new Error(`the checkpoint holds ${values.length} weight tensors; the model has ${ws.length}`);
  ws.forEach((w, i) => {
    const v = w.read() as tf.Variable;
    if (values[i].length !== v.size) throw new Error(`checkpoint weight ${i} has ${values[i].length} values; the model's ${w.originalName} has ${v.size}`);
    const t = tf.tensor(values[i], v.shape);
    v.assign(t);
    t.dispose();
  });
}

export async function adamToArrays(s: AdamState): Promise<{ adamStep: number; adamM: Float32Array[]; adamV: Float32Array[] }> {
  return { adamStep: s.step, adamM: await Promise.all(s.m.map(async (t) => new Float32Array(await t.data()))), adamV: await Promise.all(s.v.map(async (t) => new Float32Array(await t.data()))) };
}

export function adamFromArrays(net: tf.LayersModel, c: Pick<Checkpoint, "adamStep" | "adamM" | "adamV">): AdamState {
  const shapes = net.trainableWeights.map((w) => w.shape as number[]);
  return { step: c.adamStep, m: c.adamM.map((a, i) => tf.tensor(a, shapes[i])), v: c.adamV.map((a, i) => tf.tensor(a, shapes[i])) };
}

/** A checkpoint as bytes: a JSON header line, then the float32 arrays back to back (little-endian, as written). */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays = [...c.weights, ...c.adamM, ...c.adamV, ...(c.best?.weights ?? [])];
  const header = JSON.stringify({
    v: 1, nextEpoch: c.nextEpoch, adamStep: c.adamStep, epochs: c.epochs,
    counts: [c.weights.length, c.adamM.length, c.adamV.length, c.best?.weights.length ?? 0],
    lengths: arrays.map((a) => a.length),
    best: c.best ? { epoch: c.best.epoch, robust: c.best.robust } : null,
  });
  const head = new TextEncoder().encode(header + "\n");
  // Arrays start on a 4-byte boundary so they can be viewed as float32 without copying.
  const pad = (4 - (head.length % 4)) % 4;
  const total = head.length + pad + arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(head);
  out.fill(0x20, head.length, head.length + pad);
  let off = head.length + pad;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const nl = bytes.indexOf(10);
  if (nl < 0) throw new Error("the checkpoint has no header");
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl))) as {
    v: number; nextEpoch: number; adamStep: number; epochs: Checkpoint["epochs"]; counts: number[]; lengths: number[]; best: { epoch: number; robust: number } | null;
  };
  if (h.v !== 1) throw new Error(`unknown checkpoint version ${h.v}`);
  let off = nl + 1;
  off += (4 - (off % 4)) % 4;
  const need = h.lengths.reduce((s, l) => s + l * 4, 0);
  if (bytes.length - off !== need) throw new Error(`the checkpoint holds ${bytes.length - off} bytes of arrays; its header describes ${need}`);
  // A copy at offset 0: `bytes` may be a view into a larger buffer (a Node Buffer from the pool).
  const copy = new Uint8Array(bytes.length - off);
  copy.set(bytes.subarray(off));
  let at = 0;
  const arrays = h.lengths.map((l) => {
    const a = new Float32Array(copy.buffer, at * 4, l);
    at += l;
    return a;
  });
  const [nw, nm, nv] = h.counts;
  return {
    nextEpoch: h.nextEpoch, adamStep: h.adamStep, epochs: h.epochs,
    weights: arrays.slice(0, nw), adamM: arrays.slice(nw, nw + nm), adamV: arrays.slice(nw + nm, nw + nm + nv),
    best: h.best ? { ...h.best, weights: arrays.slice(nw + nm + nv) } : null,
  };
}

export interface HardeningHooks {
  /** After each batch (progress). */
  onBatch?: (epoch: number, done: number, total: number) => void | Promise<void>;
  /** After each epoch, with the checkpoint to store; a throw stops the run (cancel). */
  onEpoch?: (checkpoint: Checkpoint) => void | Promise<void>;
}

export interface HardeningOutcome {
  /** Epochs actually trained (early stopping may end before p.epochs). */
  epochsRun: number;
  stoppedEarly: boolean;
  /** The epoch whose weights were kept (the best validation robust accuracy, else the last). */
  keptEpoch: number;
  epochs: Checkpoint["epochs"];
  attackGradients: number;
  weightGradients: number;
}

/**
 * Runs (or resumes from `resume`) the hardening. The model's weights end as the kept epoch's. Each finished
 * epoch is handed to onEpoch as a checkpoint; resuming from it continues exactly where that run was.
 */
export async function harden(model: TrainingModel, set: TrainingSet, p: HardeningParams, hooks: HardeningHooks = {}, resume?: Checkpoint): Promise<HardeningOutcome> {
  const { train, validation } = splitValidation(set, p.validationShare, p.seed);
  let adam: AdamState;
  let epochs: Checkpoint["epochs"] = [];
  let best: Checkpoint["best"] = null;
  let start = 0;
  if (resume) {
    setWeights(model.net, resume.weights);
    adam = adamFromArrays(model.net, resume);
    epochs = [...resume.epochs];
    best = resume.best;
    start = resume.nextEpoch;
  } else adam = newAdamState(model.net);
  let stoppedEarly = false;
  try {
    for (let epoch = start; epoch < p.epochs; epoch++) {
      if (best && validation && epoch - best.epoch > p.patience) {
        stoppedEarly = true;
        break;
      }
      const r: Checkpoint["epochs"][number] = await trainEpoch(model, adam, train, p, epoch, (d, t) => hooks.onBatch?.(epoch, d, t));
      if (validation) {
        r.validation = await robustAccuracy(model, validation, p);
        if (!best || r.validation.robust > best.robust) best = { epoch, robust: r.validation.robust, weights: await weightsOf(model.net) };
      }
      epochs.push(r);
      await hooks.onEpoch?.({ nextEpoch: epoch + 1, weights: await weightsOf(model.net), ...(await adamToArrays(adam)), best, epochs });
    }
  } finally {
    disposeAdam(adam);
  }
  if (best && validation) {
    const last = epochs[epochs.length - 1]?.epoch;
    stoppedEarly ||= last !== undefined && last < p.epochs - 1;
    setWeights(model.net, best.weights);
  }
  return {
    epochsRun: epochs.length,
    stoppedEarly,
    keptEpoch: best && validation ? best.epoch : epochs.length - 1,
    epochs,
    attackGradients: epochs.reduce((s, e) => s + e.attackGradients, 0),
    weightGradients: epochs.reduce((s, e) => s + e.weightGradients, 0),
  };
}

/**
 * The hardened model's files: the parent's model.json (topology, final softmax included) with one new weight
 * file holding every weight as float32, in the order and under the names of the parent's manifest.
 */
export async function hardenedModelFiles(net: tf.LayersModel, parentModelJson: Record<string, unknown>, binName = "weights.bin"): Promise<{ modelJson: Record<string, unknown>; weights: Record<string, Uint8Array> }> {
  const manifest = parentModelJson.weightsManifest as { weights: { name: string }[] }[];
  const byName = new Map(net.weights.map((w) => [w.originalName, w]));
  const named: tf.NamedTensorMap = {};
  const order: string[] = [];
  for (const group of manifest) {
    for (const spec of group.weights) {
      const w = byName.get(spec.name);
      if (!w) throw new Error(`the trained model has no weight named ${spec.name}`);
      named[spec.name] = w.read();
      order.push(spec.name);
    }
  }
  const { data, specs } = await tf.io.encodeWeights(order.map((name) => ({ name, tensor: named[name] })));
  const bytes = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return { modelJson: { ...parentModelJson, weightsManifest: [{ paths: [binName], weights: specs }] }, weights: { [binName]: new Uint8Array(bytes) } };
}
