import { db } from "../db/client";
import { assertScopeCan } from "../teams/access";
import type { TeamScope } from "../teams/context";
import { NotFoundError, ValidationError } from "../errors";
import { ModelCardSchema } from "../registry/model-card";
import { checkCompatibility } from "../registry/compat";
import { loadDatasetForEngine } from "../registry/datasets";
import { AttackSuiteSchema, estimateSuiteCost, type AttackSuite } from "../engine/suite";
import { SPATIAL_CORRUPTIONS, applicableCorruptions } from "../engine/corruption-kinds";
import type { CreateAnyEvaluation, CreateEvaluation } from "./schemas";
import { KINDS } from "./kinds";
import { createIntegrityEvaluation } from "./integrity";
import { createPrivacyEvaluation } from "./privacy";
import { buildSuite, dataDomain } from "./suite-for";
import { blackBoxSuite, checkEndpointSuite, endpointLaunchInfo, estimateQueryCost } from "./blackbox";
import { planShards, stratifiedSample } from "./sampling";
import type { CreatedEvaluation } from "./created";
import { insertEvaluation, launchableModelVersion, type LaunchOptions } from "./launch";

export type { CreatedEvaluation } from "./created";

/**
 * Creates an evaluation of any kind (lib/evaluations/kinds.ts): the input was parsed with
 * CreateAnyEvaluationSchema, which picked the kind's config schema. A kind that is not built yet is refused
 * here, before anything is stored.
 */
export async function createEvaluationOfKind(ctx: TeamScope, input: CreateAnyEvaluation, opts: LaunchOptions = {}): Promise<CreatedEvaluation> {
  assertScopeCan(ctx, "evaluation.run");
  const info = KINDS[input.kind ?? "robustness"];
  if (!info.available) throw new ValidationError(info.unavailableReason ?? `${info.label} evaluations are not available yet.`, { kind: "Not available yet" });
  switch (input.kind) {
    case undefined:
    case "robustness": {
      const { kind: _kind, ...robustness } = input;
      return createEvaluation(ctx, robustness, opts);
    }
    case "privacy":
      return createPrivacyEvaluation(ctx, input, opts);
    case "integrity":
      return createIntegrityEvaluation(ctx, input, opts);
  }
}

/**
 * Creates a robustness evaluation and its shards in one transaction (with the audit event), marks the model
 * and dataset versions as evaluated (immutable from now on), then queues one job per shard.
 * `scheduleId` is set when a schedule fires it (then the actor is the system).
 */
export async function createEvaluation(ctx: TeamScope, input: CreateEvaluation, opts: LaunchOptions = {}): Promise<CreatedEvaluation> {
  assertScopeCan(ctx, "evaluation.run");
  const teamId = ctx.team.id;
  const mv = await launchableModelVersion(ctx, input.modelVersionId);
  const dv = await db.datasetVersion.findFirst({ where: { id: input.datasetVersionId, teamId, storedAt: { not: null } } });
  if (!dv) throw new NotFoundError("This dataset version");

  const card = ModelCardSchema.parse(mv.card);
  const compat = checkCompatibility(card, dv);
  if (!compat.compatible) {
    throw new ValidationError(`${mv.model.name} v${mv.version} cannot be evaluated on this dataset: ${compat.differences.map((d) => d.message).join(" ")}`, {
      datasetVersionId: compat.differences.map((d) => d.message).join(" "),
    });
  }

  const sampleCount = input.sampleCount === "all" ? dv.sampleCount : Math.min(input.sampleCount, dv.sampleCount);
  // A model served over HTTP is only queried (black-box): its presets are query-only suites, checked for it.
  const endpoint = await endpointLaunchInfo(ctx, mv.id);
  if (endpoint && (input.corruptions || (input.ood && input.ood !== "none"))) {
    throw new ValidationError("Corruption and out-of-distribution checks are not run on models served over HTTP yet.", { [input.corruptions ? "corruptions" : "ood"]: "Not available for a model served over HTTP" });
  }
  const built =
    endpoint && input.preset !== "custom"
      ? { suite: blackBoxSuite(input.preset, { inputRange: card.inputRange, domain: dataDomain(card.inputShape), outputKind: endpoint.outputKind, sampleCount, seed: input.seed, linfEpsilons: input.linfEpsilons }), warnings: [] as string[] }
      : buildSuite({
          preset: input.preset,
          customSuite: input.customSuite,
          linfEpsilons: input.linfEpsilons,
          inputRange: card.inputRange,
          inputShape: card.inputShape,
          sampleCount,
          seed: input.seed,
        });
  // The sanity PGD needs gradients: a custom suite for an endpoint runs without it unless it asks for it explicitly
  // (then the check below refuses it and says why).
  const askedSanity = (() => { try { return (JSON.parse(input.customSuite || "{}") as { sanityCheck?: unknown }).sanityCheck === true; } catch { return false; } })();
  const chosen = endpoint && input.preset === "custom" && !askedSanity ? AttackSuiteSchema.parse({ ...built.suite, sanityCheck: false }) : built.suite;
  const preset = opts.repeatsPreset ?? input.preset;
  const suite = opts.repeatsPreset ? { ...chosen, preset } : chosen;
  const warnings = endpoint ? checkEndpointSuite(suite, endpoint, card.inputRange, card.inputShape) : built.warnings;
  const parts = await withOptionalParts(teamId, suite, input, card);
  const dataset = await loadDatasetForEngine(ctx, dv.id);
  const sampleIndices = stratifiedSample(dataset.labels, sampleCount, input.seed);
  const shards = planShards(sampleIndices.length, input.shardSize);
  const perSample = estimateSuiteCost(parts).perSample;
  const queryCost = endpoint ? estimateQueryCost(parts, sampleIndices.length, endpoint) : null;

  const evaluation = await insertEvaluation(ctx, opts, {
    columns: {
      modelId: mv.modelId, modelVersionId: mv.id, datasetVersionId: dv.id, preset, suite: parts, seed: input.seed,
      sampleCount: sampleIndices.length, sampleIndices, shardSize: input.shardSize, estimatedSteps: perSample * sampleIndices.length,
    },
    shards,
    details: {
      model: `${mv.model.name} v${mv.version}`, modelDigest: mv.manifestDigest, datasetDigest: dv.tensorDigest, preset, samples: sampleIndices.length, seed: input.seed, shards: shards.length,
      ...(queryCost && endpoint ? { threatModel: "black-box", endpointHost: endpoint.host, queryBudgets: queryCost.budgets, maxQueries: queryCost.maxQueries } : {}),
    },
  });

  return { id: evaluation.id, number: evaluation.number, warnings, ...(queryCost ? { queryCost } : {}) };
}

/** The synthetic OOD inputs an evaluation scores by default (a dataset source is capped at its size). */
export const DEFAULT_OOD_SAMPLES = 300;

/**
 * Adds the optional parts the form or API asked for (corruptions, OOD) to the suite and checks them against
 * the model: spatial corruptions need an image input; an OOD dataset must be the team's, with the model's
 * sample shape and inside its value range.
 */
async function withOptionalParts(teamId: string, suite: AttackSuite, input: CreateEvaluation, card: { inputShape: number[]; inputRange: { min: number; max: number } }): Promise<AttackSuite> {
  const next: Record<string, unknown> = { ...suite };
  if (input.corruptions) next.corruptions = suite.corruptions ?? { severities: [1, 2, 3, 4, 5] };
  const kinds = (next.corruptions as AttackSuite["corruptions"])?.kinds;
  const notImage = kinds?.filter((k) => SPATIAL_CORRUPTIONS.has(k) && !applicableCorruptions(card.inputShape).includes(k));
  if (notImage?.length) {
    throw new ValidationError(`The corruptions ${notImage.join(", ")} need an image input; this model takes [${card.inputShape.join(", ")}].`, { customSuite: `Remove ${notImage.join(", ")} from corruptions.kinds` });
  }
  if (input.ood === "none") delete next.ood;
  else if (input.ood === "synthetic") next.ood = { source: "synthetic", samples: DEFAULT_OOD_SAMPLES };
  const wantsDataset = input.ood === "dataset" || (next.ood as AttackSuite["ood"])?.source === "dataset";
  if (wantsDataset) {
    const id = input.oodDatasetVersionId || (next.ood as AttackSuite["ood"])?.datasetVersionId;
    if (!id) throw new ValidationError("Choose the out-of-distribution dataset version.", { oodDatasetVersionId: "Choose a dataset version" });
    const ood = await db.datasetVersion.findFirst({ where: { id, teamId, storedAt: { not: null } } });
    if (!ood) throw new NotFoundError("This OOD dataset version");
    if (ood.sampleShape.join(",") !== card.inputShape.join(",")) {
      throw new ValidationError(`The OOD dataset's samples have shape [${ood.sampleShape.join(", ")}]; the model takes [${card.inputShape.join(", ")}].`, { oodDatasetVersionId: "Sample shape differs from the model's input" });
    }
    if (ood.valueMin < card.inputRange.min || ood.valueMax > card.inputRange.max) {
      throw new ValidationError(`The OOD dataset's values (${ood.valueMin}..${ood.valueMax}) leave the model's input range ${card.inputRange.min}..${card.inputRange.max}.`, { oodDatasetVersionId: "Values outside the model's input range" });
    }
    const asked = (next.ood as AttackSuite["ood"])?.samples ?? DEFAULT_OOD_SAMPLES;
    next.ood = { source: "dataset", datasetVersionId: ood.id, samples: Math.min(asked, ood.sampleCount) };
  }
  return AttackSuiteSchema.parse(next);
}

/** Measured engine throughput (estimated steps per second) over the team's recent finished shards. */
export async function measuredThroughput(scope: TeamScope): Promise<number | null> {
  const teamId = scope.team.id;
  const shards = await db.evaluationShard.findMany({
    where: { teamId, status: "DONE", durationMs: { gt: 0 }, evaluation: { kind: "robustness" } },
    orderBy: { finishedAt: "desc" },
    take: 200,
    select: { start: true, end: true, durationMs: true, evaluation: { select: { estimatedSteps: true, sampleCount: true } } },
  });
  let steps = 0;
  let ms = 0;
  for (const s of shards) {
    steps += ((s.end - s.start) * s.evaluation.estimatedSteps) / Math.max(1, s.evaluation.sampleCount);
    ms += s.durationMs ?? 0;
  }
  return ms > 0 ? steps / (ms / 1000) : null;
}
