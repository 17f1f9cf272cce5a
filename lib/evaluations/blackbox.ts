import { z } from "zod";
import { db } from "../db/client";
import type { InputRange } from "../engine/card";
import { AttackSuiteSchema, defaultEpsilons, suiteWarnings, type AttackSuite, type DataDomain } from "../engine/suite";
import { assertQueryOnlySuite, queriesPerExample, queryBudgets, whiteBoxReferenceCheck, type BudgetAccuracy } from "../engine/blackbox/reference";
import type { EngineMetrics } from "../engine/aggregate";
import type { ReliabilityCheck } from "../engine/reliability";
import { ValidationError } from "../errors";
import { ENDPOINT_FORMAT } from "../registry/endpoints";
import type { ThreatModel } from "./threat-model";
import type { TeamScope } from "../teams/context";

export type { ThreatModel };

// Evaluations of models served over HTTP (black-box threat model): their suites, what they cost in queries
// before launch, and the comparison with a white-box evaluation of the weights the endpoint serves.

/** Query budget per example of each black-box preset. */
export const BLACK_BOX_QUERIES = { quick: 300, standard: 1000 } as const;

/** The preset suites for an endpoint: Square (scores) or HopSkipJump (labels only), plus the noise baselines. */
export function blackBoxSuite(preset: "quick" | "standard", o: { inputRange: InputRange; domain: DataDomain; outputKind: "scores" | "label"; sampleCount: number; seed: number; linfEpsilons?: number[] }): AttackSuite {
  const eps = o.linfEpsilons?.length ? [...new Set(o.linfEpsilons)].sort((a, b) => a - b) : defaultEpsilons(o.inputRange, o.domain).linf;
  const queries = BLACK_BOX_QUERIES[preset];
  const search = o.outputKind === "scores" ? { kind: "square", norm: "linf", queries } : { kind: "hop-skip-jump", norm: "linf", queries };
  return AttackSuiteSchema.parse({
    name: `black-box ${preset}`, preset, sampleCount: o.sampleCount, seed: o.seed, sanityCheck: false,
    epsilons: { linf: eps, l2: [] },
    attacks: [search, { kind: "noise", norm: "linf", distribution: "uniform", draws: preset === "quick" ? 5 : 10 }, ...(preset === "standard" ? [{ kind: "noise", norm: "linf", distribution: "gaussian", draws: 10 }] : [])],
  });
}

export interface EndpointLaunchInfo {
  outputKind: "scores" | "label";
  batchSize: number;
  requestsPerSecond: number;
  concurrency: number;
  host: string;
  /** The white-box reference model version, when the endpoint names the weights it serves. */
  whiteBoxReferenceVersionId: string | null;
}

/** The endpoint facts an evaluation needs (no credential), or null for a version with weights. */
export async function endpointLaunchInfo(scope: TeamScope, modelVersionId: string): Promise<EndpointLaunchInfo | null> {
  const teamId = scope.team.id;
  const v = await db.modelVersion.findFirst({ where: { id: modelVersionId, teamId, format: ENDPOINT_FORMAT }, select: { engineInfo: true, endpoint: true } });
  if (!v?.endpoint) return null;
  const e = v.endpoint;
  const info = (v.engineInfo ?? {}) as { whiteBoxReferenceVersionId?: string };
  return {
    outputKind: e.outputKind === "label" ? "label" : "scores",
    batchSize: e.batchSize,
    requestsPerSecond: e.requestsPerSecond,
    concurrency: e.concurrency,
    host: new URL(e.url).host,
    whiteBoxReferenceVersionId: info.whiteBoxReferenceVersionId ?? null,
  };
}

/** What a black-box evaluation costs the endpoint's owner, stated before launch (and answered by the API). */
export const QueryCostSchema = z.object({
  maxQueries: z.number().int().meta({ description: "Upper bound: every example at every budget uses its whole query budget (attacks stop early on success)." }),
  maxRequests: z.number().int(),
  minSecondsAtRateLimit: z.number().meta({ description: "The rate limit alone makes the run last at least this long at the upper bound." }),
  queriesPerExample: z.number().int(),
  budgets: z.array(z.object({ attack: z.string(), queries: z.number().int() })),
});
export type QueryCost = z.infer<typeof QueryCostSchema>;

/** What a black-box evaluation costs the endpoint's owner, stated before launch. */
export function estimateQueryCost(suite: AttackSuite, samples: number, ep: Pick<EndpointLaunchInfo, "batchSize" | "requestsPerSecond">): QueryCost {
  const per = queriesPerExample(suite);
  const maxQueries = per * samples;
  // Each query round of an attack sends at most batchSize inputs per request (fewer when few examples remain).
  const maxRequests = Math.ceil(maxQueries / Math.max(1, ep.batchSize));
  return { maxQueries, maxRequests, minSecondsAtRateLimit: Math.ceil(maxRequests / ep.requestsPerSecond), queriesPerExample: per, budgets: queryBudgets(suite) };
}

/** Checks a suite for an endpoint and returns its warnings. */
export function checkEndpointSuite(suite: AttackSuite, info: EndpointLaunchInfo, inputRange: InputRange, inputShape: number[]): string[] {
  try {
    assertQueryOnlySuite(suite, info.outputKind);
  } catch (e) {
    throw new ValidationError(`This model is served over HTTP: ${(e as Error).message}.`, { customSuite: (e as Error).message });
  }
  // The white-box suite warnings about missing gradient attacks do not apply to a black-box threat model.
  return suiteWarnings(suite, inputRange, inputShape).filter((w) => !w.startsWith("The suite has no iterative gradient attack"));
}

/** Worst-case robust accuracy per budget, as the reference check compares it. */
function budgetAccuracies(m: EngineMetrics): BudgetAccuracy[] {
  return m.worstCase.map((w) => ({ norm: w.norm, eps: w.eps, robustAccuracy: w.robustAccuracy, samples: m.samples }));
}

/**
 * The comparison check for a black-box evaluation: against the latest completed evaluation of the endpoint's
 * white-box reference version on the same dataset version (same team), when there is one.
 */
export async function referenceCheckFor(scope: TeamScope, ev: { datasetVersionId: string }, info: EndpointLaunchInfo, metrics: EngineMetrics): Promise<{ check: ReliabilityCheck; referenceEvaluationId: string | null }> {
  const teamId = scope.team.id;
  const refId = info.whiteBoxReferenceVersionId;
  const ref = refId
    ? await db.evaluation.findFirst({
        where: { teamId, kind: "robustness", modelVersionId: refId, datasetVersionId: ev.datasetVersionId, status: "COMPLETED" },
        orderBy: { finishedAt: "desc" },
      })
    : null;
  const refVersion = ref ? await db.modelVersion.findFirst({ where: { id: ref.modelVersionId, teamId }, select: { version: true, model: { select: { name: true } } } }) : null;
  const check = whiteBoxReferenceCheck(
    budgetAccuracies(metrics),
    ref?.metrics ? budgetAccuracies(ref.metrics as unknown as EngineMetrics) : null,
    ref ? { label: `the white-box evaluation #${ref.number} of ${refVersion?.model.name ?? "the reference model"} v${refVersion?.version ?? "?"}` } : null,
  );
  return { check, referenceEvaluationId: ref?.id ?? null };
}

export interface EndpointPresetCost {
  host: string;
  outputKind: "scores" | "label";
  /** Upper bound of queries per example for each preset (three default Linf budgets). */
  perExample: { quick: number; standard: number };
  batchSize: number;
  requestsPerSecond: number;
}

/** For the launch form: what each endpoint version of the team costs per example under each preset. */
export async function endpointPresetCosts(scope: TeamScope): Promise<Record<string, EndpointPresetCost>> {
  const teamId = scope.team.id;
  const rows = await db.modelVersion.findMany({ where: { teamId, format: ENDPOINT_FORMAT, storedAt: { not: null } }, select: { id: true, card: true, endpoint: true } });
  const out: Record<string, EndpointPresetCost> = {};
  for (const r of rows) {
    if (!r.endpoint) continue;
    const card = r.card as { inputShape: number[]; inputRange: InputRange };
    const outputKind = r.endpoint.outputKind === "label" ? "label" : "scores";
    const domain: DataDomain = card.inputShape.length >= 2 && (card.inputShape.length === 3 ? card.inputShape[2] : 1) === 1 ? "digits" : "natural";
    const per = (preset: "quick" | "standard") => queriesPerExample(blackBoxSuite(preset, { inputRange: card.inputRange, domain, outputKind, sampleCount: 1, seed: 0 }));
    out[r.id] = { host: new URL(r.endpoint.url).host, outputKind, perExample: { quick: per("quick"), standard: per("standard") }, batchSize: r.endpoint.batchSize, requestsPerSecond: r.endpoint.requestsPerSecond };
  }
  return out;
}
