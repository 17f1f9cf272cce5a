import { EngineCardSchema } from "../card";
import { AttackSuiteSchema, attackFamily, attackId, type AttackSpec } from "../suite";
import { assertQueryOnlySuite } from "./reference";

export { assertQueryOnlySuite };
import { ShardCancelledError, cleanCorrectRows, eachAttackAndEpsilon, shardBatches, skippedEntry, type ShardRunCommon, type AttackEntry, type ExampleRecord, type GalleryItem, type ShardResult } from "../shard";
import { noiseQueryAttack, squareQueryAttack, type BlackBoxBatch, type BlackBoxOutput } from "./attacks";
import { hopSkipJump } from "./hsj";
import type { Oracle } from "./oracle";
import { replayBreaksAndPruneGallery, type PendingBreak, type Replayer } from "../replay";

// Evaluates one shard of a model we can only query (black-box threat model): clean predictions, then every
// query-only attack × epsilon of the suite on the correctly classified examples. Records have the same shape as
// the white-box engine's (so metrics, reliability, evidence and reports work unchanged) with three honest
// differences: no input-gradient statistics (there are none), `queries` is what was sent to the model, and for a
// label-only model confidence is that of the predicted label (1) and `loss` is the 0-1 loss.

/** Options as for the white-box run; the default replay queries the same oracle again. */
export interface RunBlackBoxShardOptions extends Omit<ShardRunCommon, "batchSize"> {
  oracle: Oracle;
  /** Examples per attack call (each call sends at most this many inputs per query round). */
  batchSize?: number;
  backend?: ShardResult["backend"];
}

/** Scores as probabilities: kept when they already are (non-negative, summing to 1), else a softmax. */
function probabilities(scores: Float64Array, offset: number, k: number): Float64Array {
  const row = scores.subarray(offset, offset + k);
  const sum = row.reduce((a, v) => a + v, 0);
  if (row.every((v) => v >= 0) && Math.abs(sum - 1) < 1e-3) return Float64Array.from(row, (v) => v / sum);
  const m = Math.max(...row);
  const e = Float64Array.from(row, (v) => Math.exp(v - m));
  const z = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / z);
}

function outcome(scores: Float64Array | null, i: number, k: number, pred: number, label: number) {
  const p = scores ? probabilities(scores, i * k, k) : Float64Array.from({ length: k }, (_, j) => (j === pred ? 1 : 0));
  let brier = 0;
  for (let j = 0; j < k; j++) brier += (p[j] - (j === label ? 1 : 0)) ** 2;
  const loss = scores ? -Math.log(Math.max(p[label], 1e-12)) : pred === label ? 0 : 1;
  return { conf: p[pred], loss, brier };
}

function runOne(spec: AttackSpec, b: BlackBoxBatch): Promise<BlackBoxOutput> {
  switch (spec.kind) {
    case "square":
      return squareQueryAttack(b, { norm: spec.norm, queries: spec.queries, pInit: spec.pInit });
    case "hop-skip-jump":
      return hopSkipJump(b, { norm: spec.norm, queries: spec.queries });
    case "noise":
      return noiseQueryAttack(b, { norm: spec.norm, distribution: spec.distribution, draws: spec.draws });
    default:
      throw new Error(`${spec.kind} needs gradients`);
  }
}

function norms(x: Float32Array, x0: Float32Array, o: number, d: number) {
  let linf = 0,
    l2 = 0;
  for (let j = 0; j < d; j++) {
    const v = Math.abs(x[o + j] - x0[o + j]);
    if (v > linf) linf = v;
    l2 += v * v;
  }
  return { linf, l2: Math.sqrt(l2) };
}

export async function runBlackBoxShard(opts: RunBlackBoxShardOptions): Promise<ShardResult> {
  const t0 = performance.now();
  const card = EngineCardSchema.parse(opts.card);
  const suite = AttackSuiteSchema.parse(opts.suite);
  const { oracle, samples } = opts;
  assertQueryOnlySuite(suite, oracle.outputKind);
  const seed = opts.seed ?? suite.seed;
  const shape = card.inputShape;
  const d = shape.reduce((a, v) => a * v, 1);
  const n = samples.labels.length;
  const k = oracle.numClasses;
  if (k !== card.classLabels.length) throw new Error(`the endpoint declares ${k} classes but the card lists ${card.classLabels.length}`);
  if (samples.x.length !== n * d) throw new Error(`samples.x has ${samples.x.length} values; ${n} examples of shape [${shape.join(",")}] need ${n * d}`);
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 64));
  const items = suite.attacks.map((spec) => ({ spec, id: attackId(spec), family: attackFamily(spec), eps: [...new Set(suite.epsilons[spec.norm])].sort((a, b) => a - b) }));
  const total = n * (1 + items.reduce((s, it) => s + it.eps.length, 0));
  let done = 0;
  const cancelCheck = () => {
    if (opts.shouldCancel?.()) throw new ShardCancelledError();
  };
  const perAttackMs: Record<string, number> = {};
  let cleanMs = 0;
  const records: ExampleRecord[] = [];
  const galleryLimit = opts.galleryLimit ?? 6;
  const gallery = new Map<number, GalleryItem>();
  const replay: Replayer = opts.replay ?? (async (xr, rows) => {
    const a = await oracle.query(xr, rows);
    return { pred: a.labels, scores: a.scores };
  });

  for (const { start, end, b } of shardBatches(n, batchSize)) {
    cancelCheck();
    const x = samples.x.slice(start * d, end * d);
    const labels = samples.labels.slice(start, end);
    const indices = samples.indices.slice(start, end);
    const tc = performance.now();
    const clean = await oracle.query(x, b);
    const batchRecords: ExampleRecord[] = indices.map((index, i) => {
      const o = outcome(clean.scores, i, k, clean.labels[i], labels[i]);
      return { index, label: labels[i], cleanPred: clean.labels[i], cleanConf: o.conf, cleanCorrect: clean.labels[i] === labels[i], cleanLoss: o.loss, cleanBrier: o.brier, attacks: [] };
    });
    cleanMs += performance.now() - tc;
    done += b;
    opts.onProgress?.(done, total);
    const rows = cleanCorrectRows(batchRecords);
    const xs = new Float32Array(rows.length * d);
    rows.forEach((i, a) => xs.set(x.subarray(i * d, (i + 1) * d), a * d));
    const pending: (PendingBreak & { entry: AttackEntry })[] = [];
    for (const { item, eps } of eachAttackAndEpsilon(items)) {
      cancelCheck();
      const ta = performance.now();
      const entries = new Map<number, AttackEntry>();
      if (rows.length) {
        const out = await runOne(item.spec, {
          oracle, x: xs, labels: Int32Array.from(rows, (i) => labels[i]), indices: rows.map((i) => indices[i]), shape,
          range: card.inputRange, eps, seed, stream: `${item.id}|${item.spec.norm}|${eps}`,
        });
        rows.forEach((i, a) => {
          const y = labels[i];
          const o = outcome(out.scores, a, k, out.pred[a], y);
          const nm = norms(out.xAdv, xs, a * d, d);
          const e: AttackEntry = {
            attack: item.id, kind: item.spec.kind, family: item.family, norm: item.spec.norm, eps,
            advPred: out.pred[a], advConf: o.conf, success: out.pred[a] !== y, linf: nm.linf, l2: nm.l2,
            loss: o.loss, brier: o.brier, queries: out.queries[a],
          };
          if (out.lossTrace) e.lossTrace = Array.from(out.lossTrace[a]);
          entries.set(i, e);
          if (e.success) pending.push({ entry: e, label: y, index: indices[i], x: out.xAdv.slice(a * d, (a + 1) * d) });
          if (e.success && gallery.size < galleryLimit && !gallery.has(indices[i])) {
            gallery.set(indices[i], {
              index: indices[i], label: y, cleanPred: batchRecords[i].cleanPred, cleanConf: batchRecords[i].cleanConf, attack: item.id,
              norm: e.norm, eps, advPred: e.advPred, advConf: e.advConf, shape: [...shape],
              original: Array.from(xs.subarray(a * d, (a + 1) * d)), adversarial: Array.from(out.xAdv.subarray(a * d, (a + 1) * d)),
            });
          }
        });
      }
      batchRecords.forEach((r, i) => r.attacks.push(entries.get(i) ?? skippedEntry(r, { attack: item.id, kind: item.spec.kind, family: item.family, norm: item.spec.norm, eps })));
      perAttackMs[item.id] = (perAttackMs[item.id] ?? 0) + performance.now() - ta;
      done += b;
      opts.onProgress?.(done, total);
    }
    // Every break of this batch sent to the model again: one whose answer is no longer wrong is not counted and
    // leaves the gallery (the evaluation's reliability check names it). These queries are not in any attack's budget.
    await replayBreaksAndPruneGallery(pending, replay, k, "endpoint", gallery);
    records.push(...batchRecords);
  }
  return {
    records,
    backend: opts.backend ?? { backend: "http-endpoint", tfjsVersion: "n/a" },
    timings: { totalMs: performance.now() - t0, cleanMs, perAttackMs },
    gradientStats: { examples: 0, allZero: 0, nonFinite: 0, meanZeroFraction: 0, meanTinyFraction: 0 },
    gallery: [...gallery.values()].sort((a, b) => a.index - b.index),
  };
}
