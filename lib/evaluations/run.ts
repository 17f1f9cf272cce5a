import type { Prisma } from "../db/generated/client";
import { db, type Tx } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import { env } from "../env";
import { ModelCardSchema } from "../registry/model-card";
import { checkCompatibility } from "../registry/compat";
import { AttackSuiteSchema } from "../engine/suite";
import { aggregateRecords, type EngineMetrics } from "../engine/aggregate";
import { assessReliability } from "../engine/reliability";
import type { ExampleRecord } from "../engine/shard";
import type { PgBoss } from "pg-boss";
import { JOBS, send, type AggregateJob, type JobAttempt, type ShardJob, type WebhookJob } from "../jobs/catalog";
import { oodIndicesFor, type AnyShardOutput, type AnyShardTask, type ShardExecutor, type ShardOutput, type StoredGalleryItem } from "./shard-io";
import type { EvaluationKind } from "./kinds";
import { aggregateIntegrity, integrityShardTask } from "./integrity";
import { aggregatePrivacy, privacyShardTask } from "./privacy";
import { beyondMetrics } from "../engine/beyond";
import { queriesPerExample, queryBudgets, withReliabilityCheck } from "../engine/blackbox/reference";
import { endpointLaunchInfo, referenceCheckFor, type ThreatModel } from "./blackbox";
import { compareMetrics, regressionSummary, type Comparison } from "./regression";
import { regressionBaseline } from "./baseline";
import { landAggregate, landedOutputs, shardProvenance, type LandedShard } from "./land";
import { systemContext } from "../teams/context";

// The worker side of an evaluation: one shard job at a time, and the aggregate step that runs once.

export type { ShardExecutor } from "./shard-io";

export class ShardWasCancelled extends Error {}

const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"] as const;

export interface ShardAttempt {
  workerId: string;
  /** pg-boss retryCount of this attempt, and the limit: on the last attempt a failure is final. */
  retryCount: number;
  retryLimit: number;
}

/** Runs one shard job. Throws to ask the queue for a retry; returns when the shard is settled. */
export async function runShardJob(job: ShardJob, attempt: ShardAttempt, execute: ShardExecutor): Promise<"done" | "skipped" | "cancelled" | "failed"> {
  const shard = await db.evaluationShard.findFirst({
    where: { id: job.shardId, teamId: job.teamId, evaluationId: job.evaluationId },
    include: { evaluation: true },
  });
  if (!shard) return "skipped"; // deleted with its evaluation
  const ev = shard.evaluation;
  if (shard.status === "DONE") return "skipped"; // a retry of a shard whose result already landed
  if ((TERMINAL as readonly string[]).includes(ev.status)) {
    await db.evaluationShard.updateMany({ where: { id: shard.id, status: { in: ["QUEUED", "RUNNING"] } }, data: { status: "CANCELLED", finishedAt: new Date() } });
    return "cancelled";
  }

  await db.evaluationShard.update({
    where: { id: shard.id },
    data: { status: "RUNNING", attempts: { increment: 1 }, workerId: attempt.workerId, startedAt: new Date(), progressDone: 0, error: null },
  });
  await db.evaluation.updateMany({ where: { id: ev.id, status: "QUEUED" }, data: { status: "RUNNING", startedAt: new Date() } });

  const started = Date.now();
  let lastWrite = 0;
  try {
    const task = await shardTaskFor(ev, shard);
    const output = await execute(
      task,
      {
        onProgress: (done, total) => {
          const now = Date.now();
          if (now - lastWrite < 1000 && done !== total) return;
          lastWrite = now;
          void db.evaluationShard.updateMany({ where: { id: shard.id, status: "RUNNING" }, data: { progressDone: done, progressTotal: total } }).catch(() => {});
        },
        isCancelled: async () => {
          const e = await db.evaluation.findUnique({ where: { id: ev.id }, select: { status: true } });
          return !e || e.status === "CANCELLED" || e.status === "FAILED";
        },
      },
    );
    await landShard(ev.id, ev.teamId, shard.id, output, Date.now() - started);
    return "done";
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof ShardWasCancelled || /^cancelled$/.test(message)) {
      await db.evaluationShard.update({ where: { id: shard.id }, data: { status: "CANCELLED", finishedAt: new Date(), error: null } });
      return "cancelled";
    }
    const final = attempt.retryCount >= attempt.retryLimit;
    if (!final) {
      await db.evaluationShard.update({ where: { id: shard.id }, data: { status: "QUEUED", error: `attempt ${attempt.retryCount + 1} failed: ${message}` } });
      throw e;
    }
    await failEvaluation(ev.id, ev.teamId, shard.id, `Shard ${shard.index + 1} of ${ev.shardCount} failed after ${attempt.retryCount + 1} attempts: ${message}`);
    return "failed";
  }
}

type EvaluationRow = NonNullable<Awaited<ReturnType<typeof db.evaluation.findFirst>>>;
type ShardRow = { id: string; index: number; start: number; end: number };

/**
 * What the engine process runs for one shard, by evaluation kind (lib/evaluations/kinds.ts). The model and
 * dataset are checked again here: a version may have changed since the evaluation was planned.
 */
async function shardTaskFor(ev: EvaluationRow, shard: ShardRow): Promise<AnyShardTask> {
  const kind = ev.kind as EvaluationKind;
  switch (kind) {
    case "robustness": {
      const [mv, dv] = await Promise.all([
        db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ev.teamId } }),
        db.datasetVersion.findFirstOrThrow({ where: { id: ev.datasetVersionId, teamId: ev.teamId } }),
      ]);
      const card = ModelCardSchema.parse(mv.card);
      const compat = checkCompatibility(
        { task: card.task, inputShape: card.inputShape, inputRange: card.inputRange, classLabels: card.classLabels },
        { format: dv.format, sampleShape: dv.sampleShape, valueMin: dv.valueMin, valueMax: dv.valueMax, classLabels: dv.classLabels },
      );
      if (!compat.labelMap) throw new Error("the model and dataset are no longer compatible");
      const suite = AttackSuiteSchema.parse(ev.suite);
      return {
        teamId: ev.teamId,
        modelVersionId: ev.modelVersionId,
        datasetVersionId: ev.datasetVersionId,
        datasetIndices: ev.sampleIndices.slice(shard.start, shard.end),
        labelMap: compat.labelMap,
        suite,
        seed: ev.seed,
        backend: env().BULWARK_TF_BACKEND,
        ...(suite.ood ? { oodIndices: oodIndicesFor(shard.index, ev.shardCount, suite.ood.samples) } : {}),
      };
    }
    case "privacy":
      return privacyShardTask(ev, shard);
    case "integrity":
      return integrityShardTask(ev, shard);
    default:
      throw new Error(`unknown evaluation kind "${String(ev.kind)}"`);
  }
}

/** The engine a shard ran on, as the evaluation page and reports name it ("tensorflow (tfjs 4.22.0, attack steps as one graph)"). */
export function shardBackendLabel(b: { backend: string; tfjsVersion: string; graphSteps?: number }): string {
  return `${b.backend} (tfjs ${b.tfjsVersion}${b.graphSteps ? ", attack steps as one TensorFlow graph" : ""})`;
}

/** Writes a shard's result (replacing any earlier one) and, when it is the last, starts aggregation once. */
async function landShard(evaluationId: string, teamId: string, shardId: string, output: AnyShardOutput, durationMs: number) {
  await db.$transaction(async (tx) => {
    // Shards of one evaluation land one at a time: without this lock two last shards landing together each
    // count the other as not done yet (read committed), neither starts the aggregate step, and shardsDone
    // stays one short (found by test/faults.test.ts with two job slots; the sweep below recovered it late).
    await tx.$queryRaw`SELECT id FROM "Evaluation" WHERE id = ${evaluationId} FOR UPDATE`;
    await tx.evaluationShard.update({
      where: { id: shardId },
      data: {
        status: "DONE",
        result: output as unknown as Prisma.InputJsonValue,
        backend: shardBackendLabel(output.backend),
        finishedAt: new Date(),
        durationMs,
        progressDone: "records" in output ? output.records.length : 1,
        error: null,
      },
    });
    const done = await tx.evaluationShard.count({ where: { evaluationId, status: "DONE" } });
    const ev = await tx.evaluation.update({ where: { id: evaluationId }, data: { shardsDone: done }, select: { shardCount: true } });
    if (done < ev.shardCount) return;
    // The database decides who starts the aggregate step: only one transition from RUNNING succeeds.
    const moved = await tx.evaluation.updateMany({ where: { id: evaluationId, status: "RUNNING" }, data: { status: "AGGREGATING" } });
    // Queued in the same transaction: AGGREGATING without its job cannot be left behind by a crash.
    if (moved.count === 1) await enqueueAggregate(tx, { teamId, evaluationId });
  });
}

/** Queues the aggregate step (keyed by evaluation, which is how the sweep counts its rounds). */
export async function enqueueAggregate(tx: Tx, job: AggregateJob) {
  await send(tx, "aggregate", job, { singletonKey: (j) => j.evaluationId });
}

async function failEvaluation(evaluationId: string, teamId: string, shardId: string | null, reason: string) {
  await db.$transaction(async (tx) => {
    if (shardId) await tx.evaluationShard.update({ where: { id: shardId }, data: { status: "FAILED", error: reason, finishedAt: new Date() } });
    const moved = await tx.evaluation.updateMany({
      where: { id: evaluationId, status: { in: ["QUEUED", "RUNNING", "AGGREGATING"] } },
      data: { status: "FAILED", failureReason: reason, finishedAt: new Date() },
    });
    if (moved.count === 0) return;
    await tx.evaluationShard.updateMany({ where: { evaluationId, status: "QUEUED" }, data: { status: "CANCELLED" } });
    await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "evaluation.fail", subjectType: "Evaluation", subjectId: evaluationId, details: { reason } });
  });
}

/** A shard job that exhausted its retries without our handler settling it (its worker died each time). */
export async function handleDeadShard(job: ShardJob): Promise<void> {
  const shard = await db.evaluationShard.findFirst({ where: { id: job.shardId, teamId: job.teamId } });
  if (!shard || shard.status === "DONE" || shard.status === "FAILED") return;
  await failEvaluation(job.evaluationId, job.teamId, shard.id, `Shard ${shard.index + 1} failed: its worker stopped responding on every attempt (${shard.attempts}). The model may crash the engine process.`);
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function inferencePerBackend(costs: NonNullable<ShardOutput["inference"]>[]) {
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return [...new Set(costs.map((c) => c.backend))].map((backend) => {
    const cs = costs.filter((c) => c.backend === backend);
    return { backend, latencyMs: med(cs.map((c) => c.latencyMs)), throughputPerSecond: med(cs.map((c) => c.throughputPerSecond)), batchSize: cs[0].batchSize, measurements: cs.length };
  });
}

/** The aggregate step: metrics, reliability, comparison and alerts, written in one transaction. */
export async function aggregateEvaluation(job: AggregateJob): Promise<"completed" | "skipped"> {
  const ev = await db.evaluation.findFirst({ where: { id: job.evaluationId, teamId: job.teamId }, include: { shards: { orderBy: { index: "asc" } } } });
  if (!ev || ev.status !== "AGGREGATING") return "skipped";
  if (ev.kind !== "robustness") return aggregateOtherKind(ev);
  const outputs = landedOutputs<ShardOutput>(ev.shards);
  const [mv, dv, model] = await Promise.all([
    db.modelVersion.findFirstOrThrow({ where: { id: ev.modelVersionId, teamId: ev.teamId } }),
    db.datasetVersion.findFirstOrThrow({ where: { id: ev.datasetVersionId, teamId: ev.teamId } }),
    db.model.findFirstOrThrow({ where: { id: ev.modelId, teamId: ev.teamId } }),
  ]);
  const card = ModelCardSchema.parse(mv.card);
  const suite = AttackSuiteSchema.parse(ev.suite);
  const records: ExampleRecord[] = outputs.flatMap((o) => o.records);
  // Calibration, corruptions and OOD sit beside the attack metrics (null when the suite or old records lack them).
  const metrics = { ...aggregateRecords(records, suite, card.classLabels), ...beyondMetrics(records, suite, suite.ood ? outputs.flatMap((o) => o.ood ?? []) : null) };
  const corruptionGallery = outputs.map((o) => o.corruptionGallery).filter((g) => g !== undefined).sort((a, b) => a.index - b.index)[0] ?? null;
  let reliability = assessReliability(records, suite, metrics, card.classLabels, { statedAccuracy: card.statedAccuracy });
  // A model served over HTTP was only queried: say so, with its query budget, and compare with the white-box
  // evaluation of the weights it serves when the endpoint names them.
  const endpoint = await endpointLaunchInfo(systemContext(ev.teamId, "job"), ev.modelVersionId);
  // An ensemble: every attack ran against the whole ensemble; the threat model names its members and how
  // gradient attacks treated the combination rule (a vote has no gradient).
  const ensemble = card.ensemble ? { combine: card.ensemble.combine, members: card.ensemble.members.map((m) => ({ label: m.label, manifestDigest: m.manifestDigest })), gradient: card.ensemble.gradient } : null;
  let threatModel: ThreatModel = ensemble ? { kind: "white-box", ensemble } : { kind: "white-box" };
  if (endpoint) {
    const ref = await referenceCheckFor(systemContext(ev.teamId, "job"), ev, endpoint, metrics);
    reliability = withReliabilityCheck(reliability, ref.check);
    const sum = (k: "queries" | "requests" | "retries") => outputs.reduce((a, o) => a + (o.endpoint?.[k] ?? 0), 0);
    threatModel = {
      kind: "black-box", outputKind: endpoint.outputKind, endpointHost: endpoint.host, queryBudgets: queryBudgets(suite),
      queriesPerExampleMax: queriesPerExample(suite), queriesSent: sum("queries"), requests: sum("requests"), retries: sum("retries"),
      referenceEvaluationId: ref.referenceEvaluationId,
    };
  }
  const gallery: StoredGalleryItem[] = outputs.flatMap((o) => o.gallery).sort((a, b) => a.index - b.index).slice(0, 8);
  const firstLinf = metrics.worstCase.filter((w) => w.norm === "linf").sort((a, b) => a.eps - b.eps)[0];

  const settings = await db.teamSettings.findUnique({ where: { teamId: ev.teamId } });
  const tolerancePp = settings?.regressionTolerancePp ?? 2;
  // A regression is a drop on the same examples under the same suite: an evaluation of 40 digits is not
  // compared with one of 400 (their difference is sampling noise, and raised false alerts). A hardened
  // version is compared with its lineage parent (lib/evaluations/baseline.ts).
  const baseline = await regressionBaseline(ev, suite.attacks);
  const previous = baseline?.evaluation ?? null;
  const comparison: Comparison | null = baseline
    ? compareMetrics({ id: baseline.evaluation.id, number: baseline.evaluation.number, metrics: baseline.evaluation.metrics as EngineMetrics, ...(baseline.lineageParent ? { lineageParentVersion: baseline.lineageParent.version } : {}) }, metrics, tolerancePp)
    : null;

  const ran = shardProvenance(ev);
  const provenance = {
    model: { id: mv.id, name: model.name, version: mv.version, manifestDigest: mv.manifestDigest, format: mv.format, ...(ensemble ? { ensemble } : {}) },
    dataset: { id: dv.id, version: dv.version, tensorDigest: dv.tensorDigest, manifestDigest: dv.manifestDigest },
    seed: ev.seed,
    suite,
    engine: outputs[0]!.backend,
    backends: ran.backends,
    workers: ran.workers,
    shards: ev.shards.map((s) => ({ index: s.index, samples: s.end - s.start, worker: s.workerId, backend: s.backend, durationMs: s.durationMs, attempts: s.attempts })),
    gradientStats: outputs.map((o) => o.gradientStats),
    // Inference cost per backend that ran shards (median over the engine processes that measured it).
    inference: inferencePerBackend(outputs.map((o) => o.inference).filter((c) => c !== undefined)),
    threatModel,
    wallClockMs: ran.wallClockMs,
  };

  const headlineRobust = firstLinf?.robustAccuracy ?? null;
  return landAggregate(ev, {
    metrics,
    reliability,
    provenance,
    columns: {
      cleanAccuracy: metrics.cleanAccuracy,
      headlineRobust,
      gallery: gallery as unknown as Prisma.InputJsonValue,
      ...(corruptionGallery ? { corruptionGallery: corruptionGallery as unknown as Prisma.InputJsonValue } : {}),
      previousEvaluationId: comparison ? previous!.id : null,
      comparison: (comparison ?? undefined) as unknown as Prisma.InputJsonValue | undefined,
    },
    details: { cleanAccuracy: metrics.cleanAccuracy, headlineRobust, verdict: reliability.verdict, samples: metrics.samples },
    more: async (tx) => {
      const webhooks: Omit<WebhookJob, "url">[] = [];
      if (comparison && comparison.regressions.length > 0) {
        const summary = regressionSummary(`${model.name} v${mv.version}`, comparison);
        const alert = await tx.regressionAlert.create({
          data: { teamId: ev.teamId, modelId: ev.modelId, evaluationId: ev.id, previousEvaluationId: previous!.id, summary, details: comparison as unknown as Prisma.InputJsonValue },
        });
        await appendAudit(tx, { teamId: ev.teamId, actor: SYSTEM_ACTOR, action: "regression.detect", subjectType: "RegressionAlert", subjectId: alert.id, details: { evaluation: ev.number, previous: previous!.number, summary } });
        webhooks.push({ teamId: ev.teamId, event: "regression.detected", payload: { alertId: alert.id, model: model.name, modelVersion: mv.version, evaluation: ev.number, previousEvaluation: previous!.number, summary, regressions: comparison.regressions } });
      }
      webhooks.push({
        teamId: ev.teamId,
        event: "evaluation.completed",
        payload: { evaluationId: ev.id, number: ev.number, model: model.name, modelVersion: mv.version, cleanAccuracy: metrics.cleanAccuracy, worstCase: metrics.worstCase, verdict: reliability.verdict, summary: `clean ${pct(metrics.cleanAccuracy)}; worst case ${metrics.worstCase.map((w) => `${w.norm} ${w.eps}: ${pct(w.robustAccuracy)}`).join(", ")}` },
      });
      return webhooks;
    },
  });
}

/**
 * The aggregate job: on its last attempt a failure fails the evaluation with the reason, as a shard's does,
 * rather than leaving it AGGREGATING for the sweep to send again.
 */
export async function runAggregateJob(job: AggregateJob, attempt: JobAttempt): Promise<"completed" | "skipped" | "failed"> {
  try {
    return await aggregateEvaluation(job);
  } catch (e) {
    if (attempt.retryCount < attempt.retryLimit) throw e;
    await failEvaluation(job.evaluationId, job.teamId, null, `The aggregate step failed after ${attempt.retryCount + 1} attempts: ${e instanceof Error ? e.message : String(e)}`);
    return "failed";
  }
}

/** The aggregate step of a kind other than robustness (lib/evaluations/kinds.ts). */
async function aggregateOtherKind(ev: EvaluationRow & { shards: LandedShard[] }): Promise<"completed" | "skipped"> {
  const kind = ev.kind as EvaluationKind;
  switch (kind) {
    case "privacy":
      return aggregatePrivacy(ev);
    case "integrity":
      return aggregateIntegrity(ev);
    default:
      throw new Error(`unknown evaluation kind "${String(ev.kind)}"`);
  }
}

/**
 * How many aggregate jobs the sweep lets one evaluation have. Each job already had its retries, so an
 * evaluation still AGGREGATING after this many failed the same way each time (or killed its worker each
 * time): without a bound the sweep would send it again every minute, forever.
 */
export const AGGREGATE_ROUNDS = 3;

/**
 * Finds evaluations stuck between steps and starts them again: all shards landed but the transition was
 * lost, or an evaluation seen AGGREGATING in two sweeps with no aggregate job waiting or running (its job
 * failed or was lost). After AGGREGATE_ROUNDS aggregate jobs it fails the evaluation with the last error.
 * Safe to run from every worker: each step is guarded in the database.
 */
const seenAggregating = new Set<string>();
export async function sweepStuckEvaluations(boss: PgBoss): Promise<number> {
  const open = await db.evaluation.findMany({
    where: { status: { in: ["RUNNING", "AGGREGATING"] } },
    select: { id: true, teamId: true, status: true, shardCount: true },
    take: 100,
  });
  let n = 0;
  for (const e of open) {
    if (e.status === "RUNNING") {
      const done = await db.evaluationShard.count({ where: { evaluationId: e.id, status: "DONE" } });
      if (done !== e.shardCount) continue;
      const moved = await db.$transaction(async (tx) => {
        const m = await tx.evaluation.updateMany({ where: { id: e.id, status: "RUNNING" }, data: { status: "AGGREGATING", shardsDone: done } });
        if (m.count) await enqueueAggregate(tx, { teamId: e.teamId, evaluationId: e.id });
        return m.count;
      });
      n += moved;
    } else if (seenAggregating.has(e.id)) {
      const jobs = await boss.findJobs(JOBS.aggregate.name, { key: e.id });
      if (jobs.some((j) => j.state === "created" || j.state === "retry" || j.state === "active")) continue;
      if (jobs.length >= AGGREGATE_ROUNDS) {
        const last = jobs.filter((j) => j.state === "failed").at(-1)?.output as { message?: string } | undefined;
        await failEvaluation(e.id, e.teamId, null, `The aggregate step did not complete in ${jobs.length} jobs, each retried; it is not tried again. Last error: ${last?.message ?? "none recorded (its worker stopped responding)"}`);
      } else {
        await db.$transaction((tx) => enqueueAggregate(tx, { teamId: e.teamId, evaluationId: e.id }));
      }
      n++;
    }
  }
  seenAggregating.clear();
  for (const e of open) if (e.status === "AGGREGATING") seenAggregating.add(e.id);
  return n;
}
