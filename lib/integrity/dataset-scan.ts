import { createHash } from "node:crypto";

/*
 * Training-data integrity, the dataset part (issue 12): checks that need no model. Pure functions over
 * decoded tensors, so a worker job, a test and a benchmark all run the same code.
 *
 * - Exact duplicates: identical values (SHA-256 of the float32 bytes).
 * - Near duplicates (images): candidates share a band of a 64-bit difference hash (dHash: 9x8 grey
 *   thumbnail, one bit per horizontal step that rises by more than 1% of the range, so flat background
 *   does not flip bits on noise), then are confirmed on the pixels: the L2 distance at most `nearTolerance`
 *   of the larger image's norm (mean-free, so a blank background does not make images look alike). With 4
 *   interleaved bands of 16 bits, every pair whose hashes differ in at most 3 bits shares a band
 *   (pigeonhole); pairs whose hashes differ in more than 8 bits are not compared, and the pixel check
 *   keeps hash collisions out.
 * - Leakage: a duplicate (exact or near) whose members sit in different parts (e.g. train and test).
 * - Label conflicts: a duplicate group whose members carry different labels.
 * - Class balance: each class's share against an even split; a class below half or above twice its even
 *   share is flagged, with the ratio of the largest to the smallest class.
 * - Value range: non-finite values, values outside the declared range, constant samples.
 */

export interface ScanPart {
  /** A name the report uses, e.g. "train" or "mnist-demo-eval v1". */
  name: string;
  /** Samples back to back: count x (sample shape). */
  x: Float32Array;
  labels: Int32Array;
}

export interface ScanOptions {
  /** Shape of one sample, e.g. [28, 28, 1]; image checks run when it has 2 or 3 dimensions. */
  sampleShape: number[];
  range: { min: number; max: number };
  classes: number;
  /** Near duplicate: L2 distance at most this share of the larger mean-free image norm (default 0.1). */
  nearTolerance?: number;
  /** Examples listed per finding (default 20). */
  maxExamples?: number;
}

/** A sample, by part and index within it. */
export interface SampleRef { part: string; index: number; label: number }

export interface DuplicateGroup {
  kind: "exact" | "near";
  members: SampleRef[];
  /** Distinct value patterns among the members (1 for an exact group; a near group lists exact copies too). */
  distinct: number;
  /** Largest relative L2 distance between the first member and another (0 for exact). */
  maxDifference: number;
  crossesParts: boolean;
  labelConflict: boolean;
}

export interface ClassBalance {
  counts: number[];
  shares: number[];
  /** Classes below half or above twice an even share. */
  flagged: { label: number; count: number; share: number; expected: number; why: "under-represented" | "over-represented" | "absent" }[];
  /** Largest class count over smallest non-zero count. */
  imbalanceRatio: number;
}

export interface RangeIssues {
  nonFinite: SampleRef[];
  outOfRange: { ref: SampleRef; value: number }[];
  constant: SampleRef[];
  labelOutOfRange: SampleRef[];
}

export interface DatasetScanReport {
  samples: number;
  parts: { name: string; samples: number }[];
  method: { exact: string; near: string | null; nearTolerance: number };
  exactDuplicates: { groups: number; redundantSamples: number; examples: DuplicateGroup[] };
  nearDuplicates: { groups: number; redundantSamples: number; examples: DuplicateGroup[] };
  leakage: { groups: number; samples: number; examples: DuplicateGroup[] };
  labelConflicts: { groups: number; examples: DuplicateGroup[] };
  balance: ClassBalance[];
  range: { counts: { nonFinite: number; outOfRange: number; constant: number; labelOutOfRange: number }; examples: RangeIssues };
}

const BANDS = 4;
// Hash distance up to which a pair sharing a band is compared on the pixels (the band guarantee covers 3).
const CANDIDATE_BITS = 8;

const THUMB_COLS = 9;
const THUMB_ROWS = 8;

/**
 * Grey 9x8 thumbnail by area averaging (each cell averages the values of the pixels whose centres fall
 * in it), and the fewest values any cell averages: the thumbnail of a difference is at most the
 * difference's L2 norm over the square root of that count, which makes it a safe pre-check.
 */
function thumbnail(x: Float32Array, offset: number, shape: number[]): { cells: Float64Array; minValues: number } {
  const [h, w, c = 1] = shape;
  const sum = new Float64Array(THUMB_COLS * THUMB_ROWS);
  const n = new Float64Array(THUMB_COLS * THUMB_ROWS);
  for (let y = 0; y < h!; y++) {
    const ty = Math.min(THUMB_ROWS - 1, Math.floor(((y + 0.5) * THUMB_ROWS) / h!));
    for (let xx = 0; xx < w!; xx++) {
      const tx = Math.min(THUMB_COLS - 1, Math.floor(((xx + 0.5) * THUMB_COLS) / w!));
      for (let k = 0; k < c; k++) sum[ty * THUMB_COLS + tx] += x[offset + (y * w! + xx) * c + k]!;
      n[ty * THUMB_COLS + tx] += c;
    }
  }
  let minValues = Infinity;
  for (let i = 0; i < sum.length; i++) {
    sum[i] /= Math.max(1, n[i]!);
    minValues = Math.min(minValues, n[i]!);
  }
  return { cells: sum, minValues: Math.max(1, minValues) };
}

function hashOf(cells: Float64Array, step: number): number[] {
  const bands = [0, 0, 0, 0];
  for (let r = 0; r < THUMB_ROWS; r++) {
    for (let q = 0; q < THUMB_COLS - 1; q++) {
      const bit = r * 8 + q;
      if (cells[r * THUMB_COLS + q + 1]! > cells[r * THUMB_COLS + q]! + step) bands[bit & 3]! |= 1 << (bit >> 2);
    }
  }
  return bands;
}

/** 64-bit difference hash of one image (h x w x c), as 4 interleaved bands of 16 bits (bit i in band i mod 4). */
export function differenceHash(x: Float32Array, offset: number, shape: number[], step = 0): number[] {
  return hashOf(thumbnail(x, offset, shape).cells, step);
}

export function hammingDistance(a: number[], b: number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let v = a[i]! ^ b[i]!;
    while (v) {
      v &= v - 1;
      d++;
    }
  }
  return d;
}

interface Loc { x: Float32Array; offset: number }

/**
 * Necessary condition for relativeDistance(a, b) <= tolerance, from the thumbnails alone: the mean-free
 * difference's thumbnail is at most its L2 norm over sqrt(values per cell), and that norm is at most
 * tolerance x the larger mean-free norm. Pairs failing it cannot be near duplicates.
 */
function thumbnailsClose(a: { cells: Float64Array; minValues: number; mean: number; norm: number }, b: typeof a, tolerance: number): boolean {
  const bound = (tolerance * Math.max(a.norm, b.norm)) / Math.sqrt(Math.min(a.minValues, b.minValues));
  let d = 0;
  const shift = a.mean - b.mean;
  for (let i = 0; i < a.cells.length; i++) d += (a.cells[i]! - b.cells[i]! - shift) ** 2;
  return Math.sqrt(d) <= bound * (1 + 1e-9);
}

/** L2 distance of two samples over the larger of their mean-free norms (0 for identical, about 1.4 for unrelated). */
export function relativeDistance(a: Loc, b: Loc, size: number): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < size; i++) {
    ma += a.x[a.offset + i]!;
    mb += b.x[b.offset + i]!;
  }
  ma /= size;
  mb /= size;
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < size; i++) {
    const va = a.x[a.offset + i]! - ma;
    const vb = b.x[b.offset + i]! - mb;
    d += (va - vb) ** 2;
    na += va * va;
    nb += vb * vb;
  }
  const norm = Math.sqrt(Math.max(na, nb));
  return norm === 0 ? (d === 0 ? 0 : Infinity) : Math.sqrt(d) / norm;
}

/** Union-find over sample numbers, to turn duplicate pairs into groups. */
class Groups {
  private parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

export function scanDataset(parts: ScanPart[], opts: ScanOptions): DatasetScanReport {
  const size = opts.sampleShape.reduce((a, b) => a * b, 1);
  const span = opts.range.max - opts.range.min;
  const tolerance = opts.nearTolerance ?? 0.1;
  const maxExamples = opts.maxExamples ?? 20;
  const isImage = opts.sampleShape.length === 2 || opts.sampleShape.length === 3;
  for (const p of parts) {
    if (p.x.length !== p.labels.length * size) throw new Error(`${p.name}: ${p.x.length} values for ${p.labels.length} samples of ${size}`);
  }
  // One numbering across parts: sample k is (part, index).
  const refs: SampleRef[] = [];
  const where: Loc[] = [];
  for (const p of parts) {
    for (let i = 0; i < p.labels.length; i++) {
      refs.push({ part: p.name, index: i, label: p.labels[i]! });
      where.push({ x: p.x, offset: i * size });
    }
  }
  const total = refs.length;

  // Value range and labels.
  const range: RangeIssues = { nonFinite: [], outOfRange: [], constant: [], labelOutOfRange: [] };
  const counts = { nonFinite: 0, outOfRange: 0, constant: 0, labelOutOfRange: 0 };
  const slack = span * 1e-6;
  const finite = new Uint8Array(total);
  for (let k = 0; k < total; k++) {
    const { x, offset } = where[k]!;
    let bad = false;
    let worst: number | null = null;
    const first = x[offset]!;
    let constant = true;
    for (let i = 0; i < size; i++) {
      const v = x[offset + i]!;
      if (!Number.isFinite(v)) bad = true;
      else if (v < opts.range.min - slack || v > opts.range.max + slack) {
        if (worst === null || Math.abs(v - (opts.range.min + opts.range.max) / 2) > Math.abs(worst - (opts.range.min + opts.range.max) / 2)) worst = v;
      }
      if (v !== first) constant = false;
    }
    if (bad) {
      counts.nonFinite++;
      if (range.nonFinite.length < maxExamples) range.nonFinite.push(refs[k]!);
    } else finite[k] = 1;
    if (worst !== null) {
      counts.outOfRange++;
      if (range.outOfRange.length < maxExamples) range.outOfRange.push({ ref: refs[k]!, value: worst });
    }
    if (constant && size > 1) {
      counts.constant++;
      if (range.constant.length < maxExamples) range.constant.push(refs[k]!);
    }
    const label = refs[k]!.label;
    if (!Number.isInteger(label) || label < 0 || label >= opts.classes) {
      counts.labelOutOfRange++;
      if (range.labelOutOfRange.length < maxExamples) range.labelOutOfRange.push(refs[k]!);
    }
  }

  // Exact duplicates: same bytes.
  const exact = new Groups(total);
  const byDigest = new Map<string, number>();
  for (let k = 0; k < total; k++) {
    const { x, offset } = where[k]!;
    const digest = createHash("sha256").update(new Uint8Array(x.buffer, x.byteOffset + offset * 4, size * 4)).digest("base64");
    const seen = byDigest.get(digest);
    if (seen === undefined) byDigest.set(digest, k);
    else exact.union(seen, k);
  }

  // Near duplicates among images: band candidates, confirmed on the pixels. Exact copies are already
  // grouped; only one representative of each exact group takes part.
  const near = new Groups(total);
  const nearDiff = new Map<string, number>();
  if (isImage) {
    const shape = opts.sampleShape.length === 2 ? [...opts.sampleShape, 1] : opts.sampleShape;
    // Per candidate image: thumbnail, hash, mean and mean-free norm.
    const info = refs.map((_, k) => {
      if (!finite[k] || exact.find(k) !== k) return null;
      const { x, offset } = where[k]!;
      const t = thumbnail(x, offset, shape);
      let mean = 0;
      for (let i = 0; i < size; i++) mean += x[offset + i]!;
      mean /= size;
      let norm = 0;
      for (let i = 0; i < size; i++) norm += (x[offset + i]! - mean) ** 2;
      return { cells: t.cells, minValues: t.minValues, hash: hashOf(t.cells, span * 0.01), mean, norm: Math.sqrt(norm) };
    });
    const hashes = info.map((i) => i?.hash ?? null);
    const buckets = new Map<string, number[]>();
    for (let k = 0; k < total; k++) {
      const hk = hashes[k];
      if (!hk) continue;
      for (let b = 0; b < BANDS; b++) {
        const key = `${b}:${hk[b]}`;
        const list = buckets.get(key);
        if (list) list.push(k);
        else buckets.set(key, [k]);
      }
    }
    const checked = new Set<string>();
    for (const list of buckets.values()) {
      if (list.length < 2) continue;
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i]!;
          const b = list[j]!;
          // Sharing a band is only the way in: the whole hashes must be close too before the pixels are compared.
          if (hammingDistance(hashes[a]!, hashes[b]!) > CANDIDATE_BITS) continue;
          if (!thumbnailsClose(info[a]!, info[b]!, tolerance)) continue;
          const pair = `${a}:${b}`;
          if (checked.has(pair)) continue;
          checked.add(pair);
          const diff = relativeDistance(where[a]!, where[b]!, size);
          if (diff <= tolerance) {
            near.union(a, b);
            nearDiff.set(pair, diff);
          }
        }
      }
    }
  }

  const copiesOf = new Map<number, number[]>();
  for (let k = 0; k < total; k++) {
    const r = exact.find(k);
    const list = copiesOf.get(r);
    if (list) list.push(k);
    else copiesOf.set(r, [k]);
  }
  const groupsOf = (g: Groups, kind: "exact" | "near"): DuplicateGroup[] => {
    const members = new Map<number, number[]>();
    for (let k = 0; k < total; k++) {
      if (kind === "near" && (!finite[k] || exact.find(k) !== k)) continue;
      const r = g.find(k);
      const list = members.get(r);
      if (list) list.push(k);
      else members.set(r, [k]);
    }
    const out: DuplicateGroup[] = [];
    for (const list of members.values()) {
      if (list.length < 2) continue;
      const first = list[0]!;
      let maxDifference = 0;
      if (kind === "near") {
        for (const k of list.slice(1)) {
          const d = nearDiff.get(`${Math.min(first, k)}:${Math.max(first, k)}`) ?? relativeDistance(where[first]!, where[k]!, size);
          maxDifference = Math.max(maxDifference, d);
        }
      }
      // A near group stands for its exact copies too: list them with it.
      const all = kind === "near" ? list.flatMap((r) => copiesOf.get(r) ?? [r]) : list;
      const ms = all.map((k) => refs[k]!);
      out.push({
        kind, members: ms, distinct: kind === "exact" ? 1 : list.length, maxDifference: Math.round(maxDifference * 1e6) / 1e6,
        crossesParts: new Set(ms.map((m) => m.part)).size > 1,
        labelConflict: new Set(ms.map((m) => m.label)).size > 1,
      });
    }
    return out.sort((a, b) => Number(b.labelConflict) - Number(a.labelConflict) || Number(b.crossesParts) - Number(a.crossesParts) || b.members.length - a.members.length);
  };
  const exactGroups = groupsOf(exact, "exact");
  const nearGroups = isImage ? groupsOf(near, "near") : [];
  const all = [...exactGroups, ...nearGroups];
  const leaking = all.filter((g) => g.crossesParts);
  const conflicts = all.filter((g) => g.labelConflict);
  // Samples that add nothing new: all but one per exact group; all but one distinct pattern per near group.
  const redundant = (gs: DuplicateGroup[]) => gs.reduce((s, g) => s + (g.kind === "exact" ? g.members.length : g.distinct) - 1, 0);

  return {
    samples: total,
    parts: parts.map((p) => ({ name: p.name, samples: p.labels.length })),
    method: {
      exact: "SHA-256 of the float32 values",
      near: isImage ? `64-bit difference hash (9x8 grey thumbnail), candidates sharing one of ${BANDS} interleaved 16-bit bands, confirmed by an L2 distance of at most ${(tolerance * 100).toFixed(0)}% of the larger mean-free image norm` : null,
      nearTolerance: tolerance,
    },
    exactDuplicates: { groups: exactGroups.length, redundantSamples: redundant(exactGroups), examples: exactGroups.slice(0, maxExamples) },
    nearDuplicates: { groups: nearGroups.length, redundantSamples: redundant(nearGroups), examples: nearGroups.slice(0, maxExamples) },
    leakage: { groups: leaking.length, samples: leaking.reduce((s, g) => s + g.members.length, 0), examples: leaking.slice(0, maxExamples) },
    labelConflicts: { groups: conflicts.length, examples: conflicts.slice(0, maxExamples) },
    balance: parts.map((p) => classBalance(p.labels, opts.classes)),
    range: { counts, examples: range },
  };
}

export function classBalance(labels: Int32Array, classes: number): ClassBalance {
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) if (l >= 0 && l < classes) counts[l]!++;
  const n = counts.reduce((a, b) => a + b, 0);
  const expected = 1 / classes;
  const shares = counts.map((c) => (n ? c / n : 0));
  const flagged: ClassBalance["flagged"] = [];
  counts.forEach((count, label) => {
    const share = shares[label]!;
    if (count === 0) flagged.push({ label, count, share, expected, why: "absent" });
    else if (share < expected / 2) flagged.push({ label, count, share, expected, why: "under-represented" });
    else if (share > expected * 2) flagged.push({ label, count, share, expected, why: "over-represented" });
  });
  const present = counts.filter((c) => c > 0);
  return { counts, shares, flagged, imbalanceRatio: present.length ? Math.max(...present) / Math.min(...present) : 0 };
}
