import type { LoadedModel } from "../engine/model";
import { activationClustering, spectralSignatures, type ClusteringOptions, type ClusterClassResult } from "./backdoor";
import { penultimateActivations, predictLabels } from "./model-probe";
import { cornerPatches, derivePatch, shapeOf, triggerTest, type Patch, type TriggerReport } from "./trigger";

/*
 * The backdoor part of the model-assisted scan, end to end on one model: penultimate activations of the
 * training set, activation clustering and spectral signatures per class, then the trigger test on clean
 * held-out inputs — a patch derived from each flagged class's small cluster, and the fixed corner patches
 * towards every class. Returns plain data for the results page and the evidence.
 */

export interface SuspiciousExample {
  index: number;
  label: number;
  /** Spectral-signature outlier score (squared projection on the class's top singular vector). */
  spectralScore: number;
  /** Rank of that score within its class (1 = most outlying). */
  spectralRank: number;
  inSpectralTop: boolean;
}

export interface BackdoorScanOptions {
  model: LoadedModel;
  /** Training set the model was trained on. */
  x: Float32Array;
  labels: Int32Array;
  sampleShape: number[];
  classes: number;
  range: { min: number; max: number };
  /** Clean held-out inputs for the trigger test (e.g. an evaluation split). */
  cleanX: Float32Array;
  cleanLabels: Int32Array;
  expectedPoisonFraction?: number;
  clustering?: ClusteringOptions;
  patchSize?: number;
  triggerInputs?: number;
  seed?: number;
  maxSuspicious?: number;
  onProgress?: (step: string) => Promise<void> | void;
}

export interface BackdoorScanResult {
  layer: string;
  dim: number;
  clustering: { method: string; dims: number; maxRelativeSize: number; minSilhouette: number; perClass: (Omit<ClusterClassResult, "smallCluster"> & { smallClusterSize: number })[]; flaggedClasses: number[] };
  spectral: { method: string; expectedPoisonFraction: number; perClass: { label: number; samples: number; topShare: number; flaggedCount: number; overlapWithSmallCluster: number | null }[] };
  /** Small-cluster members of flagged classes, most outlying first (all of them unless `maxSuspicious`). */
  suspicious: SuspiciousExample[];
  suspiciousTotal: number;
  /** All small-cluster members of flagged classes (for precision/recall). */
  suspiciousIndices: number[];
  /** Spectral top set of every class (for precision/recall). */
  spectralIndices: number[];
  trigger: TriggerReport[];
  /** Classes with a live trigger. */
  liveBackdoors: number[];
}

export async function scanBackdoor(o: BackdoorScanOptions): Promise<BackdoorScanResult> {
  const n = o.labels.length;
  await o.onProgress?.("activations");
  const { acts, dim, layer } = await penultimateActivations(o.model, o.x, n, o.sampleShape);
  await o.onProgress?.("clustering");
  const input = { acts, dim, labels: o.labels, classes: o.classes };
  const ac = activationClustering(input, { seed: o.seed ?? 0, ...o.clustering });
  const sp = spectralSignatures(input, o.expectedPoisonFraction ?? 0.1);
  const scoreOf = new Map<number, { score: number; rank: number; top: boolean }>();
  for (const c of sp.perClass) {
    const order = c.scores.map((_, i) => i).sort((a, b) => c.scores[b]! - c.scores[a]!);
    const top = new Set(c.flagged.map((f) => f.index));
    order.forEach((i, r) => scoreOf.set(c.members[i]!, { score: c.scores[i]!, rank: r + 1, top: top.has(c.members[i]!) }));
  }
  const suspiciousAll: SuspiciousExample[] = ac.suspicious.map((index) => {
    const s = scoreOf.get(index)!;
    return { index, label: o.labels[index]!, spectralScore: s.score, spectralRank: s.rank, inSpectralTop: s.top };
  }).sort((a, b) => b.spectralScore - a.spectralScore || a.index - b.index);

  await o.onProgress?.("trigger");
  const shape = shapeOf(o.sampleShape);
  const size = o.patchSize ?? Math.max(3, Math.round(Math.min(shape.h, shape.w) / 7));
  const predict = (xx: Float32Array, count: number) => predictLabels(o.model, xx, count, o.sampleShape);
  const trigger: TriggerReport[] = [];
  const corners = cornerPatches(shape, size, o.range.max);
  for (let target = 0; target < o.classes; target++) {
    const patches: Patch[] = [];
    const cls = ac.perClass[target];
    if (cls?.flagged) {
      const small = new Set(cls.smallCluster);
      const others: number[] = [];
      for (let k = 0; k < n; k++) if (o.labels[k] === target && !small.has(k)) others.push(k);
      patches.push(derivePatch(o.x, shape, cls.smallCluster, others, size));
    }
    patches.push(...corners);
    trigger.push(await triggerTest({
      predict, x: o.cleanX, labels: o.cleanLabels, shape, target, patches, range: o.range,
      seed: o.seed ?? 0, maxInputs: o.triggerInputs ?? 500,
    }));
  }
  const spectralTop = sp.perClass.flatMap((c) => c.flagged.map((f) => f.index));
  return {
    layer, dim,
    clustering: {
      method: ac.method, dims: ac.dims, maxRelativeSize: ac.maxRelativeSize, minSilhouette: ac.minSilhouette, flaggedClasses: ac.flaggedClasses,
      perClass: ac.perClass.map(({ smallCluster, ...rest }) => ({ ...rest, smallClusterSize: smallCluster.length })),
    },
    spectral: {
      method: sp.method, expectedPoisonFraction: sp.expectedPoisonFraction,
      perClass: sp.perClass.map((c) => {
        const cl = ac.perClass[c.label];
        const small = cl?.flagged ? new Set(cl.smallCluster) : null;
        return {
          label: c.label, samples: c.samples, topShare: c.topShare, flaggedCount: c.flagged.length,
          overlapWithSmallCluster: small ? c.flagged.filter((f) => small.has(f.index)).length / Math.max(1, c.flagged.length) : null,
        };
      }),
    },
    suspicious: o.maxSuspicious === undefined ? suspiciousAll : suspiciousAll.slice(0, o.maxSuspicious),
    suspiciousTotal: suspiciousAll.length,
    suspiciousIndices: ac.suspicious,
    spectralIndices: spectralTop,
    trigger,
    liveBackdoors: trigger.filter((t) => t.live).map((t) => t.target),
  };
}
