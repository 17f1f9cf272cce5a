import { z } from "zod";
import { db, type Prisma, type Tx } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import { NotFoundError, ValidationError } from "../errors";
import { assertCan, type TeamContext } from "../teams/access";
import { activePolicy } from "../compliance/policies";
import type { MonitoringPolicy } from "../compliance/policy";
import { loadDatasetForEngine } from "../registry/datasets";
import { ModelCardSchema } from "../registry/model-card";
import type { WebhookJob } from "../jobs/catalog";
import { sendWebhooks } from "../evaluations/webhook";
import type { ExampleRecord } from "../engine/shard";
import { binCounts, confidenceDropPp, ksBinned, psi, quantileEdges } from "./drift";
import { CONFIDENCE_EDGES, meanVariance, sampleStatistics, type FeatureSpec } from "./features";
import { gateForVersion } from "./gate-check";
import { EnvironmentNameSchema } from "./schemas";
import { nearBoundaryShare, type NearBoundary } from "./attack-signal";
import { ensureCheckBackend } from "../registry/engine-adapter";
import { loadEngineModel } from "../registry/ensembles";
import type { LoadedModel } from "../engine/model";
import { preprocessingOf } from "../engine/card";
import { env } from "../env";
import type { TeamScope } from "../teams/context";

// Production monitoring: reference statistics of the evaluation dataset, batches posted by the
// team's serving system, drift scores per batch, and alerts deduplicated per incident.

export const SIGNALS = ["input-drift", "prediction-shift", "confidence-drop", "attack-pattern"] as const;
export type Signal = (typeof SIGNALS)[number];
export type Severity = "warning" | "critical";

// ---- Reference -------------------------------------------------------------------------------------

export interface ReferenceStats {
  datasetVersionId: string;
  datasetLabel: string;
  evaluationId: string;
  evaluationNumber: number;
  samples: number;
  features: { kind: FeatureSpec["kind"]; items: { name: string; edges: number[]; counts: number[]; mean: number; variance: number }[] };
  inputRange: { min: number; max: number };
  /** Values per input (absent in references computed before raw samples were accepted). */
  inputSize?: number;
  classLabels: string[];
  /** The model's own predictions on the evaluated samples (clean inputs). */
  predictions: { counts: number[]; samples: number };
  confidence: { edges: number[]; counts: number[]; mean: number };
}

/** The evaluation whose dataset is the reference: the gate's deciding one, else the version's latest completed. */
async function referenceEvaluation(scope: TeamScope, version: { id: string; modelId: string; riskTier: string; manifestDigest: string }) {
  const teamId = scope.team.id;
  const gate = await gateForVersion(scope, version);
  const id = gate.deciding?.evaluationId;
  const ev = id
    ? await db.evaluation.findFirst({ where: { id, teamId } })
    : await db.evaluation.findFirst({ where: { teamId, kind: "robustness", modelVersionId: version.id, status: "COMPLETED" }, orderBy: { finishedAt: "desc" } });
  return ev;
}

/** Computes (once) and returns the reference of a model version. */
export async function referenceFor(scope: TeamScope, versionId: string) {
  const teamId = scope.team.id;
  const version = await db.modelVersion.findFirst({ where: { id: versionId, teamId } });
  if (!version) throw new NotFoundError("This model version");
  const ev = await referenceEvaluation(scope, version);
  if (!ev) throw new ValidationError(`v${version.version} has no completed evaluation, so there is no reference to compare production with. Evaluate it first.`, { model: "no completed evaluation" });
  const existing = await db.monitoringReference.findFirst({ where: { teamId, modelVersionId: version.id, datasetVersionId: ev.datasetVersionId } });
  if (existing) return { id: existing.id, stats: existing.stats as unknown as ReferenceStats };

  const card = ModelCardSchema.parse(version.card);
  const ds = await loadDatasetForEngine(scope, ev.datasetVersionId);
  const sampleSize = ds.sampleShape.reduce((a, b) => a * b, 1);
  const { spec, values } = sampleStatistics(ds.x, ds.count, sampleSize, card.inputRange);
  const shards = await db.evaluationShard.findMany({ where: { teamId, evaluationId: ev.id }, select: { result: true } });
  const records = shards.flatMap((s) => ((s.result as { records?: ExampleRecord[] } | null)?.records ?? []));
  if (records.length === 0) throw new ValidationError(`Evaluation #${ev.number} has no per-example records to take the reference predictions from.`, { model: "no records" });
  const classCounts = new Array<number>(card.classLabels.length).fill(0);
  for (const r of records) if (r.cleanPred >= 0 && r.cleanPred < classCounts.length) classCounts[r.cleanPred]! += 1;
  const conf = records.map((r) => r.cleanConf);
  const stats: ReferenceStats = {
    datasetVersionId: ds.versionId,
    datasetLabel: `${ds.datasetName} v${ds.version}`,
    evaluationId: ev.id,
    evaluationNumber: ev.number,
    samples: ds.count,
    features: {
      kind: spec.kind,
      items: spec.names.map((name, f) => {
        const edges = quantileEdges(values[f]!);
        return { name, edges, counts: binCounts(values[f]!, edges), ...meanVariance(values[f]!) };
      }),
    },
    inputRange: card.inputRange,
    inputSize: sampleSize,
    classLabels: card.classLabels,
    predictions: { counts: classCounts, samples: records.length },
    confidence: { edges: CONFIDENCE_EDGES, counts: binCounts(conf, CONFIDENCE_EDGES), mean: meanVariance(conf).mean },
  };
  // Two first batches at once compute the same reference; the unique key keeps one.
  await db.monitoringReference.createMany({ data: [{ teamId, modelVersionId: version.id, datasetVersionId: ds.versionId, evaluationId: ev.id, stats: stats as unknown as Prisma.InputJsonValue }], skipDuplicates: true });
  const row = await db.monitoringReference.findFirstOrThrow({ where: { teamId, modelVersionId: version.id, datasetVersionId: ds.versionId } });
  return { id: row.id, stats: row.stats as unknown as ReferenceStats };
}

async function deployedVersion(teamId: string, environment: string, modelName: string) {
  const env = await db.environment.findFirst({ where: { teamId, name: environment } });
  if (!env) throw new NotFoundError(`The environment "${environment}"`);
  const model = await db.model.findFirst({ where: { teamId, name: { equals: modelName, mode: "insensitive" } }, select: { id: true, name: true } });
  if (!model) throw new NotFoundError(`The model "${modelName}"`);
  const current = await db.deployment.findFirst({ where: { teamId, environmentId: env.id, modelId: model.id }, orderBy: { createdAt: "desc" } });
  if (!current) throw new ValidationError(`${env.name} runs no version of ${model.name}: promote one before sending its production statistics.`, { model: "not deployed" });
  const version = await db.modelVersion.findFirstOrThrow({ where: { id: current.modelVersionId, teamId } });
  return { env, model, version };
}

export const ReferenceQuerySchema = z.object({ model: z.string().trim().min(1).max(80), environment: EnvironmentNameSchema });

/** What a client needs to summarise its traffic: the feature statistics and the bin edges to count them on. */
export async function getReference(ctx: TeamContext, q: z.output<typeof ReferenceQuerySchema>) {
  const { env, model, version } = await deployedVersion(ctx.team.id, q.environment, q.model);
  const ref = await referenceFor(ctx, version.id);
  const s = ref.stats;
  return {
    model: model.name,
    version: version.version,
    environment: env.name,
    dataset: s.datasetLabel,
    evaluation: s.evaluationNumber,
    features: { kind: s.features.kind, items: s.features.items.map((f) => ({ name: f.name, edges: f.edges, mean: f.mean, variance: f.variance })) },
    inputRange: s.inputRange,
    classLabels: s.classLabels,
    confidenceEdges: s.confidence.edges,
    limits: { maxBatchCount: MAX_BATCH_COUNT },
  };
}

// ---- Batches ---------------------------------------------------------------------------------------

export const MAX_BATCH_COUNT = 100_000;
/** Raw samples per batch and values per sample: enough for the attack-pattern share, small enough to score at once. */
export const MAX_SAMPLES = 64;
export const MAX_SAMPLE_VALUES = 4096;
/** Fewer raw samples than this give a share too noisy to alert on (it is still recorded). */
export const MIN_ATTACK_SAMPLES = 10;
const Count = z.number({ error: "a count" }).int({ error: "a whole number" }).min(0, { error: "at least 0" }).max(MAX_BATCH_COUNT);
const Finite = z.number({ error: "a number" }).finite({ error: "a finite number" });

export const BatchSchema = z.object({
  environment: EnvironmentNameSchema,
  model: z.string({ error: "Name the model" }).trim().min(1, { error: "Name the model" }).max(80),
  /** When the traffic happened (the client's clock); defaults to now. */
  observedAt: z.iso.datetime({ error: "an ISO 8601 date-time such as 2026-11-26T12:00:00Z" }).optional(),
  count: z.number({ error: "the number of inputs in the batch" }).int().min(1, { error: "at least 1 input" }).max(MAX_BATCH_COUNT, { error: `at most ${MAX_BATCH_COUNT} inputs per batch` }),
  /** Per input statistic: counts on the reference's bin edges, and the batch's mean and variance. */
  inputs: z.record(z.string().max(40), z.object({ counts: z.array(Count).min(1).max(101), mean: Finite, variance: Finite.min(0, { error: "at least 0" }) })).optional(),
  /** Predicted classes: one count per class label. */
  predictions: z.object({ counts: z.array(Count).min(1).max(1000) }).optional(),
  /** Top-1 confidence: counts on the ten 0.1-wide bins, and the mean. */
  confidence: z.object({ counts: z.array(Count).length(10, { error: "ten counts (bins of width 0.1)" }), mean: Finite.min(0).max(1) }).optional(),
  /** Optional raw inputs (a random sample of the batch, in the model's raw input range) for the attack-pattern signal; used in memory, never stored. */
  samples: z.array(z.array(Finite).min(1).max(MAX_SAMPLE_VALUES, { error: `at most ${MAX_SAMPLE_VALUES} values per sample` })).min(1).max(MAX_SAMPLES, { error: `at most ${MAX_SAMPLES} samples per batch` }).optional(),
}).strict();
export type BatchInput = z.output<typeof BatchSchema>;

export interface BatchScores {
  inputs: { name: string; psi: number; ks: number; pValue: number; mean: number; variance: number }[];
  predictionPsi: number | null;
  confidence: { mean: number; dropPp: number } | null;
  attack: NearBoundary | null;
  signals: Partial<Record<Signal, Severity | null>>;
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

/** Checks a batch against its reference (names, bin counts, totals); errors name the field. */
function checkBatch(b: BatchInput, ref: ReferenceStats) {
  const errors: Record<string, string> = {};
  if (!b.inputs && !b.predictions && !b.confidence) errors.inputs = "send at least one of inputs, predictions or confidence";
  for (const [name, h] of Object.entries(b.inputs ?? {})) {
    const f = ref.features.items.find((x) => x.name === name);
    if (!f) errors[`inputs.${name}`] = `unknown statistic; the reference has ${ref.features.items.map((x) => x.name).join(", ")}`;
    else if (h.counts.length !== f.edges.length + 1) errors[`inputs.${name}.counts`] = `${f.edges.length + 1} counts expected (one per reference bin)`;
    else if (sum(h.counts) !== b.count) errors[`inputs.${name}.counts`] = `the counts add up to ${sum(h.counts)}, not the batch's count ${b.count}`;
  }
  if (b.predictions) {
    if (b.predictions.counts.length !== ref.classLabels.length) errors["predictions.counts"] = `${ref.classLabels.length} counts expected (one per class)`;
    else if (sum(b.predictions.counts) !== b.count) errors["predictions.counts"] = `the counts add up to ${sum(b.predictions.counts)}, not the batch's count ${b.count}`;
  }
  const size = ref.inputSize;
  b.samples?.forEach((x, i) => {
    if (errors.samples) return;
    if (size && x.length !== size) errors.samples = `sample ${i} has ${x.length} values; the model takes ${size}`;
    else if (x.some((v) => v < ref.inputRange.min - 1e-6 || v > ref.inputRange.max + 1e-6)) errors.samples = `sample ${i} has values outside the model's input range [${ref.inputRange.min}, ${ref.inputRange.max}]`;
  });
  if (b.samples && !size) errors.samples = "this reference predates raw samples; send summaries only";
  if (b.confidence && sum(b.confidence.counts) !== b.count) errors["confidence.counts"] = `the counts add up to ${sum(b.confidence.counts)}, not the batch's count ${b.count}`;
  if (Object.keys(errors).length) throw new ValidationError(`The batch does not fit the reference: ${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join("; ")}.`, errors);
}

const worse = (a: Severity | null | undefined, b: Severity | null | undefined): Severity | null => (a === "critical" || b === "critical" ? "critical" : a === "warning" || b === "warning" ? "warning" : null);

/**
 * Scores one batch and decides each signal's severity under the team's thresholds. Input drift needs
 * both a PSI over the threshold and a significant KS test on the same statistic, so that a large
 * batch's tiny, significant wobble or a small batch's noisy PSI alone does not raise an incident.
 */
export function scoreBatch(b: Pick<BatchInput, "count" | "inputs" | "predictions" | "confidence">, ref: ReferenceStats, p: MonitoringPolicy, attack: NearBoundary | null = null): BatchScores {
  const inputs = Object.entries(b.inputs ?? {}).map(([name, h]) => {
    const f = ref.features.items.find((x) => x.name === name)!;
    const ks = ksBinned(f.counts, h.counts);
    return { name, psi: psi(f.counts, h.counts), ks: ks.statistic, pValue: ks.pValue, mean: h.mean, variance: h.variance };
  });
  const signals: BatchScores["signals"] = {};
  if (b.inputs) {
    signals["input-drift"] = inputs.reduce<Severity | null>((s, x) => worse(s, x.pValue < p.ksPValue ? (x.psi >= p.psiCritical ? "critical" : x.psi >= p.psiWarning ? "warning" : null) : null), null);
  }
  const predictionPsi = b.predictions ? psi(ref.predictions.counts, b.predictions.counts) : null;
  if (predictionPsi !== null) signals["prediction-shift"] = predictionPsi >= p.psiCritical ? "critical" : predictionPsi >= p.predictionPsiWarning ? "warning" : null;
  const confidence = b.confidence ? { mean: b.confidence.mean, dropPp: confidenceDropPp(ref.confidence.mean, b.confidence.mean) } : null;
  if (confidence) signals["confidence-drop"] = confidence.dropPp >= 2 * p.confidenceDropPp ? "critical" : confidence.dropPp >= p.confidenceDropPp ? "warning" : null;
  if (attack && attack.tested >= MIN_ATTACK_SAMPLES) signals["attack-pattern"] = attack.share >= 2 * p.attackShareWarning ? "critical" : attack.share >= p.attackShareWarning ? "warning" : null;
  return { inputs, predictionPsi, confidence, attack, signals };
}

function signalSummary(signal: Signal, s: BatchScores, model: string, version: number, env: string): string {
  const who = `${model} v${version} in ${env}`;
  if (signal === "input-drift") {
    const top = [...s.inputs].sort((a, b) => b.psi - a.psi)[0]!;
    return `${who}: inputs drifted from the evaluation data — ${top.name} PSI ${top.psi.toFixed(3)}, KS ${top.ks.toFixed(3)} (p ${top.pValue.toExponential(1)}).`;
  }
  if (signal === "prediction-shift") return `${who}: the predicted-class distribution shifted (PSI ${s.predictionPsi!.toFixed(3)}).`;
  if (signal === "confidence-drop") return `${who}: mean confidence fell ${s.confidence!.dropPp.toFixed(1)} points below the evaluation (${(s.confidence!.mean * 100).toFixed(1)}%).`;
  return `${who}: ${s.attack!.flagged} of ${s.attack!.tested} raw samples (${(s.attack!.share * 100).toFixed(0)}%) sit next to a decision boundary (a 1% step flips them or leaves a margin under 0.1) — a pattern of crafted inputs.`;
}

export interface IngestResult {
  batchId: string;
  scores: BatchScores;
  opened: string[];
  updated: string[];
  resolved: string[];
}

/** Stores one batch, scores it against the reference, and opens, updates or resolves incidents. */
export async function ingestBatch(ctx: TeamContext, input: BatchInput, now = new Date()): Promise<IngestResult> {
  assertCan(ctx, "monitoring.ingest");
  const { env, model, version } = await deployedVersion(ctx.team.id, input.environment, input.model);
  const ref = await referenceFor(ctx, version.id);
  checkBatch(input, ref.stats);
  const { policy } = await activePolicy(ctx);
  const attack = input.samples ? await attackShareFor(ctx, version, input.samples, ref.stats) : null;
  const scores = scoreBatch(input, ref.stats, policy.monitoring, attack);
  const observedAt = input.observedAt ? new Date(input.observedAt) : now;
  const webhooks: WebhookJob[] = [];
  const result = await db.$transaction(async (tx) => {
    // One writer per environment at a time: two batches cannot both open the same incident.
    await tx.$queryRaw`SELECT id FROM "Environment" WHERE id = ${env.id} FOR UPDATE`;
    const batch = await tx.monitoringBatch.create({
      data: {
        teamId: ctx.team.id, environmentId: env.id, modelId: model.id, modelVersionId: version.id, referenceId: ref.id, observedAt, receivedAt: now, count: input.count,
        summary: { inputs: input.inputs ?? null, predictions: input.predictions ?? null, confidence: input.confidence ?? null } as unknown as Prisma.InputJsonValue,
        // Raw samples are scored in memory and not kept (data minimisation): only their number is stored.
        sampleCount: input.samples?.length ?? 0,
        scores: scores as unknown as Prisma.InputJsonValue, senderLabel: ctx.actor.label,
      },
    });
    const out: IngestResult = { batchId: batch.id, scores, opened: [], updated: [], resolved: [] };
    for (const signal of SIGNALS) {
      if (!(signal in scores.signals)) continue; // not measured in this batch: neither evidence of drift nor of its end
      const severity = scores.signals[signal] ?? null;
      // Incidents follow the traffic's own clock (a client may send a backlog of batches).
      await applySignal(tx, { ctx, env, model, version, batch, signal, severity, summary: severity ? signalSummary(signal, scores, model.name, version.version, env.name) : "", scores, policy: policy.monitoring, now: observedAt, webhooks, out });
    }
    // The alerts' signals are queued with the alerts, in this transaction.
    if (webhooks.length) {
      await sendWebhooks(tx, ctx.team.id, webhooks);
    }
    return out;
  });
  return result;
}

async function applySignal(tx: Tx, a: {
  ctx: TeamContext; env: { id: string; name: string }; model: { id: string; name: string }; version: { id: string; version: number }; batch: { id: string };
  signal: Signal; severity: Severity | null; summary: string; scores: BatchScores; policy: MonitoringPolicy; now: Date; webhooks: WebhookJob[]; out: IngestResult;
}) {
  const teamId = a.ctx.team.id;
  const open = await tx.monitoringAlert.findFirst({ where: { teamId, environmentId: a.env.id, modelId: a.model.id, signal: a.signal, resolvedAt: null } });
  const signalPayload = (alert: { id: string; severity: string; summary: string }, event: string) => ({
    teamId, event, payload: { alertId: alert.id, signal: a.signal, severity: alert.severity, summary: alert.summary, environment: a.env.name, model: a.model.name, modelVersion: a.version.version, batchId: a.batch.id },
  });
  // A batch older than the incident's last one (a backlog sent out of order) does not move its clock back.
  const at = open && open.lastSeenAt > a.now ? open.lastSeenAt : a.now;
  if (a.severity) {
    if (open) {
      // The same incident goes on: update it, do not raise another alert.
      const severity = worse(open.severity as Severity, a.severity)!;
      await tx.monitoringAlert.update({ where: { id: open.id }, data: { lastSeenAt: at, lastBatchId: a.batch.id, batchCount: { increment: 1 }, cleanStreak: 0, severity, summary: a.summary } });
      if (severity !== open.severity) {
        await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "monitoring.alert.escalate", subjectType: "MonitoringAlert", subjectId: open.id, details: { signal: a.signal, severity, summary: a.summary } });
        a.webhooks.push(signalPayload({ id: open.id, severity, summary: a.summary }, "monitoring.alert.escalated"));
      }
      a.out.updated.push(open.id);
      return;
    }
    const alert = await tx.monitoringAlert.create({
      data: { teamId, environmentId: a.env.id, modelId: a.model.id, modelVersionId: a.version.id, signal: a.signal, severity: a.severity, summary: a.summary, details: a.scores as unknown as Prisma.InputJsonValue, openedAt: a.now, lastSeenAt: a.now, firstBatchId: a.batch.id, lastBatchId: a.batch.id },
    });
    await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "monitoring.alert.open", subjectType: "MonitoringAlert", subjectId: alert.id, details: { signal: a.signal, severity: a.severity, environment: a.env.name, model: a.model.name, version: a.version.version, summary: a.summary } });
    a.webhooks.push(signalPayload(alert, "monitoring.alert.opened"));
    a.out.opened.push(alert.id);
    return;
  }
  if (!open) return;
  const streak = open.cleanStreak + 1;
  if (streak >= a.policy.resolveAfterBatches) {
    await tx.monitoringAlert.update({ where: { id: open.id }, data: { cleanStreak: streak, resolvedAt: at } });
    await appendAudit(tx, { teamId, actor: SYSTEM_ACTOR, action: "monitoring.alert.resolve", subjectType: "MonitoringAlert", subjectId: open.id, details: { signal: a.signal, afterCleanBatches: streak, batches: open.batchCount } });
    a.webhooks.push(signalPayload(open, "monitoring.alert.resolved"));
    a.out.resolved.push(open.id);
  } else {
    await tx.monitoringAlert.update({ where: { id: open.id }, data: { cleanStreak: streak } });
  }
}

// Loaded models for the attack-pattern signal, per version (a few: the web process keeps them in memory).
const loaded = new Map<string, Promise<{ model: LoadedModel; pre: { scale: number; offset: number } }>>();

async function attackShareFor(scope: TeamScope, version: { id: string }, samples: number[][], ref: ReferenceStats): Promise<NearBoundary> {
  let entry = loaded.get(version.id);
  if (!entry) {
    entry = (async () => {
      await ensureCheckBackend(env().BULWARK_TF_BACKEND);
      // A version with weights or an ensemble (its members loaded and combined).
      const mv = await loadEngineModel(scope, version.id);
      return { model: { ...mv.model, dispose: mv.dispose }, pre: preprocessingOf(mv.engineCard) };
    })();
    entry.catch(() => loaded.delete(version.id));
    if (loaded.size >= 3) {
      const [oldest] = loaded.keys();
      void loaded.get(oldest!)?.then((e) => e.model.dispose());
      loaded.delete(oldest!);
    }
    loaded.set(version.id, entry);
  }
  const { model, pre } = await entry;
  return nearBoundaryShare(model, Float32Array.from(samples.flat()), samples.length, ref.inputRange, pre);
}

// ---- Acknowledge and read --------------------------------------------------------------------------

export const AcknowledgeMonitoringAlertSchema = z.object({ alertId: z.string().min(1).max(40), note: z.string().trim().min(3, { error: "Say what was decided (at least 3 characters)" }).max(2000) });

export async function acknowledgeMonitoringAlert(ctx: TeamContext, input: z.output<typeof AcknowledgeMonitoringAlertSchema>, now = new Date()) {
  assertCan(ctx, "alert.acknowledge");
  return db.$transaction(async (tx) => {
    const moved = await tx.monitoringAlert.updateMany({ where: { id: input.alertId, teamId: ctx.team.id, acknowledgedAt: null }, data: { acknowledgedAt: now, acknowledgedById: ctx.userId, acknowledgedByLabel: ctx.actor.label, acknowledgementNote: input.note } });
    const alert = await tx.monitoringAlert.findFirst({ where: { id: input.alertId, teamId: ctx.team.id } });
    if (!alert) throw new NotFoundError("This alert");
    if (moved.count > 0) await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "monitoring.alert.acknowledge", subjectType: "MonitoringAlert", subjectId: alert.id, details: { signal: alert.signal, severity: alert.severity, note: input.note } });
    return alert;
  });
}

/** The monitoring page: batches over time, the latest scores, open and recent alerts. */
export async function monitoringView(ctx: TeamContext, modelId: string, environmentId: string, take = 500) {
  const [model, env] = await Promise.all([
    db.model.findFirst({ where: { id: modelId, teamId: ctx.team.id }, select: { id: true, name: true } }),
    db.environment.findFirst({ where: { id: environmentId, teamId: ctx.team.id } }),
  ]);
  if (!model || !env) throw new NotFoundError("This page");
  const [batches, alerts, current] = await Promise.all([
    db.monitoringBatch.findMany({ where: { teamId: ctx.team.id, environmentId, modelId }, orderBy: { observedAt: "desc" }, take, select: { id: true, observedAt: true, count: true, scores: true, modelVersionId: true } }),
    db.monitoringAlert.findMany({ where: { teamId: ctx.team.id, environmentId, modelId }, orderBy: { openedAt: "desc" }, take: 50 }),
    db.deployment.findFirst({ where: { teamId: ctx.team.id, environmentId, modelId }, orderBy: { createdAt: "desc" } }),
  ]);
  const versions = await db.modelVersion.findMany({ where: { teamId: ctx.team.id, id: { in: [...new Set([...batches.map((b) => b.modelVersionId), ...alerts.map((a) => a.modelVersionId), ...(current ? [current.modelVersionId] : [])])] } }, select: { id: true, version: true } });
  const vNum = new Map(versions.map((v) => [v.id, v.version]));
  const reference = current ? await db.monitoringReference.findFirst({ where: { teamId: ctx.team.id, modelVersionId: current.modelVersionId }, orderBy: { createdAt: "desc" } }) : null;
  const { policy } = await activePolicy(ctx);
  return {
    model,
    environment: env,
    currentVersion: current ? (vNum.get(current.modelVersionId) ?? null) : null,
    reference: reference ? (reference.stats as unknown as ReferenceStats) : null,
    thresholds: policy.monitoring,
    batches: batches.reverse().map((b) => ({ ...b, version: vNum.get(b.modelVersionId) ?? 0, scores: b.scores as unknown as BatchScores })),
    alerts: alerts.map((a) => ({ ...a, version: vNum.get(a.modelVersionId) ?? 0 })),
  };
}
