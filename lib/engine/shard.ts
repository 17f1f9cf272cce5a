import * as tf from "@tensorflow/tfjs";
import type { z } from "zod";
import type { AttackEntrySchema, ExampleRecordSchema, GradientStatSchema } from "./results-schema";
import { EngineCardSchema, preprocessingOf, type EngineCard } from "./card";
import type { LoadedModel } from "./model";
import { AttackSuiteSchema, SANITY_ATTACK_ID, SANITY_STEPS, attackFamily, attackId, type AttackSpec, type AttackSuite, type AttackSuiteInput } from "./suite";
import { type AttackContext, crossEntropy, exampleSize, logitsOf, lossAndGrad, oneHotOf, perturbationNorms } from "./attacks/common";
import { attackStream, runAttack } from "./attacks";
import { currentBackendInfo, type EngineBackendInfo } from "./backend";
import { brierOf } from "./calibration";
import { applicableCorruptions, corruptBatch, type Corruption } from "./corruptions";
import { energyScores, maxSoftmaxScores, syntheticOodInputs } from "./ood";
import { cpuReplayer, replayBreaksAndPruneGallery, type PendingBreak, type Replayer } from "./replay";

/** One attack's outcome on one example (results-schema.ts). */
export type AttackEntry = z.infer<typeof AttackEntrySchema>;

export type GradientStat = z.infer<typeof GradientStatSchema>;

/** One example's clean prediction and every attack's outcome (results-schema.ts). */
export type ExampleRecord = z.infer<typeof ExampleRecordSchema>;

/** One example under every corruption and severity run (pixels in the card's value range). */
export interface CorruptionGallery {
  index: number;
  label: number;
  shape: number[];
  original: number[];
  items: { corruption: Corruption; severity: number; pred: number; conf: number; pixels: number[] }[];
}

/** Scores of one OOD input: maximum softmax probability and energy (logsumexp of the logits). */
export interface OodScore { index: number; msp: number; energy: number }

export interface GalleryItem {
  index: number;
  label: number;
  cleanPred: number;
  cleanConf: number;
  attack: string;
  norm: "linf" | "l2";
  eps: number;
  advPred: number;
  advConf: number;
  shape: number[];
  /** Raw pixels in the card's value range (plain arrays so a ShardResult survives JSON). */
  original: number[];
  adversarial: number[];
}

export interface ShardSamples {
  /** Inputs in the card's value range, concatenated. */
  x: Float32Array;
  /** [n, ...inputShape] */
  shape: number[];
  labels: Int32Array;
  /** Global example indices (randomness and records are keyed by them). */
  indices: number[];
}

/** What a white-box and a black-box shard run both take. */
export interface ShardRunCommon {
  card: EngineCard;
  samples: ShardSamples;
  suite: AttackSuite | AttackSuiteInput;
  seed?: number;
  /** Examples per attack call. */
  batchSize?: number;
  /** Work units done/total: one unit = one example through one attack at one epsilon (or the clean pass). */
  onProgress?: (done: number, total: number) => void;
  shouldCancel?: () => boolean;
  /** Broken examples kept for the gallery (first in index order). */
  galleryLimit?: number;
  /** Where breaks are replayed before they count (tests plant others). */
  replay?: Replayer;
}

/** The white-box run; the default replay is the model on the tfjs cpu backend. */
export interface RunShardOptions extends ShardRunCommon {
  model: LoadedModel;
  backend?: EngineBackendInfo;
  /** OOD inputs this shard scores when the suite has an OOD part: global OOD indices, and their pixels for a dataset source (else synthetic). */
  ood?: { indices: number[]; x?: Float32Array };
}

export interface ShardResult {
  records: ExampleRecord[];
  backend: {
    backend: string; tfjsVersion: string; tensorflowVersion?: string; tfjsNodeVersion?: string; simd?: boolean; threads?: number; kernelPatches?: string[];
    /** Attack steps (cross-entropy: FGSM, PGD, APGD-CE) this shard ran as the model's one-graph step (lib/engine/graph); absent or 0: all eager. */
    graphSteps?: number;
  };
  timings: { totalMs: number; cleanMs: number; perAttackMs: Record<string, number> };
  gradientStats: { examples: number; allZero: number; nonFinite: number; meanZeroFraction: number; meanTinyFraction: number };
  gallery: GalleryItem[];
  /** Present when the suite ran corruptions: the shard's first example under each of them. */
  corruptionGallery?: CorruptionGallery;
  /** Present when the suite has an OOD part and this shard was given OOD inputs. */
  ood?: OodScore[];
}

/** Relative magnitude below which an input-gradient entry counts as near-zero (sign = rounding noise). */
export const NEAR_ZERO_GRADIENT = 1e-6;

export class ShardCancelledError extends Error {
  constructor() {
    super("shard cancelled");
    this.name = "ShardCancelledError";
  }
}

// The batch loop the white-box shard (below) and the query-only shard (blackbox/shard.ts) share.

/** The batches of a shard: examples [start, end), `b` of them, batchSize at a time. */
export function* shardBatches(n: number, batchSize: number) {
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    yield { start, end, b: end - start };
  }
}

/** Every attack of the plan at each of its epsilons, in order: one pass over the batch each. */
export function* eachAttackAndEpsilon<T extends { eps: number[] }>(items: T[]) {
  for (const item of items) for (const eps of item.eps) yield { item, eps };
}

/** The rows of a batch the model classifies right when clean: only these are attacked. */
export const cleanCorrectRows = (records: ExampleRecord[]) => records.map((r, i) => (r.cleanCorrect ? i : -1)).filter((i) => i >= 0);

/** The entry of an example the model already gets wrong when clean: not attacked, broken at no cost. */
export function skippedEntry(r: ExampleRecord, at: Pick<AttackEntry, "attack" | "kind" | "family" | "norm" | "eps">): AttackEntry {
  return { ...at, advPred: r.cleanPred, advConf: r.cleanConf, success: true, linf: 0, l2: 0, loss: r.cleanLoss, brier: r.cleanBrier, queries: 0, skipped: true };
}

function gradientStat(g: Float32Array, o: number, d: number): GradientStat {
  let maxAbs = 0, zeros = 0, nonFinite = false;
  for (let j = 0; j < d; j++) {
    const v = g[o + j];
    if (!Number.isFinite(v)) nonFinite = true;
    else if (v === 0) zeros++;
    else if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
  }
  let tiny = 0;
  const thr = maxAbs * NEAR_ZERO_GRADIENT;
  for (let j = 0; j < d; j++) {
    const a = Math.abs(g[o + j]);
    if (a > 0 && a < thr) tiny++;
  }
  return { zeroFraction: zeros / d, tinyFraction: tiny / d, maxAbs, nonFinite };
}

/** The attack specs to run, with the sanity attack appended when requested. */
function plan(suite: AttackSuite, card: EngineCard) {
  const items: { id: string; spec: AttackSpec; family: AttackEntry["family"]; kind: AttackEntry["kind"]; eps: number[] }[] =
    suite.attacks.map((spec) => ({
      id: attackId(spec), spec, family: attackFamily(spec), kind: spec.kind,
      eps: [...new Set(suite.epsilons[spec.norm])].sort((a, b) => a - b),
    }));
  if (suite.sanityCheck) {
    const half = (card.inputRange.max - card.inputRange.min) / 2;
    items.push({ id: SANITY_ATTACK_ID, family: "sanity", kind: "sanity", eps: [half],
      spec: { kind: "pgd", norm: "linf", steps: SANITY_STEPS, restarts: 1, randomStart: true } });
  }
  return items;
}

/**
 * Evaluate one shard: clean predictions, input-gradient statistics, and every attack x epsilon of the
 * suite on the correctly classified examples. Randomness is keyed by (seed, example index), so records
 * do not depend on how samples are split into shards or batches.
 */
export async function runShard(opts: RunShardOptions): Promise<ShardResult> {
  const t0 = performance.now();
  const card = EngineCardSchema.parse(opts.card);
  const suite = AttackSuiteSchema.parse(opts.suite);
  const seed = opts.seed ?? suite.seed;
  const { model, samples } = opts;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 128));
  const n = samples.labels.length;
  const shape = card.inputShape;
  const d = exampleSize(shape);
  if (samples.indices.length !== n) throw new Error(`samples.indices has ${samples.indices.length} entries for ${n} labels`);
  if (samples.x.length !== n * d) throw new Error(`samples.x has ${samples.x.length} values; ${n} examples of shape [${shape.join(",")}] need ${n * d}`);
  if (samples.shape.slice(1).join(",") !== shape.join(",")) throw new Error(`samples.shape [${samples.shape.join(",")}] does not match the card's input shape [${shape.join(",")}]`);
  if (model.numClasses !== card.classLabels.length) throw new Error(`the model has ${model.numClasses} outputs but the card lists ${card.classLabels.length} labels`);
  const { min, max } = card.inputRange;
  for (let i = 0; i < samples.x.length; i++) {
    const v = samples.x[i];
    if (!(v >= min - 1e-6 && v <= max + 1e-6)) {
      throw new Error(`sample ${samples.indices[Math.floor(i / d)]} has value ${v} outside the card's range ${min}..${max}`);
    }
  }
  for (const l of samples.labels) if (l < 0 || l >= model.numClasses) throw new Error(`label ${l} is not a class index (0..${model.numClasses - 1})`);

  const { scale, offset } = preprocessingOf(card);
  const graphStepsBefore = model.crossEntropyStep?.calls ?? 0;
  const ctx: AttackContext = { model, scale, offset, range: card.inputRange, inputShape: shape, numClasses: model.numClasses };
  const items = plan(suite, card);
  const corruptionKinds: Corruption[] = suite.corruptions ? (suite.corruptions.kinds ?? applicableCorruptions(shape)) : [];
  const severities = suite.corruptions ? [...suite.corruptions.severities].sort((a, b) => a - b) : [];
  let corruptionGallery: CorruptionGallery | undefined;
  const oodIndices = suite.ood ? (opts.ood?.indices ?? []) : [];
  if (opts.ood?.x && opts.ood.x.length !== oodIndices.length * d) throw new Error(`ood.x has ${opts.ood.x.length} values; ${oodIndices.length} inputs of shape [${shape.join(",")}] need ${oodIndices.length * d}`);
  // One unit per example and attack x epsilon (and the clean pass), one per example and corruption, one per OOD input.
  const unitsPerExample = 1 + items.reduce((s, it) => s + it.eps.length, 0) + corruptionKinds.length;
  const total = n * unitsPerExample + oodIndices.length;
  let done = 0;
  const perAttackMs: Record<string, number> = {};
  let cleanMs = 0;
  const records: ExampleRecord[] = [];
  const galleryLimit = opts.galleryLimit ?? 6;
  const gallery = new Map<number, GalleryItem>();
  const cancelCheck = () => { if (opts.shouldCancel?.()) throw new ShardCancelledError(); };
  const replay = opts.replay ?? cpuReplayer(ctx);

  for (const { start, end, b } of shardBatches(n, batchSize)) {
    cancelCheck();
    const xData = samples.x.subarray(start * d, end * d);
    const labels = samples.labels.subarray(start, end);
    const indices = samples.indices.slice(start, end);
    const x = tf.tensor(xData, [b, ...shape]);
    const tc = performance.now();
    const oneHot = oneHotOf(labels, ctx.numClasses);
    const clean = lossAndGrad(ctx, x, (z) => crossEntropy(z, oneHot));
    const probsT = tf.softmax(clean.logits);
    const [probs, lossV, grad, cleanLogits] = await Promise.all([probsT.data(), clean.loss.data(), clean.grad.data() as Promise<Float32Array>, clean.logits.data()]);
    probsT.dispose(); clean.logits.dispose(); clean.loss.dispose(); clean.grad.dispose(); oneHot.dispose();
    const k = ctx.numClasses;
    const energies = energyScores(cleanLogits, k);
    const batchRecords: ExampleRecord[] = [];
    for (let i = 0; i < b; i++) {
      let p = 0;
      for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + p]) p = j;
      batchRecords.push({
        index: indices[i], label: labels[i], cleanPred: p, cleanConf: probs[i * k + p], cleanCorrect: p === labels[i],
        cleanLoss: lossV[i], cleanBrier: brierOf(probs, i * k, k, labels[i]), cleanEnergy: energies[i], gradient: gradientStat(grad, i * d, d), attacks: [],
      });
    }
    cleanMs += performance.now() - tc;
    done += b;
    opts.onProgress?.(done, total);
    const rows = cleanCorrectRows(batchRecords);
    const xs = rows.length === b ? x : rows.length > 0 ? tf.tidy(() => tf.gather(x, tf.tensor1d(rows, "int32"))) : null;
    const pending: (PendingBreak & { entry: AttackEntry })[] = [];
    for (const { item, eps } of eachAttackAndEpsilon(items)) {
      cancelCheck();
      const ta = performance.now();
      const entries = new Map<number, AttackEntry>();
      if (xs) {
        const out = await runAttack(item.spec, {
          ctx, x: xs, labels: Int32Array.from(rows, (i) => labels[i]), indices: rows.map((i) => indices[i]),
          eps, seed, stream: attackStream(item.id, item.spec.norm, eps),
        });
        const evalT = tf.tidy(() => {
          const z = logitsOf(ctx, out.xAdv);
          const oh = oneHotOf(Int32Array.from(rows, (i) => labels[i]), k);
          return [tf.softmax(z), crossEntropy(z, oh), tf.sub(out.xAdv, xs)];
        });
        const [ap, al] = await Promise.all([evalT[0].data(), evalT[1].data()]);
        const norms = await perturbationNorms(evalT[2]);
        const preds = rows.map((_, a) => {
          let p = 0;
          for (let j = 1; j < k; j++) if (ap[a * k + j] > ap[a * k + p]) p = j;
          return p;
        });
        // Pixels are read back when the attack reports a break: every break is replayed (and may enter the gallery).
        const wantsPixels = item.family !== "sanity" && rows.some((i, a) => preds[a] !== labels[i]);
        const advData = wantsPixels ? ((await out.xAdv.data()) as Float32Array) : null;
        evalT.forEach((t) => t.dispose());
        out.xAdv.dispose();
        rows.forEach((i, a) => {
          const p = preds[a];
          const e: AttackEntry = {
            attack: item.id, kind: item.kind, family: item.family, norm: item.spec.norm, eps,
            advPred: p, advConf: ap[a * k + p], success: p !== labels[i], linf: norms.linf[a], l2: norms.l2[a],
            loss: al[a], brier: brierOf(ap, a * k, k, labels[i]), queries: out.queries[a],
          };
          if (out.lossTrace) e.lossTrace = Array.from(out.lossTrace[a]);
          if (out.targets && out.targets[a] >= 0) e.target = out.targets[a];
          entries.set(i, e);
          if (e.success && advData) pending.push({ entry: e, label: labels[i], index: indices[i], x: advData.slice(a * d, (a + 1) * d) });
          if (e.success && advData && item.family !== "sanity") {
            const prev = gallery.get(indices[i]);
            const better = !prev || (prev.norm === e.norm && eps < prev.eps);
            if (better && (prev || gallery.size < galleryLimit)) {
              const r = batchRecords[i];
              gallery.set(indices[i], {
                index: indices[i], label: labels[i], cleanPred: r.cleanPred, cleanConf: r.cleanConf, attack: item.id,
                norm: e.norm, eps, advPred: p, advConf: e.advConf, shape: [...shape],
                original: Array.from(xData.subarray(i * d, (i + 1) * d)),
                adversarial: Array.from(advData.subarray(a * d, (a + 1) * d)),
              });
            }
          }
        });
      }
      batchRecords.forEach((r, i) => r.attacks.push(entries.get(i) ?? skippedEntry(r, { attack: item.id, kind: item.kind, family: item.family, norm: item.spec.norm, eps })));
      perAttackMs[item.id] = (perAttackMs[item.id] ?? 0) + performance.now() - ta;
      done += b;
      opts.onProgress?.(done, total);
    }
    if (xs && xs !== x) xs.dispose();
    // Every break of this batch through the model again on the reference backend; one that does not reproduce is
    // not counted and leaves the gallery (the evaluation's reliability check names it).
    await replayBreaksAndPruneGallery(pending, replay, k, "cpu", gallery);
    if (start === 0 && corruptionKinds.length > 0) {
      corruptionGallery = { index: indices[0], label: labels[0], shape: [...shape], original: Array.from(xData.subarray(0, d)), items: [] };
    }
    for (const kind of corruptionKinds) {
      cancelCheck();
      const tk = performance.now();
      for (const r of batchRecords) (r.corruptions ??= {})[kind] = { pred: [], conf: [] };
      for (const severity of severities) {
        const xc = await corruptBatch(x, { corruption: kind, severity, range: card.inputRange, seed, indices });
        const pT = tf.tidy(() => tf.softmax(logitsOf(ctx, xc)));
        const p = await pT.data();
        pT.dispose();
        const wantPixels = start === 0 && corruptionGallery !== undefined;
        const pixels = wantPixels ? ((await xc.data()) as Float32Array) : null;
        xc.dispose();
        batchRecords.forEach((r, i) => {
          let best = 0;
          for (let j = 1; j < k; j++) if (p[i * k + j] > p[i * k + best]) best = j;
          r.corruptions![kind]!.pred.push(best);
          r.corruptions![kind]!.conf.push(p[i * k + best]);
        });
        if (pixels) corruptionGallery!.items.push({ corruption: kind, severity, pred: batchRecords[0].corruptions![kind]!.pred.at(-1)!, conf: batchRecords[0].corruptions![kind]!.conf.at(-1)!, pixels: Array.from(pixels.subarray(0, d)) });
      }
      perAttackMs[`corruption:${kind}`] = (perAttackMs[`corruption:${kind}`] ?? 0) + performance.now() - tk;
      done += b;
      opts.onProgress?.(done, total);
    }
    x.dispose();
    records.push(...batchRecords);
  }

  // Out-of-distribution inputs: forward passes only, scored by MSP and energy.
  const ood: OodScore[] = [];
  for (let s0 = 0; s0 < oodIndices.length; s0 += batchSize) {
    cancelCheck();
    const idx = oodIndices.slice(s0, s0 + batchSize);
    const xo = opts.ood?.x ? opts.ood.x.subarray(s0 * d, (s0 + idx.length) * d) : syntheticOodInputs(idx, shape, card.inputRange, seed);
    const zT = tf.tidy(() => logitsOf(ctx, tf.tensor(xo, [idx.length, ...shape])));
    const z = await zT.data();
    zT.dispose();
    const msp = maxSoftmaxScores(z, model.numClasses), en = energyScores(z, model.numClasses);
    idx.forEach((index, i) => ood.push({ index, msp: msp[i], energy: en[i] }));
    done += idx.length;
    opts.onProgress?.(done, total);
  }

  const gs = records.map((r) => r.gradient!);
  let info = opts.backend;
  if (!info) {
    try {
      info = currentBackendInfo();
    } catch {
      info = undefined; // backend chosen outside initEngineBackend: record its name only
    }
  }
  const graphSteps = (model.crossEntropyStep?.calls ?? 0) - graphStepsBefore;
  return {
    records,
    backend: {
      ...(info
        ? { backend: info.backend, tfjsVersion: info.tfjsVersion, tensorflowVersion: info.tensorflowVersion, tfjsNodeVersion: info.tfjsNodeVersion, simd: info.simd, threads: info.threads, kernelPatches: info.kernelPatches }
        : { backend: tf.getBackend(), tfjsVersion: tf.version.tfjs }),
      ...(graphSteps > 0 ? { graphSteps } : {}),
    },
    timings: { totalMs: performance.now() - t0, cleanMs, perAttackMs },
    gradientStats: {
      examples: gs.length,
      allZero: gs.filter((g) => g.maxAbs === 0).length,
      nonFinite: gs.filter((g) => g.nonFinite).length,
      meanZeroFraction: gs.reduce((s, g) => s + g.zeroFraction, 0) / Math.max(1, gs.length),
      meanTinyFraction: gs.reduce((s, g) => s + g.tinyFraction, 0) / Math.max(1, gs.length),
    },
    gallery: [...gallery.values()].sort((a, b) => a.index - b.index),
    ...(corruptionGallery ? { corruptionGallery } : {}),
    ...(suite.ood ? { ood } : {}),
  };
}

/** Pick gallery items across shards: the first broken examples in index order, with the perturbation (adversarial - original). */
export function pickGalleryItems(results: Pick<ShardResult, "gallery">[], count = 6) {
  return results
    .flatMap((r) => r.gallery)
    .sort((a, b) => a.index - b.index)
    .slice(0, count)
    .map((g) => ({ ...g, perturbation: g.adversarial.map((v, i) => v - g.original[i]) }));
}
