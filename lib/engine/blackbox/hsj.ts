import { createRng, type Rng } from "../rng";
import type { BlackBoxBatch, BlackBoxOutput } from "./attacks";

// HopSkipJump (Chen, Jordan & Wainwright 2020), a decision-based attack: it needs only the predicted label.
// Untargeted, L2 or Linf. Per example: find any misclassified input (uniform noise in the value range),
// binary-search to the decision boundary, then repeat — estimate the boundary's normal from the labels of
// random probes around the boundary point, step along it (geometric step-size search), binary-search back to
// the boundary. It minimises the distance to the clean input; robust accuracy at budget eps counts an example
// as broken when the smallest adversarial distance found is at most eps. Every probe is one query against the
// example's budget; the attack stops at the budget.

export interface HsjOptions {
  norm: "linf" | "l2";
  /** Query budget per example. */
  queries: number;
  /** Uniform-noise draws to find a first adversarial input (part of the budget). */
  initDraws?: number;
  /** Probes per gradient estimate at iteration t: min(initProbes·√t, maxProbes) (the paper uses 100). */
  initProbes?: number;
  maxProbes?: number;
}

class Budget {
  used = 0;
  constructor(readonly limit: number) {}
  get left() {
    return this.limit - this.used;
  }
}

class OutOfBudget extends Error {}

export async function hopSkipJump(b: BlackBoxBatch, opts: HsjOptions): Promise<BlackBoxOutput> {
  const d = b.shape.reduce((a, v) => a * v, 1);
  const n = b.labels.length;
  const xAdv = Float32Array.from(b.x);
  const pred = new Int32Array(n);
  const queries = new Int32Array(n);
  const distance = new Float64Array(n).fill(Infinity);
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const r = await attackOne(b, i, d, opts);
      queries[i] = r.queries;
      distance[i] = r.distance;
      // Within the budget eps: the closest adversarial input found. Beyond it: the clean input (not broken).
      if (r.x && r.distance <= b.eps * (1 + 1e-6)) {
        xAdv.set(r.x, i * d);
        pred[i] = r.pred;
      } else pred[i] = b.labels[i];
    }),
  );
  return { xAdv, pred, scores: null, queries, distance };
}

async function attackOne(b: BlackBoxBatch, i: number, d: number, opts: HsjOptions) {
  const { min, max } = b.range;
  const x0 = b.x.subarray(i * d, (i + 1) * d);
  const y = b.labels[i];
  const rng: Rng = createRng(b.seed, b.indices[i], b.stream);
  const budget = new Budget(opts.queries);
  const linf = opts.norm === "linf";
  const clip = (v: number) => (v < min ? min : v > max ? max : v);
  const dist = (x: Float32Array) => {
    let s = 0;
    for (let j = 0; j < d; j++) s = linf ? Math.max(s, Math.abs(x[j] - x0[j])) : s + (x[j] - x0[j]) ** 2;
    return linf ? s : Math.sqrt(s);
  };
  let best: Float32Array | null = null;
  let bestDist = Infinity;
  let bestPred = y;

  /** Labels of several inputs (one query each); records any adversarial one that is closer than the best. */
  const labelsOf = async (xs: Float32Array[]): Promise<boolean[]> => {
    if (xs.length > budget.left) throw new OutOfBudget();
    budget.used += xs.length;
    const flat = new Float32Array(xs.length * d);
    xs.forEach((x, j) => flat.set(x, j * d));
    const ans = await b.oracle.query(flat, xs.length);
    return xs.map((x, j) => {
      const adv = ans.labels[j] !== y;
      if (adv) {
        const dd = dist(x);
        if (dd < bestDist) {
          bestDist = dd;
          best = x;
          bestPred = ans.labels[j];
        }
      }
      return adv;
    });
  };
  const isAdv = async (x: Float32Array) => (await labelsOf([x]))[0];

  // Between the clean input and an adversarial one: L2 blends along the line, Linf clips to a shrinking box.
  const between = (adv: Float32Array, t: number) => {
    const out = new Float32Array(d);
    if (linf) {
      const r = t * dist(adv);
      for (let j = 0; j < d; j++) out[j] = Math.min(x0[j] + r, Math.max(x0[j] - r, adv[j]));
    } else for (let j = 0; j < d; j++) out[j] = (1 - t) * x0[j] + t * adv[j];
    return out;
  };
  // Tolerance of the boundary search, as in the paper: θ = d^(-3/2) (L2) or d^(-2) (Linf).
  const theta = linf ? 1 / (d * d) : 1 / (d * Math.sqrt(d));
  const boundary = async (adv: Float32Array) => {
    let lo = 0,
      hi = 1;
    while (hi - lo > Math.max(theta, 1e-6)) {
      const mid = (lo + hi) / 2;
      if (await isAdv(between(adv, mid))) hi = mid;
      else lo = mid;
    }
    return between(adv, hi);
  };

  try {
    let start: Float32Array | null = null;
    for (let t = 0; t < (opts.initDraws ?? 50) && !start; t++) {
      const cand = new Float32Array(d);
      for (let j = 0; j < d; j++) cand[j] = min + (max - min) * rng.next();
      if (await isAdv(cand)) start = cand;
    }
    if (start) {
      let xt = await boundary(start);
      for (let t = 1; budget.left > 0; t++) {
        const dt = dist(xt);
        const delta = linf ? d * theta * dt : Math.sqrt(d) * theta * dt;
        const probes = Math.max(2, Math.min(Math.round((opts.initProbes ?? 25) * Math.sqrt(t)), opts.maxProbes ?? 100, Math.floor(budget.left / 2)));
        const us: Float64Array[] = [];
        const xs: Float32Array[] = [];
        for (let p = 0; p < probes; p++) {
          const u = new Float64Array(d);
          let s = 0;
          for (let j = 0; j < d; j++) {
            u[j] = rng.normal();
            s += u[j] * u[j];
          }
          s = Math.sqrt(s) || 1;
          const probe = new Float32Array(d);
          for (let j = 0; j < d; j++) {
            u[j] /= s;
            probe[j] = clip(xt[j] + delta * u[j]);
          }
          us.push(u);
          xs.push(probe);
        }
        const phi = (await labelsOf(xs)).map((a) => (a ? 1 : -1));
        const mean = phi.reduce((a, v) => a + v, 0) / phi.length;
        // Baseline-subtracted Monte Carlo estimate of the boundary normal (the paper's variance reduction).
        const g = new Float64Array(d);
        const centred = Math.abs(mean) === 1 ? phi : phi.map((v) => v - mean);
        us.forEach((u, p) => {
          for (let j = 0; j < d; j++) g[j] += centred[p] * u[j];
        });
        let gn = 0;
        for (let j = 0; j < d; j++) gn += g[j] * g[j];
        gn = Math.sqrt(gn) || 1;
        const v = new Float64Array(d);
        for (let j = 0; j < d; j++) v[j] = linf ? Math.sign(g[j]) : g[j] / gn;
        // Geometric step-size search from dist/√t, halving until the step stays adversarial.
        let xi = dt / Math.sqrt(t);
        let next: Float32Array | null = null;
        for (let halvings = 0; halvings < 20; halvings++) {
          const cand = new Float32Array(d);
          for (let j = 0; j < d; j++) cand[j] = clip(xt[j] + xi * v[j]);
          if (await isAdv(cand)) {
            next = cand;
            break;
          }
          xi /= 2;
        }
        if (!next) break;
        xt = await boundary(next);
      }
    }
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  }
  return { queries: budget.used, distance: bestDist, pred: best ? bestPred : y, x: best as Float32Array | null };
}
