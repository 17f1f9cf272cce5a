import type { AttackSuite } from "../engine/suite";
import type { CorruptionGallery, ExampleRecord, GalleryItem, OodScore, ShardResult } from "../engine/shard";
import type { InferenceCost } from "../engine/cost";

// What a worker hands the engine process for one shard, and what comes back (plain JSON).

export interface ShardTask {
  teamId: string;
  modelVersionId: string;
  datasetVersionId: string;
  /** Dataset indices of this shard's samples (also the examples' global indices). */
  datasetIndices: number[];
  /** Dataset class index → model output index. */
  labelMap: number[];
  suite: AttackSuite;
  seed: number;
  backend: "auto" | "tensorflow" | "wasm" | "cpu";
  /** The OOD inputs (global OOD indices) this shard scores, when the suite has an OOD part. Optional: older jobs lack it. */
  oodIndices?: number[];
}

/** OOD inputs are dealt round-robin to the shards: shard i of n scores indices i, i + n, i + 2n, ... below `samples`. */
export function oodIndicesFor(shardIndex: number, shardCount: number, samples: number): number[] {
  const out: number[] = [];
  for (let i = shardIndex; i < samples; i += shardCount) out.push(i);
  return out;
}

/** Gallery items as stored: the engine's, with pixels rounded to 5 decimals to keep rows small. */
export type StoredGalleryItem = GalleryItem;

export interface ShardOutput {
  records: ExampleRecord[];
  backend: ShardResult["backend"];
  timings: ShardResult["timings"];
  gradientStats: ShardResult["gradientStats"];
  gallery: StoredGalleryItem[];
  corruptionGallery?: CorruptionGallery;
  ood?: OodScore[];
  /** Inference latency and throughput of the model on this engine process's backend (measured once per model per process). */
  inference?: InferenceCost;
  /** Black-box shards: inputs sent to the endpoint (queries), HTTP requests made and retried. */
  endpoint?: { queries: number; requests: number; retries: number };
}

const round = (v: number) => Math.round(v * 1e5) / 1e5;

export function toShardOutput(r: ShardResult): ShardOutput {
  return {
    records: r.records,
    backend: r.backend,
    timings: r.timings,
    gradientStats: r.gradientStats,
    gallery: r.gallery.map((g) => ({ ...g, original: Array.from(g.original, round), adversarial: Array.from(g.adversarial, round) })),
    ...(r.corruptionGallery ? { corruptionGallery: { ...r.corruptionGallery, original: r.corruptionGallery.original.map(round), items: r.corruptionGallery.items.map((it) => ({ ...it, pixels: it.pixels.map(round) })) } } : {}),
    ...(r.ood ? { ood: r.ood } : {}),
  };
}

export type ParentMessage = { type: "run"; task: ShardTask } | { type: "cancel" };
export type ChildMessage =
  | { type: "progress"; done: number; total: number }
  | { type: "result"; output: ShardOutput }
  | { type: "cancelled" }
  | { type: "error"; message: string };
