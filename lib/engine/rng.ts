/*
 * Counter-based randomness: every stream is a pure function of (seed, example index, stream name),
 * so an example gets the same random numbers whatever shard or batch it lands in.
 */

/** 32-bit string hash (MurmurHash3-style mixing of a FNV-1a pass). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** +1 or -1 with equal probability. */
  sign(): number;
}

/** sfc32 generator: small, fast, passes PractRand at these sizes; state from four hashes. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function createRng(seed: number | string, index: number, stream: string): Rng {
  const key = `${seed}|${index}|${stream}`;
  const raw = sfc32(hash32(key + "#a"), hash32(key + "#b"), hash32(key + "#c"), hash32(key + "#d"));
  for (let i = 0; i < 12; i++) raw(); // warm up away from the hashed state
  let spare: number | null = null;
  return {
    next: raw,
    int: (n) => Math.min(n - 1, Math.floor(raw() * n)),
    sign: () => (raw() < 0.5 ? -1 : 1),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = raw();
      while (u <= 0) u = raw();
      const v = raw();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Shuffles `a` in place (Fisher–Yates from the last position down, one draw each) and returns it. */
export function shuffleInPlace<A extends { length: number; [i: number]: number }>(a: A, rng: Rng): A {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The rows `rows` of a flat sample array (`size` values each) and their labels, as one training batch. */
export function gatherBatch(x: Float32Array, labels: ArrayLike<number>, rows: ArrayLike<number>, size: number): { xb: Float32Array; yb: Int32Array } {
  const xb = new Float32Array(rows.length * size);
  const yb = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const k = rows[i]!;
    xb.set(x.subarray(k * size, (k + 1) * size), i * size);
    yb[i] = labels[k]!;
  }
  return { xb, yb };
}
