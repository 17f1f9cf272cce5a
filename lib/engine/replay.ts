import * as tf from "@tensorflow/tfjs";
import { logitsOf, type AttackContext } from "./attacks/common";

/*
 * Every break an attack reports is replayed before it counts: its adversarial input goes through the model again
 * on the reference backend (tfjs cpu: plain JavaScript kernels, none of them replaced by the engine) — or, for a
 * model only reachable over HTTP, through the endpoint again — and counts only if the misclassification reproduces.
 * A break that does not reproduce is an engine/backend defect (or a non-deterministic model): the entry is then
 * not counted (success = false, replay = "not-reproduced") and the evaluation's reliability check names it.
 */

export type ReplayOutcome = "reproduced" | "not-reproduced";

/** The fields of a shard record's attack entry that the replay reads and writes. */
export interface ReplayedEntry { success: boolean; replay?: ReplayOutcome; replayPred?: number; replayMargin?: number; replayOn?: string }

/** One break waiting for its replay: the entry to update and its adversarial input. */
export interface PendingBreak { entry: ReplayedEntry; label: number; index: number; x: Float32Array }

/** Replay on the reference backend: returns, per break, the predicted class and the margin z_y − max_{j≠y} z_j. */
export type Replayer = (x: Float32Array, rows: number) => Promise<{ pred: Int32Array; scores: Float64Array | null }>;

/** Forward passes of `ctx`'s model on the tfjs cpu backend; the caller's backend is restored afterwards. */
export function cpuReplayer(ctx: AttackContext): Replayer {
  return async (x, rows) => {
    const previous = tf.getBackend();
    if (previous !== "cpu" && !(await tf.setBackend("cpu"))) throw new Error("the cpu backend (replay reference) did not start");
    try {
      const zT = tf.tidy(() => logitsOf(ctx, tf.tensor(x, [rows, ...ctx.inputShape])));
      const z = Float64Array.from(await zT.data());
      zT.dispose();
      const k = ctx.numClasses;
      const pred = new Int32Array(rows);
      for (let i = 0; i < rows; i++) {
        for (let j = 1; j < k; j++) if (z[i * k + j]! > z[i * k + pred[i]!]!) pred[i] = j;
      }
      return { pred, scores: z };
    } finally {
      if (previous !== "cpu") await tf.setBackend(previous);
    }
  };
}

/**
 * Replay a batch's breaks (replayBreaks) and take out of the gallery each example whose shown break did not
 * reproduce; the white-box and the query-only shard both end a batch with this.
 */
export async function replayBreaksAndPruneGallery(
  pending: (PendingBreak & { entry: { attack: string; eps: number; norm: string } })[],
  replay: Replayer,
  numClasses: number,
  referenceName: string,
  gallery: Map<number, { attack: string; eps: number; norm: string }>,
): Promise<void> {
  if (await replayBreaks(pending, replay, numClasses, referenceName) === 0) return;
  for (const p of pending) {
    const g = gallery.get(p.index);
    if (p.entry.replay === "not-reproduced" && g && g.attack === p.entry.attack && g.eps === p.entry.eps && g.norm === p.entry.norm) gallery.delete(p.index);
  }
}

/** Replay the pending breaks in one call and mark each entry; returns how many did not reproduce. */
export async function replayBreaks(pending: PendingBreak[], replay: Replayer, numClasses: number, referenceName: string): Promise<number> {
  if (pending.length === 0) return 0;
  const d = pending[0]!.x.length;
  const x = new Float32Array(pending.length * d);
  pending.forEach((p, i) => x.set(p.x, i * d));
  const out = await replay(x, pending.length);
  let failed = 0;
  pending.forEach((p, i) => {
    if (out.pred[i] !== p.label) {
      p.entry.replay = "reproduced";
      return;
    }
    failed++;
    let margin: number | undefined;
    if (out.scores) {
      let other = -Infinity;
      for (let j = 0; j < numClasses; j++) if (j !== p.label) other = Math.max(other, out.scores[i * numClasses + j]!);
      margin = out.scores[i * numClasses + p.label]! - other;
    }
    Object.assign(p.entry, { replay: "not-reproduced", success: false, replayPred: out.pred[i], replayMargin: margin, replayOn: referenceName });
  });
  return failed;
}
