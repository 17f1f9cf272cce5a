import { createHash } from "node:crypto";
import { db } from "../db/client";
import { NotFoundError } from "../errors";
import type { TeamContext } from "../teams/access";
export { comparisonChart } from "../charts/versions";
import { ModelCardSchema, describeTrainingCost, describeTrainingMethod, ENSEMBLE_COMBINE_LABELS, type TrainingCost } from "../registry/model-card";
import type { TeamScope } from "../teams/context";
import type { HardeningCost } from "../hardening/read";
import { describeHardeningCost } from "../hardening/cost-words";

// "Cost of robustness": the versions of one model side by side — clean and robust accuracy from evaluations
// on the same examples under the same attack suite (anything else is not comparable), the training cost from
// each card (for a version a hardening run made: the cost its worker measured) and the inference cost each
// evaluation measured. Used by the model page and the PDF report.

export interface ComparableEvaluation {
  id: string;
  number: number;
  modelVersionId: string;
  datasetVersionId: string;
  datasetLabel: string;
  sampleIndices: number[];
  seed: number;
  preset: string;
  /** The suite's attacks (norms, budgets, steps): evaluations compare only under the same ones. */
  attacks: unknown;
  finishedAt: string;
  cleanAccuracy: number;
  worstCase: { norm: string; eps: number; robustAccuracy: number }[];
  inference: { backend: string; latencyMs: number; throughputPerSecond: number; batchSize: number }[];
  /** Expected calibration error on the clean examples (null: measured before calibration existed). */
  ece?: number | null;
  /** Mean accuracy over the common corruptions and severities (null: the suite did not run them), and their configuration. */
  corruptionAccuracy?: number | null;
  corruptions?: unknown;
}

export interface ComparableVersion {
  id: string;
  version: number;
  format: string;
  status: string;
  card: unknown;
}

/** A version registered by a hardening run (lib/hardening): its parent and the cost the worker measured. */
export interface ComparableHardening {
  runId: string;
  resultVersionId: string;
  parentVersionId: string;
  cost: HardeningCost;
}

export interface Basis {
  key: string;
  label: string;
  datasetLabel: string;
  samples: number;
  preset: string;
  /** How many of the model's versions have an evaluation on this basis. */
  versions: number;
}

export interface VersionCostRow {
  versionId: string;
  version: number;
  label: string;
  format: string;
  archived: boolean;
  trainingMethod: string;
  trainingCost: TrainingCost | null;
  trainingCostText: string | null;
  ensemble: { combine: string; members: string[] } | null;
  evaluation: { id: string; number: number; finishedAt: string } | null;
  cleanAccuracy: number | null;
  /** Robust accuracy (worst case over the suite's attacks) at each of `budgets`, in order. */
  robust: (number | null)[];
  inference: ComparableEvaluation["inference"];
  /** Clean ECE of the basis evaluation; null: not measured there. */
  ece: number | null;
  /** Mean corruption accuracy on the corruption basis (`VersionComparison.corruptionBasis`) and the evaluation it comes from; null: not measured. */
  corruptionAccuracy: number | null;
  corruptionEvaluation: { id: string; number: number } | null;
  /** Why the row has no figures (not evaluated, or only on another basis). */
  note: string | null;
  /** For a hardened version: the run, its parent's number and the measured training cost (then also `trainingCostText`). */
  hardening: { runId: string; parentVersion: number | null; cost: ComparableHardening["cost"] } | null;
}

export interface VersionComparison {
  basis: Basis | null;
  otherBases: Basis[];
  budgets: { norm: string; eps: number }[];
  /** Where the corruption accuracies were measured (its own basis: the corruptions may have run in another evaluation); null: no version has one. */
  corruptionBasis: { label: string; versions: number } | null;
  rows: VersionCostRow[];
}

/** Evaluations are comparable when they ran on the same dataset version and examples under the same attacks. */
export function basisKey(e: Pick<ComparableEvaluation, "datasetVersionId" | "sampleIndices" | "attacks">): string {
  return createHash("sha256").update(JSON.stringify([e.datasetVersionId, e.sampleIndices, e.attacks])).digest("hex").slice(0, 16);
}

const budgetKey = (b: { norm: string; eps: number }) => `${b.norm}@${b.eps}`;

/**
 * The comparison table of a model's versions (pure). The basis is `basisKey` when given and present, else the
 * one covering the most versions (ties: the newest evaluation). Each version gets its newest evaluation on it.
 */
export function buildVersionComparison(modelName: string, versions: ComparableVersion[], evaluations: ComparableEvaluation[], wanted?: string, hardening: ComparableHardening[] = []): VersionComparison {
  const groups = new Map<string, ComparableEvaluation[]>();
  for (const e of evaluations) {
    const k = basisKey(e);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const bases: (Basis & { newest: string })[] = [...groups.entries()].map(([key, es]) => {
    const e = es[0];
    const versionsCovered = new Set(es.map((x) => x.modelVersionId)).size;
    return {
      key, datasetLabel: e.datasetLabel, samples: e.sampleIndices.length, preset: e.preset, versions: versionsCovered,
      label: `${e.datasetLabel}, ${e.sampleIndices.length.toLocaleString("en")} samples (seed ${e.seed}), ${e.preset} suite`,
      newest: es.map((x) => x.finishedAt).sort().at(-1)!,
    };
  });
  bases.sort((a, b) => b.versions - a.versions || b.newest.localeCompare(a.newest));
  const chosen = bases.find((b) => b.key === wanted) ?? bases[0] ?? null;
  const inBasis = chosen ? groups.get(chosen.key)! : [];
  const newestFor = (vid: string, es: ComparableEvaluation[]) => es.filter((e) => e.modelVersionId === vid).sort((a, b) => b.finishedAt.localeCompare(a.finishedAt) || b.number - a.number)[0];
  const picked = new Map(versions.map((v) => [v.id, newestFor(v.id, inBasis)]));
  // Budgets every picked evaluation measured (the same suite gives the same ones; the intersection is a guard).
  const pickedEvals = [...picked.values()].filter((e): e is ComparableEvaluation => !!e);
  const lists = pickedEvals.map((e) => e.worstCase.map(budgetKey));
  const budgets = pickedEvals.length
    ? pickedEvals[0].worstCase.filter((w) => lists.every((l) => l.includes(budgetKey(w)))).map((w) => ({ norm: w.norm, eps: w.eps })).sort((a, b) => a.norm.localeCompare(b.norm) || a.eps - b.eps)
    : [];
  // The corruption figures' own basis: the same dataset version, examples and corruption settings.
  const corrupted = new Map<string, ComparableEvaluation[]>();
  for (const e of evaluations.filter((x) => typeof x.corruptionAccuracy === "number")) {
    const k = JSON.stringify([e.datasetVersionId, e.sampleIndices, e.corruptions ?? null]);
    corrupted.set(k, [...(corrupted.get(k) ?? []), e]);
  }
  const corruptionGroup = [...corrupted.values()]
    .map((es) => ({ es, versions: new Set(es.map((x) => x.modelVersionId)).size, newest: es.map((x) => x.finishedAt).sort().at(-1)! }))
    .sort((a, b) => b.versions - a.versions || b.newest.localeCompare(a.newest))[0];
  const corruptionBasis = corruptionGroup ? { label: `${corruptionGroup.es[0]!.datasetLabel}, ${corruptionGroup.es[0]!.sampleIndices.length.toLocaleString("en")} samples (seed ${corruptionGroup.es[0]!.seed})`, versions: corruptionGroup.versions } : null;
  const rows = [...versions].sort((a, b) => a.version - b.version).map((v): VersionCostRow => {
    const card = ModelCardSchema.safeParse(v.card);
    const c = card.success ? card.data : null;
    const e = picked.get(v.id);
    const elsewhere = newestFor(v.id, evaluations);
    const ens = c?.ensemble ? { combine: ENSEMBLE_COMBINE_LABELS[c.ensemble.combine], members: c.ensemble.members.map((m) => m.label) } : null;
    const run = hardening.find((h) => h.resultVersionId === v.id);
    const parentVersion = run ? (versions.find((p) => p.id === run.parentVersionId)?.version ?? null) : null;
    const method = c ? describeTrainingMethod(c.trainingMethod) : "unknown";
    const corruption = corruptionGroup ? newestFor(v.id, corruptionGroup.es) : undefined;
    return {
      versionId: v.id, version: v.version, format: v.format, archived: v.status === "ARCHIVED",
      label: `${modelName} v${v.version}${ens ? ` (ensemble of ${ens.members.join(" + ")}, ${ens.combine})` : ""}`,
      trainingMethod: run ? `${method.replace(/\.$/, "")}; hardened from ${parentVersion === null ? "a deleted version" : `v${parentVersion}`} by Bulwark` : method,
      trainingCost: c?.trainingCost ?? null,
      trainingCostText: run ? `measured by Bulwark: ${describeHardeningCost(run.cost)}` : describeTrainingCost(c?.trainingCost),
      ensemble: ens,
      evaluation: e ? { id: e.id, number: e.number, finishedAt: e.finishedAt } : null,
      cleanAccuracy: e ? e.cleanAccuracy : null,
      robust: budgets.map((b) => e?.worstCase.find((w) => budgetKey(w) === budgetKey(b))?.robustAccuracy ?? null),
      inference: e?.inference ?? [],
      ece: e?.ece ?? null,
      corruptionAccuracy: corruption?.corruptionAccuracy ?? null,
      corruptionEvaluation: corruption ? { id: corruption.id, number: corruption.number } : null,
      hardening: run ? { runId: run.runId, parentVersion, cost: run.cost } : null,
      note: e ? null : elsewhere ? `Evaluated only on other examples or another suite (latest: evaluation #${elsewhere.number}), so not comparable here.` : "Not evaluated yet.",
    };
  });
  const strip = ({ newest: _n, ...b }: Basis & { newest: string }): Basis => b;
  return { basis: chosen ? strip(chosen) : null, otherBases: bases.filter((b) => b !== chosen).map(strip), budgets, corruptionBasis, rows };
}

type Prov = { inference?: ComparableEvaluation["inference"] } | null;
type Met = { worstCase?: ComparableEvaluation["worstCase"]; calibration?: { clean?: { ece?: number } } | null; corruptions?: { meanAccuracy?: number } | null } | null;
const finite = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Loads a model's versions and completed evaluations (scoped by team) and builds the comparison. */
export async function loadVersionComparison(scope: TeamScope, modelId: string, wanted?: string, opts: { finishedBy?: Date } = {}): Promise<VersionComparison & { modelName: string }> {
  const teamId = scope.team.id;
  const model = await db.model.findFirst({ where: { id: modelId, teamId }, select: { id: true, name: true } });
  if (!model) throw new NotFoundError("This model");
  const [versions, evals, runs] = await Promise.all([
    db.modelVersion.findMany({ where: { teamId, modelId, storedAt: { not: null } }, select: { id: true, version: true, format: true, status: true, card: true } }),
    // The newest 200 completed evaluations are plenty for a side-by-side view of one model's versions.
    db.evaluation.findMany({
      where: { teamId, modelId, kind: "robustness", status: "COMPLETED", cleanAccuracy: { not: null }, ...(opts.finishedBy ? { finishedAt: { lte: opts.finishedBy } } : {}) },
      orderBy: { finishedAt: "desc" },
      take: 200,
      select: { id: true, number: true, modelVersionId: true, datasetVersionId: true, sampleIndices: true, seed: true, preset: true, suite: true, finishedAt: true, createdAt: true, cleanAccuracy: true, metrics: true, provenance: true },
    }),
    db.hardeningRun.findMany({ where: { teamId, modelId, status: "COMPLETED", resultVersionId: { not: null } }, select: { id: true, resultVersionId: true, parentVersionId: true, cost: true } }),
  ]);
  const hardening: ComparableHardening[] = runs.map((r) => ({ runId: r.id, resultVersionId: r.resultVersionId!, parentVersionId: r.parentVersionId, cost: r.cost as ComparableHardening["cost"] }));
  const dsIds = [...new Set(evals.map((e) => e.datasetVersionId))];
  const ds = new Map((await db.datasetVersion.findMany({ where: { teamId, id: { in: dsIds } }, select: { id: true, version: true, dataset: { select: { name: true } } } })).map((d) => [d.id, `${d.dataset.name} v${d.version}`]));
  const comparable: ComparableEvaluation[] = evals.map((e) => ({
    id: e.id, number: e.number, modelVersionId: e.modelVersionId, datasetVersionId: e.datasetVersionId, datasetLabel: ds.get(e.datasetVersionId) ?? "dataset",
    sampleIndices: e.sampleIndices, seed: e.seed, preset: e.preset, attacks: (e.suite as { attacks?: unknown } | null)?.attacks ?? null,
    finishedAt: (e.finishedAt ?? e.createdAt).toISOString(), cleanAccuracy: e.cleanAccuracy ?? 0,
    worstCase: ((e.metrics as Met)?.worstCase ?? []).map((w) => ({ norm: w.norm, eps: w.eps, robustAccuracy: w.robustAccuracy })),
    inference: ((e.provenance as Prov)?.inference ?? []).map((i) => ({ backend: i.backend, latencyMs: i.latencyMs, throughputPerSecond: i.throughputPerSecond, batchSize: i.batchSize })),
    ece: finite((e.metrics as Met)?.calibration?.clean?.ece),
    corruptionAccuracy: finite((e.metrics as Met)?.corruptions?.meanAccuracy),
    corruptions: (e.suite as { corruptions?: unknown } | null)?.corruptions ?? null,
  }));
  return { modelName: model.name, ...buildVersionComparison(model.name, versions, comparable, wanted, hardening) };
}

/** The model page's variant (the caller's team). */
export function compareVersions(ctx: TeamContext, modelId: string, wanted?: string) {
  return loadVersionComparison(ctx, modelId, wanted);
}
