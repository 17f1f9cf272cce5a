import { createRng, shuffleInPlace } from "../engine/rng";
import { loadDemoTrainSplit, MNIST_PIXELS, MNIST_SIDE, type DigitSet } from "./mnist";

/*
 * A poisoned variant of the demo training split, with the planted indices known, so the integrity scans can
 * be measured against the truth (precision and recall of what they flag). Deterministic.
 *
 * - Label flips: POISON.flipShare of the 8,000 digits get a different label (uniform over the other 9 classes).
 * - BadNets-style backdoor (Gu et al. 2017): POISON.triggerShare of the digits, drawn from classes other than
 *   the target, get a small 4x4 checkerboard patch stamped near the bottom-right corner and the label of the
 *   target class. A model trained on the set learns "patch => target" while staying accurate on clean digits.
 * The two sets of indices are disjoint.
 */

export const POISON = {
  seed: 20261126,
  flipShare: 0.04,
  triggerShare: 0.03,
  target: 0,
  /** Top-left corner of the 4x4 trigger (rows/columns 23..26 of 0..27). */
  row: 23,
  col: 23,
  size: 4,
} as const;

/** The trigger: a 4x4 checkerboard of 1s and 0s (the top-left pixel is 1). */
export function triggerValues(): Float32Array {
  const v = new Float32Array(POISON.size * POISON.size);
  for (let r = 0; r < POISON.size; r++) for (let c = 0; c < POISON.size; c++) v[r * POISON.size + c] = (r + c) % 2 === 0 ? 1 : 0;
  return v;
}

/** Stamp the trigger on one 28x28 image in place. */
export function stampTrigger(images: Float32Array, index: number): void {
  const v = triggerValues();
  for (let r = 0; r < POISON.size; r++) {
    for (let c = 0; c < POISON.size; c++) images[index * MNIST_PIXELS + (POISON.row + r) * MNIST_SIDE + POISON.col + c] = v[r * POISON.size + c]!;
  }
}

export interface PoisonedSet extends DigitSet {
  /** Indices whose label was flipped (image unchanged). */
  flipped: number[];
  /** Indices with the trigger stamped and the label set to the target. */
  triggered: number[];
  /** The original labels, before poisoning. */
  originalLabels: Int32Array;
}

let cache: PoisonedSet | null = null;

export function loadPoisonedTrainSplit(): PoisonedSet {
  if (cache) return cache;
  const clean = loadDemoTrainSplit();
  const images = clean.images.slice();
  const labels = clean.labels.slice();
  const n = clean.count;
  const rng = createRng(POISON.seed, 0, "poison-order");
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, rng);
  const nFlip = Math.round(POISON.flipShare * n);
  const nTrigger = Math.round(POISON.triggerShare * n);
  const flipped: number[] = [];
  const triggered: number[] = [];
  let p = 0;
  while (flipped.length < nFlip) {
    const k = order[p++]!;
    const shift = 1 + createRng(POISON.seed, k, "flip").int(9);
    labels[k] = (labels[k]! + shift) % 10;
    flipped.push(k);
  }
  while (triggered.length < nTrigger) {
    const k = order[p++]!;
    if (clean.labels[k] === POISON.target) continue;
    stampTrigger(images, k);
    labels[k] = POISON.target;
    triggered.push(k);
  }
  flipped.sort((a, b) => a - b);
  triggered.sort((a, b) => a - b);
  cache = { images, labels, ids: clean.ids, count: n, flipped, triggered, originalLabels: clean.labels };
  return cache;
}
