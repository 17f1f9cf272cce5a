import type { Prisma } from "../db/generated/client";
import { db, type Tx } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import type { WebhookJob } from "../jobs/catalog";
import { recordTeamSnapshot } from "../compliance/posture";
import { sendWebhooks } from "./webhook";
import { systemContext } from "../teams/context";

// The aggregate step's one write, for every kind ("store results once"): the results land with the move from
// AGGREGATING to COMPLETED, so a second run of the step (a retry, the sweep) finds nothing to move and stores
// nothing twice.

/** A shard as the aggregate step reads it. */
export interface LandedShard {
  index: number;
  status: string;
  result: unknown;
  workerId: string | null;
  backend: string | null;
  durationMs: number | null;
  attempts: number;
}

/** Every shard's output, in shard order. Before all have landed the step refuses (and is retried). */
export function landedOutputs<T>(shards: LandedShard[]): T[] {
  const outputs = shards.map((s) => s.result as T | null);
  if (outputs.some((o) => !o) || shards.some((s) => s.status !== "DONE")) throw new Error("aggregate started before every shard landed");
  return outputs as T[];
}

/** The shards' part of an evaluation's provenance: where they ran and how long the whole took. */
export function shardProvenance(ev: { startedAt: Date | null; shards: { backend: string | null; workerId: string | null }[] }) {
  return {
    backends: [...new Set(ev.shards.map((s) => s.backend).filter(Boolean))],
    workers: [...new Set(ev.shards.map((s) => s.workerId).filter(Boolean))],
    wallClockMs: ev.startedAt ? Date.now() - ev.startedAt.getTime() : null,
  };
}

/**
 * In one transaction: completes the evaluation with its figures (only if it is still AGGREGATING), audits
 * `evaluation.complete` with `{ number, ...details }`, lets `more` add the kind's own rows and returns its
 * webhooks, which are sent with the commit. Then the compliance trend gets its point (not only when someone looks).
 */
export async function landAggregate(
  ev: { id: string; teamId: string; number: number },
  o: {
    metrics: object;
    reliability: { verdict: string };
    provenance: object;
    /** Other columns the kind fills (headline figures, galleries, comparison). */
    columns?: Omit<Prisma.EvaluationUpdateManyMutationInput, "status" | "finishedAt" | "metrics" | "reliability" | "verdict" | "provenance">;
    details: Record<string, unknown>;
    more?: (tx: Tx) => Promise<Omit<WebhookJob, "url">[]>;
  },
): Promise<"completed" | "skipped"> {
  const done = await db.$transaction(async (tx) => {
    const moved = await tx.evaluation.updateMany({
      where: { id: ev.id, status: "AGGREGATING" },
      data: {
        status: "COMPLETED",
        finishedAt: new Date(),
        metrics: o.metrics as Prisma.InputJsonValue,
        reliability: o.reliability as Prisma.InputJsonValue,
        verdict: o.reliability.verdict,
        provenance: o.provenance as Prisma.InputJsonValue,
        ...o.columns,
      },
    });
    if (moved.count === 0) return false;
    await appendAudit(tx, { teamId: ev.teamId, actor: SYSTEM_ACTOR, action: "evaluation.complete", subjectType: "Evaluation", subjectId: ev.id, details: { number: ev.number, ...o.details } });
    await sendWebhooks(tx, ev.teamId, (await o.more?.(tx)) ?? []);
    return true;
  });
  if (done) await recordTeamSnapshot(systemContext(ev.teamId, "job"), "evaluation").catch((e) => console.error(`[worker] posture snapshot failed: ${(e as Error).message}`));
  return done ? "completed" : "skipped";
}
