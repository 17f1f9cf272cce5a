import { createRng } from "../engine/rng";

/**
 * Picks `n` examples stratified by class: each class gets its share of n (largest remainder), and
 * within a class the examples with the smallest seeded random keys. Returns dataset indices in
 * ascending order. Pure and deterministic for (labels, n, seed).
 */
export function stratifiedSample(labels: ArrayLike<number>, n: number, seed: number): number[] {
  const total = labels.length;
  if (n >= total) return Array.from({ length: total }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < total; i++) {
    const c = labels[i]!;
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => (byClass.get(c)!.length * n) / total);
  const quota = exact.map(Math.floor);
  let left = n - quota.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties go to the lower class index, so the result is deterministic.
  const order = classes.map((_, i) => i).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b);
  for (const i of order) {
    if (left === 0) break;
    quota[i]!++;
    left--;
  }
  const picked: number[] = [];
  classes.forEach((c, ci) => {
    const keyed = byClass.get(c)!.map((idx) => ({ idx, key: createRng(seed, idx, "sample").next() }));
    keyed.sort((a, b) => a.key - b.key || a.idx - b.idx);
    for (const k of keyed.slice(0, quota[ci])) picked.push(k.idx);
  });
  return picked.sort((a, b) => a - b);
}

/** Splits `count` positions into shards of at most `shardSize`: [start, end) pairs. */
export function planShards(count: number, shardSize: number): { index: number; start: number; end: number }[] {
  const out: { index: number; start: number; end: number }[] = [];
  for (let start = 0, index = 0; start < count; start += shardSize, index++) {
    out.push({ index, start, end: Math.min(count, start + shardSize) });
  }
  return out;
}
