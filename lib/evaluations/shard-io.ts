import type { AttackSuite } from "../engine/suite";
import type { CorruptionGallery, ExampleRecord, GalleryItem, OodScore, ShardResult } from "../engine/shard";
import type { InferenceCost } from "../engine/cost";
import type { EvaluationKind } from "./kinds";

// What a worker hands the engine process for one shard, and what comes back (plain JSON).

export interface ShardTask {
  /** Robustness (the attack suite). Absent in jobs written before evaluation kinds. */
  kind?: "robustness";
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

/**
 * A shard of another evaluation kind (lib/evaluations/kinds.ts): the kind's own task and output, plain JSON.
 * Each kind narrows these with its own interfaces (e.g. lib/evaluations/privacy.ts).
 */
export interface KindShardTask {
  kind: Exclude<EvaluationKind, "robustness">;
  teamId: string;
  evaluationId: string;
  modelVersionId: string;
  seed: number;
  backend: ShardTask["backend"];
}
export interface KindShardOutput {
  kind: Exclude<EvaluationKind, "robustness">;
  backend: ShardResult["backend"];
}

export type AnyShardTask = ShardTask | KindShardTask;
export type AnyShardOutput = ShardOutput | KindShardOutput;
export const isRobustnessTask = (t: AnyShardTask): t is ShardTask => t.kind === undefined || t.kind === "robustness";

export type ParentMessage = { type: "run"; task: AnyShardTask } | { type: "cancel" };
export type ChildMessage =
  | { type: "progress"; done: number; total: number }
  | { type: "result"; output: AnyShardOutput }
  | { type: "cancelled" }
  | { type: "error"; message: string };

/** Runs one shard task (in the worker: an engine child process) and reports progress; asked whether to stop. */
export type ShardExecutor = (
  task: AnyShardTask,
  hooks: { onProgress: (done: number, total: number) => void; isCancelled: () => Promise<boolean> },
) => Promise<AnyShardOutput>;
