import { db } from "../db/client";
import { verifyTeamChain, verifyTeamChainRecent } from "../audit/log";
import { ModelCardSchema } from "../registry/model-card";
import type { AttestationEvidence, BeyondEvidence, DatasetEvidence, EvaluationEvidence, Evidence, ModelEvidence, OperationsEvidence, PrivacyEvaluationEvidence } from "./engine-types";
import { tierOf, type Verdict } from "./policy";
import { loadIntegrityEvidence } from "./integrity-evidence";
import type { TeamScope } from "../teams/context";

// Turns the team's database rows into the pure engine's input. Reads only; scoped by teamId on every query.

interface SuiteJson { attacks?: { kind?: string; id?: string; norm?: string; steps?: number; restarts?: number; targeted?: boolean; distribution?: string; queries?: number }[] }
interface MetricsJson {
  samples?: number; cleanAccuracy?: number; worstCase?: { norm: string; eps: number; robustAccuracy: number }[]; attacks?: { attack: string; family: string; norm: string }[];
  /** Full metrics (lib/engine/beyond) ... */
  calibration?: { clean?: { ece?: number }; underAttack?: { ece?: number }[] } | null;
  ood?: { scores?: { score: string; auroc: number }[]; highConfidenceShare?: number } | null;
  corruptions?: { meanAccuracy?: number; mCE?: number } | null;
  /** ... or the compact copy the evidence column keeps (function bulwark_evaluation_evidence). */
  beyond?: BeyondEvidence | null;
}

/** Calibration, OOD and corruption figures from either the full metrics or the compact evidence column. */
function beyondOf(m: MetricsJson): BeyondEvidence | undefined {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const b: BeyondEvidence = m.beyond
    ? { ece: num(m.beyond.ece), eceUnderAttackMax: num(m.beyond.eceUnderAttackMax), oodAuroc: num(m.beyond.oodAuroc), oodHighConfidenceShare: num(m.beyond.oodHighConfidenceShare), corruptionAccuracy: num(m.beyond.corruptionAccuracy), corruptionMCE: num(m.beyond.corruptionMCE) }
    : {
      ece: num(m.calibration?.clean?.ece),
      eceUnderAttackMax: m.calibration?.underAttack?.length ? num(Math.max(...m.calibration.underAttack.map((u) => u.ece ?? Number.NaN))) : null,
      oodAuroc: num(m.ood?.scores?.find((s) => s.score === "msp")?.auroc), oodHighConfidenceShare: num(m.ood?.highConfidenceShare),
      corruptionAccuracy: num(m.corruptions?.meanAccuracy), corruptionMCE: num(m.corruptions?.mCE),
    };
  return Object.values(b).some((v) => v !== null) ? b : undefined;
}
interface ReliabilityJson { verdict?: Verdict; reasons?: string[] }
interface ProvenanceJson { engine?: { backend?: string }; backends?: string[] }
interface ComparisonJson { regressions?: { before: number; after: number }[] }

const familyOf = (kind?: string) => (kind === "fgsm" ? "single-step" : kind === "square" || kind === "hop-skip-jump" ? "black-box" : kind === "noise" ? "noise" : "iterative");

/** Completed evaluation row -> engine evidence. Attacks come from the metrics (what ran), else the suite. */
export function evaluationEvidence(
  e: { id: string; number: number; finishedAt: Date | null; createdAt: Date; modelVersionId: string; datasetVersionId: string; suite: unknown; metrics: unknown; reliability: unknown; verdict: string | null; cleanAccuracy: number | null; provenance: unknown; sampleCount: number },
  modelDigest: string,
  dataset: { label: string; digest: string; datasetId: string } | undefined,
): EvaluationEvidence {
  const metrics = (e.metrics ?? {}) as MetricsJson;
  const suite = (e.suite ?? {}) as SuiteJson;
  const rel = (e.reliability ?? {}) as ReliabilityJson;
  const prov = (e.provenance ?? {}) as ProvenanceJson;
  const fromMetrics = new Map<string, { id: string; family: string; norm: string }>();
  for (const a of metrics.attacks ?? []) fromMetrics.set(a.attack, { id: a.attack, family: a.family, norm: a.norm });
  const attacks = fromMetrics.size ? [...fromMetrics.values()] : (suite.attacks ?? []).map((a, i) => ({ id: a.id ?? `${a.kind}-${i}`, family: familyOf(a.kind), norm: a.norm ?? "linf" }));
  const verdict = (rel.verdict ?? e.verdict ?? null) as Verdict | null;
  return {
    id: e.id,
    number: e.number,
    finishedAt: e.finishedAt ?? e.createdAt,
    modelVersionId: e.modelVersionId,
    modelDigest,
    datasetVersionId: e.datasetVersionId,
    datasetId: dataset?.datasetId ?? "",
    datasetLabel: dataset?.label ?? "dataset",
    datasetDigest: dataset?.digest ?? "",
    verdict: verdict === "reliable" || verdict === "questionable" || verdict === "unreliable" ? verdict : null,
    reliabilityReasons: rel.reasons ?? [],
    attacks,
    samples: metrics.samples ?? e.sampleCount,
    cleanAccuracy: metrics.cleanAccuracy ?? e.cleanAccuracy,
    worstCase: metrics.worstCase ?? [],
    backend: prov.engine?.backend ?? prov.backends?.[0] ?? null,
    ...(beyondOf(metrics) ? { beyond: beyondOf(metrics) } : {}),
  };
}

type EvidenceRow = Parameters<typeof evaluationEvidence>[0];

/**
 * The completed evaluations of the given model versions, with only the parts of their JSON columns that
 * evaluationEvidence reads. A team accumulates thousands of evaluations whose full rows (gallery pixels,
 * per-class metrics, provenance, sample indices) are tens of kilobytes each: the posture on every
 * dashboard and controls page must not pull and parse them all (issue 10, npm run bench:web). The
 * `evidence` column holds exactly these parts, kept by a database trigger from the full columns
 * (migration evaluation_evidence, function bulwark_evaluation_evidence); the fallback computes them
 * from the full columns with the same function, for a row the trigger has not seen.
 *
 * Even compact, 5,000 rows are megabytes of JSON to parse, about a second of the web process's event loop
 * on every posture recomputation (issue 27). So the rows are remembered per team and process, each with its
 * row version (PostgreSQL's xmin, which every UPDATE of the row renews, whatever path writes it): a
 * recomputation lists the ids and versions (no JSON) and reads the JSON of the new or changed rows only.
 */
export async function completedEvaluationEvidenceRows(scope: TeamScope, versionIds: string[]): Promise<EvidenceRow[]> {
  const teamId = scope.team.id;
  if (versionIds.length === 0) return [];
  // Robustness evaluations only: a privacy or integrity evaluation is never attack evidence (E1/E2).
  const current = await db.$queryRaw<{ id: string; v: string }[]>`
    SELECT e.id, e.xmin::text AS v FROM "Evaluation" e
    WHERE e."teamId" = ${teamId} AND e.status = 'COMPLETED' AND e.kind = 'robustness' AND e."modelVersionId" = ANY(${versionIds})`;
  const known = rememberedRows.get(teamId) ?? new Map<string, VersionedRow>();
  const missing = current.filter((r) => known.get(r.id)?.v !== r.v).map((r) => r.id);
  const fetched = missing.length === 0 ? [] : await db.$queryRaw<(EvidenceRow & { v: string })[]>`
    SELECT e.id, e.xmin::text AS v, e.number, e."finishedAt", e."createdAt", e."modelVersionId", e."datasetVersionId", e."sampleCount", e.verdict, e."cleanAccuracy",
      x.ev->'suite' AS suite, x.ev->'metrics' AS metrics, x.ev->'reliability' AS reliability, x.ev->'provenance' AS provenance
    FROM "Evaluation" e
    CROSS JOIN LATERAL (SELECT COALESCE(e.evidence, bulwark_evaluation_evidence(e.suite, e.metrics, e.reliability, e.provenance)) AS ev) x
    WHERE e."teamId" = ${teamId} AND e.status = 'COMPLETED' AND e.kind = 'robustness' AND e.id = ANY(${missing})`;
  const next = new Map<string, VersionedRow>();
  for (const { v, ...row } of fetched) next.set(row.id, { v, row });
  const out: EvidenceRow[] = [];
  for (const r of current) {
    // A row that changed between the two reads is answered as the second read found it (or, if it left the
    // set meanwhile, as the first found it: the next recomputation sees the change).
    const hit = next.get(r.id) ?? known.get(r.id);
    if (!hit) continue;
    next.set(r.id, hit);
    out.push(hit.row);
  }
  // Only the rows of the current set stay remembered; the most recently used teams first.
  rememberedRows.delete(teamId);
  rememberedRows.set(teamId, next);
  if (rememberedRows.size > ROWS_MAX_TEAMS) rememberedRows.delete(rememberedRows.keys().next().value!);
  return out;
}

interface VersionedRow { v: string; row: EvidenceRow }
const ROWS_MAX_TEAMS = 50;
const rememberedRows = new Map<string, Map<string, VersionedRow>>();

/** A completed evaluation of another kind than robustness, with the small evidence object its aggregation wrote. */
// Re-exported: the kind rows live in their own module so integrity-evidence.ts can read them without a cycle.
export { completedKindEvidenceRows, type KindEvidenceRow } from "./evidence-rows";
import { completedKindEvidenceRows, type KindEvidenceRow } from "./evidence-rows";

/** A privacy evaluation's compact evidence row -> E7 evidence (null when the row carries no figures). */
export function privacyEvidence(r: KindEvidenceRow): PrivacyEvaluationEvidence | null {
  const f = (r.evidence ?? null) as Partial<PrivacyEvaluationEvidence> | null;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  if (!f || num(f.auc) === null) return null;
  const verdict = r.verdict === "reliable" || r.verdict === "questionable" || r.verdict === "unreliable" ? r.verdict : null;
  return {
    id: r.id, number: r.number, finishedAt: r.finishedAt ?? r.createdAt, verdict, attack: String(f.attack ?? ""), auc: f.auc!, aucLow: num(f.aucLow) ?? f.auc!, aucHigh: num(f.aucHigh) ?? f.auc!,
    advantage: num(f.advantage) ?? 0, tprAt1Fpr: num(f.tprAt1Fpr), tprAt01Fpr: num(f.tprAt01Fpr), members: num(f.members) ?? 0, nonMembers: num(f.nonMembers) ?? 0, lira: f.lira === true,
  };
}

/** Card fields an auditor expects filled in. */
export function cardGaps(card: unknown): string[] {
  const parsed = ModelCardSchema.safeParse(card);
  if (!parsed.success) return ["a valid model card"];
  const c = parsed.data;
  const gaps: string[] = [];
  if (!c.knownLimitations.trim()) gaps.push("known limitations");
  if (!c.trainingDatasetVersionId) gaps.push("a link to the training dataset");
  return gaps;
}

/**
 * Runs `tasks` together, or one after another with `oneAtATime` (the same results in the same order): a
 * background recomputation then holds one pooled database connection at a time, not one per task, so the
 * page views it runs beside do not queue for connections behind it (issue 27).
 */
export async function runTasks<T extends readonly (() => Promise<unknown>)[]>(tasks: T, oneAtATime = false): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  type Out = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
  if (!oneAtATime) return (await Promise.all(tasks.map((t) => t()))) as Out;
  const out: unknown[] = [];
  for (const t of tasks) out.push(await t());
  return out as Out;
}

/**
 * Everything the status engine needs for one team. `modelIds` limits the models (default: all active).
 * `chain: "full"` re-verifies the whole audit chain (reports); pages use the incremental check.
 * `oneQueryAtATime`: for a background recomputation (see runTasks).
 */
export async function loadEvidence(scope: TeamScope, now = new Date(), opts: { modelIds?: string[]; chain?: "full" | "recent"; oneQueryAtATime?: boolean } = {}): Promise<Evidence> {
  const teamId = scope.team.id;
  const models = await db.model.findMany({
    where: { teamId, archivedAt: null, ...(opts.modelIds ? { id: { in: opts.modelIds } } : {}) },
    orderBy: { name: "asc" },
    include: { versions: { where: { status: "ACTIVE", storedAt: { not: null } }, orderBy: { version: "desc" }, take: 1 } },
  });
  const current = models.filter((m) => m.versions.length > 0).map((m) => ({ model: m, v: m.versions[0] }));
  const versionIds = current.map((c) => c.v.id);
  const [evaluations, privacyRows, alerts, schedules, attestations, policy, memberships, auditCount, chain] = await runTasks([
    () => completedEvaluationEvidenceRows(scope, versionIds),
    () => completedKindEvidenceRows(scope, "privacy", versionIds),
    () => db.regressionAlert.findMany({ where: { teamId, acknowledgedAt: null, modelId: { in: current.map((c) => c.model.id) } }, include: { evaluation: { select: { number: true } } } }),
    () => db.schedule.findMany({ where: { teamId, modelId: { in: current.map((c) => c.model.id) } } }),
    () => db.attestation.findMany({ where: { teamId }, include: { files: true } }),
    () => db.compliancePolicy.findFirst({ where: { teamId }, orderBy: { version: "desc" }, select: { version: true, createdAt: true } }),
    () => db.membership.findMany({ where: { teamId }, include: { user: { select: { id: true, email: true, name: true } } } }),
    () => db.auditEvent.count({ where: { teamId } }),
    () => (opts.chain === "full" ? verifyTeamChain(scope) : verifyTeamChainRecent(scope)),
  ] as const, opts.oneQueryAtATime);
  const operations = await operationsEvidence(teamId, current.map((c) => c.model.id));
  const integrity = await loadIntegrityEvidence(scope, versionIds);
  const datasetIds = new Set<string>([...evaluations.map((e) => e.datasetVersionId), ...current.map((c) => c.v.trainingDatasetVersionId).filter((x): x is string => !!x)]);
  const datasets = await db.datasetVersion.findMany({ where: { teamId, id: { in: [...datasetIds] } }, include: { dataset: { select: { name: true } } } });
  const ds = new Map<string, DatasetEvidence>(datasets.map((d) => {
    const card = (d.card ?? {}) as { source?: string; legalBasis?: string };
    return [d.id, { versionId: d.id, datasetId: d.datasetId, label: `${d.dataset.name} v${d.version}`, digest: d.tensorDigest, licence: d.licence, personalData: d.personalData, source: card.source ?? "", legalBasis: card.legalBasis ?? "" }];
  }));

  // One model at a time, giving the event loop back in between: for 10,000 evaluations this is a few hundred
  // milliseconds of CPU that page views must not wait behind in one piece (issue 27).
  const modelEvidence: ModelEvidence[] = [];
  for (const { model, v } of current) {
    if (modelEvidence.length > 0) await new Promise((r) => setImmediate(r));
    modelEvidence.push(modelEvidenceOf(model, v));
  }
  function modelEvidenceOf(model: (typeof current)[number]["model"], v: (typeof current)[number]["v"]): ModelEvidence {
    const evs = evaluations.filter((e) => e.modelVersionId === v.id).map((e) => {
      const d = ds.get(e.datasetVersionId);
      return evaluationEvidence(e, v.manifestDigest, d);
    });
    const newest = [...evs].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime())[0];
    return {
      modelId: model.id,
      name: model.name,
      versionId: v.id,
      version: v.version,
      digest: v.manifestDigest,
      tier: tierOf(v.riskTier),
      owner: v.owner,
      cardGaps: cardGaps(v.card),
      registeredAt: v.createdAt,
      evaluations: evs,
      evaluationDataset: newest ? ds.get(newest.datasetVersionId) ?? null : null,
      trainingDataset: v.trainingDatasetVersionId ? ds.get(v.trainingDatasetVersionId) ?? null : null,
      openAlerts: alerts.filter((a) => a.modelId === model.id).map((a) => {
        const regs = (a.details as ComparisonJson | null)?.regressions ?? [];
        const drops = regs.map((r) => (r.before - r.after) * 100).filter((x) => Number.isFinite(x));
        return { id: a.id, summary: a.summary, createdAt: a.createdAt, maxDropPp: drops.length ? Math.max(...drops) : null, evaluationNumber: a.evaluation?.number ?? null };
      }),
      schedules: schedules.filter((s) => s.modelId === model.id && (s.modelVersionId === null || s.modelVersionId === v.id)).map((s) => ({ id: s.id, name: s.name, paused: s.paused, nextRunAt: null })),
      operations: operations.get(model.id) ?? { environments: [] },
      integrity: integrity.get(v.id) ?? [],
      privacy: privacyRows.filter((r) => r.modelVersionId === v.id).map(privacyEvidence).filter((p): p is PrivacyEvaluationEvidence => p !== null),
    };
  }

  const att: AttestationEvidence[] = attestations.map((a) => ({
    id: a.id, control: a.control, modelId: a.modelId, statement: a.statement,
    attestedByUserId: a.attestedById, attestedByLabel: a.attestedByLabel, attestedAt: a.attestedAt, expiresAt: a.expiresAt, revokedAt: a.revokedAt,
    files: a.files.map((f) => ({ name: f.name, sha256: f.sha256 })),
  }));

  return {
    now,
    team: { policyVersion: policy?.version ?? null, policyUpdatedAt: policy?.createdAt ?? null, auditChainIntact: chain.intact, auditEventCount: auditCount },
    models: modelEvidence,
    attestations: att,
    userIdentities: Object.fromEntries(memberships.map((m) => [m.user.id, [m.user.email, m.user.name]])),
  };
}

/** Per model: what each environment runs (the newest decision), its override, and its monitoring. */
async function operationsEvidence(teamId: string, modelIds: string[]): Promise<Map<string, OperationsEvidence>> {
  const out = new Map<string, OperationsEvidence>();
  if (modelIds.length === 0) return out;
  const current = await db.deployment.findMany({ where: { teamId, modelId: { in: modelIds } }, orderBy: { createdAt: "desc" }, distinct: ["environmentId", "modelId"] });
  if (current.length === 0) return out;
  const [envs, versions, overrides, alerts, batches] = await Promise.all([
    db.environment.findMany({ where: { teamId, id: { in: current.map((d) => d.environmentId) } }, select: { id: true, name: true } }),
    db.modelVersion.findMany({ where: { teamId, id: { in: current.map((d) => d.modelVersionId) } }, select: { id: true, version: true } }),
    db.gateOverride.findMany({ where: { teamId, id: { in: current.flatMap((d) => (d.overrideId ? [d.overrideId] : [])) } }, select: { id: true, reason: true } }),
    db.monitoringAlert.findMany({ where: { teamId, modelId: { in: modelIds }, resolvedAt: null }, select: { id: true, environmentId: true, modelId: true, signal: true, severity: true, summary: true, acknowledgedAt: true } }),
    db.monitoringBatch.groupBy({ by: ["environmentId", "modelId"], where: { teamId, modelId: { in: modelIds } }, _count: true, _max: { observedAt: true } }),
  ]);
  const envName = new Map(envs.map((e) => [e.id, e.name]));
  const vNum = new Map(versions.map((v) => [v.id, v.version]));
  const reason = new Map(overrides.map((o) => [o.id, o.reason]));
  for (const d of current) {
    const b = batches.find((x) => x.environmentId === d.environmentId && x.modelId === d.modelId);
    const list = out.get(d.modelId) ?? { environments: [] };
    list.environments.push({
      environmentId: d.environmentId, environment: envName.get(d.environmentId) ?? "?", version: vNum.get(d.modelVersionId) ?? 0, kind: d.kind, gatePassed: d.gatePassed,
      overrideReason: d.overrideId ? (reason.get(d.overrideId) ?? null) : null, evidenceHash: d.evidenceHash, at: d.createdAt, by: d.createdByLabel,
      batches: b?._count ?? 0, lastBatchAt: b?._max.observedAt ?? null,
      openAlerts: alerts.filter((a) => a.environmentId === d.environmentId && a.modelId === d.modelId).map((a) => ({ id: a.id, signal: a.signal, severity: a.severity, summary: a.summary, acknowledged: a.acknowledgedAt !== null })),
    });
    out.set(d.modelId, list);
  }
  return out;
}
