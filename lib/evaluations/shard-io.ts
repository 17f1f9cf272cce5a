import type { AttackSuite } from "../engine/suite";
import type { ExampleRecord, GalleryItem, ShardResult } from "../engine/shard";

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
}

/** Gallery items as stored: the engine's, with pixels rounded to 5 decimals to keep rows small. */
export type StoredGalleryItem = GalleryItem;

export interface ShardOutput {
  records: ExampleRecord[];
  backend: ShardResult["backend"];
  timings: ShardResult["timings"];
  gradientStats: ShardResult["gradientStats"];
  gallery: StoredGalleryItem[];
}

const round = (v: number) => Math.round(v * 1e5) / 1e5;

export function toShardOutput(r: ShardResult): ShardOutput {
  return {
    records: r.records,
    backend: r.backend,
    timings: r.timings,
    gradientStats: r.gradientStats,
    gallery: r.gallery.map((g) => ({ ...g, original: Array.from(g.original, round), adversarial: Array.from(g.adversarial, round) })),
  };
}

export type ParentMessage = { type: "run"; task: ShardTask } | { type: "cancel" };
export type ChildMessage =
  | { type: "progress"; done: number; total: number }
  | { type: "result"; output: ShardOutput }
  | { type: "cancelled" }
  | { type: "error"; message: string };
