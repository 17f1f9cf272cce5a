import { createRng } from "../engine/rng";

/*
 * Backdoor / poison detection from a model's penultimate-layer activations, per class. Pure: it reads the
 * activations (n x d, back to back) and the labels the model was trained with.
 *
 * Activation clustering (Chen et al. 2018, "Detecting Backdoor Attacks on Deep Neural Networks by Activation
 * Clustering"): per class, centre the activations, reduce them to `dims` principal components (the paper
 * uses ICA to 10 dimensions; PCA here, by power iteration), split them into 2 clusters (2-means, seeded
 * restarts, lowest inertia kept). Poisoned examples of a target class activate the "trigger" features
 * rather than those of the class, so they form their own small, well separated cluster. The statistics:
 *   relative size = the smaller cluster's share of the class;
 *   silhouette    = mean silhouette coefficient of the 2-cluster split (-1..1; higher = better separated),
 *                   over at most `silhouetteSample` examples of the class (evenly spaced) for cost.
 * A class is flagged when relative size <= `maxRelativeSize` AND silhouette >= `minSilhouette`.
 *
 * Spectral signatures (Tran, Li & Madry 2018, "Spectral Signatures in Backdoor Attacks"): per class, centre
 * the activations, take the top right singular vector v of the centred matrix; each example's outlier
 * score is its squared projection (x - mean) . v squared; the top 1.5 x `expectedPoisonFraction` of the class
 * by score are flagged. Every class gets flags by construction (it is a removal rule, not a test), so the
 * class-level reading comes from activation clustering; the spectral scores corroborate it.
 */

export interface ClassActivations {
  acts: Float32Array;
  dim: number;
  labels: Int32Array | number[];
  classes: number;
}

export interface ClusteringOptions {
  dims?: number;
  maxRelativeSize?: number;
  minSilhouette?: number;
  silhouetteSample?: number;
  restarts?: number;
  seed?: number;
}

export interface ClusterClassResult {
  label: number;
  samples: number;
  /** Indices (into the whole set) of the smaller cluster. */
  smallCluster: number[];
  relativeSize: number;
  silhouette: number;
  /** Variance share of the principal components kept. */
  explainedVariance: number;
  flagged: boolean;
}

export interface ClusteringReport {
  method: string;
  dims: number;
  maxRelativeSize: number;
  minSilhouette: number;
  perClass: ClusterClassResult[];
  flaggedClasses: number[];
  /** Examples in the small clusters of flagged classes. */
  suspicious: number[];
}

export interface SpectralClassResult {
  label: number;
  samples: number;
  /** Top singular value squared over the sum of all (share of the centred variance on v). */
  topShare: number;
  flagged: { index: number; score: number }[];
  /** Score of every example of the class, in the order of `members`. */
  members: number[];
  scores: number[];
}

export interface SpectralReport {
  method: string;
  expectedPoisonFraction: number;
  perClass: SpectralClassResult[];
}

function indicesByClass(labels: Int32Array | number[], classes: number): number[][] {
  const out = Array.from({ length: classes }, () => [] as number[]);
  for (let k = 0; k < labels.length; k++) {
    const y = labels[k]!;
    if (y >= 0 && y < classes) out[y]!.push(k);
  }
  return out;
}

/** Centred rows of the class: members.length x dim, Float64. */
function centred(acts: Float32Array, dim: number, members: number[]): Float64Array {
  const m = members.length;
  const mean = new Float64Array(dim);
  for (const k of members) for (let j = 0; j < dim; j++) mean[j] += acts[k * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, m);
  const out = new Float64Array(m * dim);
  members.forEach((k, i) => {
    for (let j = 0; j < dim; j++) out[i * dim + j] = acts[k * dim + j]! - mean[j]!;
  });
  return out;
}

/**
 * Top `count` principal directions of centred rows X (m x d) by power iteration on X^T X with deflation.
 * Returns the directions (count x d) and their eigenvalues; deterministic start vectors.
 */
export function topComponents(x: Float64Array, m: number, d: number, count: number, iterations = 100): { vectors: Float64Array[]; values: number[] } {
  const vectors: Float64Array[] = [];
  const values: number[] = [];
  const xv = new Float64Array(m);
  for (let c = 0; c < Math.min(count, d, m); c++) {
    let v = new Float64Array(d);
    const rng = createRng(7, c, "power");
    for (let j = 0; j < d; j++) v[j] = rng.normal();
    let lambda = 0;
    for (let it = 0; it < iterations; it++) {
      // w = X^T X v, then remove the found directions.
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x[i * d + j]! * v[j]!;
        xv[i] = s;
      }
      const w = new Float64Array(d);
      for (let i = 0; i < m; i++) {
        const s = xv[i]!;
        if (s === 0) continue;
        for (let j = 0; j < d; j++) w[j] += x[i * d + j]! * s;
      }
      for (const u of vectors) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += w[j]! * u[j]!;
        for (let j = 0; j < d; j++) w[j] -= dot * u[j]!;
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += w[j]! * w[j]!;
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      let change = 0;
      for (let j = 0; j < d; j++) {
        const nv = w[j]! / norm;
        change += (nv - v[j]!) ** 2;
        w[j] = nv;
      }
      v = w;
      lambda = norm;
      if (change < 1e-12) break;
    }
    vectors.push(v);
    values.push(lambda);
  }
  return { vectors, values };
}

function project(x: Float64Array, m: number, d: number, vectors: Float64Array[]): Float64Array {
  const k = vectors.length;
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < k; c++) {
      const v = vectors[c]!;
      let s = 0;
      for (let j = 0; j < d; j++) s += x[i * d + j]! * v[j]!;
      out[i * k + c] = s;
    }
  }
  return out;
}

function dist2(a: Float64Array, i: number, b: Float64Array, j: number, k: number): number {
  let s = 0;
  for (let c = 0; c < k; c++) s += (a[i * k + c]! - b[j * k + c]!) ** 2;
  return s;
}

/** 2-means on rows of p (m x k): restarts from seeded pairs of distinct rows, lowest inertia kept. */
export function twoMeans(p: Float64Array, m: number, k: number, restarts: number, seed: number): Uint8Array {
  let best: Uint8Array | null = null;
  let bestInertia = Infinity;
  const rng = createRng(seed, m, "2means");
  for (let r = 0; r < restarts; r++) {
    const centres = new Float64Array(2 * k);
    // k-means++ style: a random row, then a row drawn with probability proportional to squared distance.
    const a = rng.int(m);
    for (let c = 0; c < k; c++) centres[c] = p[a * k + c]!;
    let total = 0;
    const d2 = new Float64Array(m);
    for (let i = 0; i < m; i++) total += d2[i] = dist2(p, i, centres, 0, k);
    let pick = 0;
    let u = rng.next() * total;
    for (let i = 0; i < m; i++) {
      u -= d2[i]!;
      if (u <= 0) {
        pick = i;
        break;
      }
    }
    for (let c = 0; c < k; c++) centres[k + c] = p[pick * k + c]!;
    const assign = new Uint8Array(m);
    for (let it = 0; it < 100; it++) {
      let moved = 0;
      for (let i = 0; i < m; i++) {
        const to = dist2(p, i, centres, 1, k) < dist2(p, i, centres, 0, k) ? 1 : 0;
        if (to !== assign[i] || it === 0) moved++;
        assign[i] = to;
      }
      const sums = new Float64Array(2 * k);
      const counts = [0, 0];
      for (let i = 0; i < m; i++) {
        counts[assign[i]!]!++;
        for (let c = 0; c < k; c++) sums[assign[i]! * k + c] += p[i * k + c]!;
      }
      for (let g = 0; g < 2; g++) if (counts[g]) for (let c = 0; c < k; c++) centres[g * k + c] = sums[g * k + c]! / counts[g]!;
      if (!moved && it > 0) break;
    }
    let inertia = 0;
    for (let i = 0; i < m; i++) inertia += dist2(p, i, centres, assign[i]!, k);
    if (inertia < bestInertia) {
      bestInertia = inertia;
      best = assign;
    }
  }
  return best ?? new Uint8Array(m);
}

/** Mean silhouette of a 2-cluster split over evenly spaced rows (at most `sample`), distances over all rows. */
export function silhouette(p: Float64Array, m: number, k: number, assign: Uint8Array, sample: number): number {
  const counts = [0, 0];
  for (let i = 0; i < m; i++) counts[assign[i]!]!++;
  if (!counts[0] || !counts[1]) return 0;
  const step = Math.max(1, m / sample);
  let sum = 0;
  let n = 0;
  for (let f = 0; f < m; f += step) {
    const i = Math.floor(f);
    const own = assign[i]!;
    const within = [0, 0];
    for (let j = 0; j < m; j++) if (j !== i) within[assign[j]!] += Math.sqrt(dist2(p, i, p, j, k));
    const ownCount = counts[own]! - 1;
    // A singleton's silhouette is 0 by convention.
    if (ownCount === 0) {
      n++;
      continue;
    }
    const a = within[own]! / ownCount;
    const b = within[1 - own]! / counts[1 - own]!;
    sum += (b - a) / Math.max(a, b, 1e-12);
    n++;
  }
  return n ? sum / n : 0;
}

export function activationClustering(input: ClassActivations, opts: ClusteringOptions = {}): ClusteringReport {
  const dims = opts.dims ?? 10;
  const maxRelativeSize = opts.maxRelativeSize ?? 0.35;
  const minSilhouette = opts.minSilhouette ?? 0.3;
  const sample = opts.silhouetteSample ?? 600;
  const restarts = opts.restarts ?? 5;
  const seed = opts.seed ?? 0;
  const { acts, dim, labels, classes } = input;
  if (acts.length !== labels.length * dim) throw new Error(`${acts.length} activations for ${labels.length} samples of ${dim}`);
  const perClass: ClusterClassResult[] = [];
  indicesByClass(labels, classes).forEach((members, label) => {
    const m = members.length;
    if (m < 4) {
      perClass.push({ label, samples: m, smallCluster: [], relativeSize: 0, silhouette: 0, explainedVariance: 0, flagged: false });
      return;
    }
    const x = centred(acts, dim, members);
    let total = 0;
    for (let i = 0; i < x.length; i++) total += x[i]! * x[i]!;
    const { vectors, values } = topComponents(x, m, dim, dims);
    const p = project(x, m, dim, vectors);
    const k = vectors.length;
    const assign = twoMeans(p, m, k, restarts, seed + label);
    const ones = assign.reduce((s, a) => s + a, 0);
    const small = ones <= m - ones ? 1 : 0;
    const smallCluster = members.filter((_, i) => assign[i] === small);
    const relativeSize = smallCluster.length / m;
    const s = silhouette(p, m, k, assign, sample);
    perClass.push({
      label, samples: m, smallCluster, relativeSize, silhouette: s,
      explainedVariance: total ? values.reduce((a, b) => a + b, 0) / total : 0,
      flagged: relativeSize > 0 && relativeSize <= maxRelativeSize && s >= minSilhouette,
    });
  });
  const flagged = perClass.filter((c) => c.flagged);
  return {
    method: `Activation clustering (Chen et al. 2018): per class, penultimate-layer activations centred, reduced to ${dims} principal components, split by 2-means; a class is flagged when its smaller cluster holds at most ${Math.round(maxRelativeSize * 100)}% of the class and the split's mean silhouette is at least ${minSilhouette}`,
    dims,
    maxRelativeSize,
    minSilhouette,
    perClass,
    flaggedClasses: flagged.map((c) => c.label),
    suspicious: flagged.flatMap((c) => c.smallCluster).sort((a, b) => a - b),
  };
}

export function spectralSignatures(input: ClassActivations, expectedPoisonFraction = 0.1): SpectralReport {
  const { acts, dim, labels, classes } = input;
  if (!(expectedPoisonFraction > 0 && expectedPoisonFraction < 0.67)) throw new Error("expected poison fraction must be in (0, 0.67)");
  const perClass: SpectralClassResult[] = [];
  indicesByClass(labels, classes).forEach((members, label) => {
    const m = members.length;
    if (m < 2) {
      perClass.push({ label, samples: m, topShare: 0, flagged: [], members, scores: members.map(() => 0) });
      return;
    }
    const x = centred(acts, dim, members);
    let total = 0;
    for (let i = 0; i < x.length; i++) total += x[i]! * x[i]!;
    const { vectors, values } = topComponents(x, m, dim, 1);
    const v = vectors[0]!;
    const scores = members.map((_, i) => {
      let s = 0;
      for (let j = 0; j < dim; j++) s += x[i * dim + j]! * v[j]!;
      return s * s;
    });
    const take = Math.min(m, Math.ceil(1.5 * expectedPoisonFraction * m - 1e-9));
    const order = scores.map((s, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    perClass.push({
      label, samples: m, topShare: total ? values[0]! / total : 0,
      flagged: order.slice(0, take).map((i) => ({ index: members[i]!, score: scores[i]! })),
      members, scores,
    });
  });
  return {
    method: `Spectral signatures (Tran et al. 2018): per class, centred penultimate-layer activations; outlier score = squared projection on the top right singular vector; the top 1.5 x ${expectedPoisonFraction} of each class flagged`,
    expectedPoisonFraction,
    perClass,
  };
}
