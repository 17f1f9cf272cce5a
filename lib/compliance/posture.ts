import { db, type Prisma } from "../db/client";
import type { TeamContext } from "../teams/access";
import { NotFoundError } from "../errors";
import { canonicalJson } from "../audit/chain";
import type { Catalog, Control, FrameworkId } from "./catalog";
import { catalogForTeam } from "./team-catalogs";
import type { Crosswalk } from "./crosswalk";
import { computeControlStatuses } from "./engine";
import type { ControlStatus, Evidence, Status } from "./engine-types";
import { countsByFramework, emptyCounts, rollup, topGaps, type Gap, type StatusCounts } from "./rollups";
import { decidingEvaluation } from "./rule-helpers";
import { loadEvidence, runTasks } from "./evidence";
import { activePolicy, teamCrosswalk } from "./policies";
import type { Policy } from "./policy";
import type { TeamScope } from "../teams/context";

// Posture queries: load the team's evidence, run the pure engine, summarise. These are the functions
// pages, reports and the API call. Every one takes a TeamContext (membership already checked) and
// reads only that team's rows.

export interface TeamAssessment {
  teamId: string;
  computedAt: Date;
  catalogVersion: string;
  /** The bundled frameworks and the team's own (lib/compliance/team-catalogs.ts) the statuses were computed with. */
  catalog: Catalog;
  policy: Policy;
  policyVersion: number | null;
  crosswalk: Crosswalk;
  evidence: Evidence;
  statuses: ControlStatus[];
}

/** Every model × control status of the team now (or at `now`). */
export async function assessTeam(ctx: TeamContext, opts: { now?: Date; modelIds?: string[]; frameworks?: FrameworkId[] } = {}): Promise<TeamAssessment> {
  return assessTeamById(ctx, opts);
}

/**
 * The current assessment of a team is remembered per process, keyed by a fingerprint of its evidence: the
 * head of the team's audit chain (every change through the product, e.g. an alert raised or acknowledged, an
 * attestation, the policy, the crosswalk, models, datasets, schedules, members, appends an event) and the
 * finish time of its newest completed evaluation (so one written by any other path counts too; both are
 * single index reads).
 * A status that changes with time alone (evidence ageing past the policy's limit, an attestation expiring)
 * shows at most about CACHE_FRESH_MS late while the team's pages are in use: an older assessment is still
 * answered while a fresh one is computed in the background (so no page view waits for it). That refresh
 * re-evaluates the evidence already loaded at the new time, which is all that can differ while the
 * fingerprint stands (the evidence's only clock is `evidence.now`); the evidence itself is loaded again in
 * the background once it is EVIDENCE_RELOAD_MS old, and an assessment whose evidence is older than
 * CACHE_MAX_AGE_MS is never answered (a change that appends no audit event shows within that). Reports,
 * and any call at a given time (`now`), for some models, or with the full chain check, compute afresh.
 */
const CACHE_FRESH_MS = 60_000;
const EVIDENCE_RELOAD_MS = 4 * 60_000;
const CACHE_MAX_AGE_MS = 5 * 60_000;
const CACHE_MAX_TEAMS = 200;
/** `at`: when the assessment's time was taken; `loadedAt`: when its evidence was read from the database. */
interface CachedAssessment { key: string; at: number; loadedAt: number; value: Promise<TeamAssessment>; refreshing?: boolean }
const assessments = new Map<string, CachedAssessment>();

function remember(teamId: string, key: string, value: Promise<TeamAssessment>, at = Date.now(), loadedAt = at): CachedAssessment {
  const entry: CachedAssessment = { key, at, loadedAt, value };
  assessments.delete(teamId);
  assessments.set(teamId, entry);
  if (assessments.size > CACHE_MAX_TEAMS) assessments.delete(assessments.keys().next().value!);
  value.catch(() => assessments.get(teamId) === entry && assessments.delete(teamId));
  return entry;
}

async function evidenceFingerprint(teamId: string): Promise<string> {
  const [row] = await db.$queryRaw<{ head: string | null; evaluations: string | null }[]>`
    SELECT (SELECT seq || ':' || hash FROM "AuditEvent" WHERE "teamId" = ${teamId} ORDER BY seq DESC LIMIT 1) AS head,
           (SELECT "finishedAt"::text FROM "Evaluation" WHERE "teamId" = ${teamId} AND status = 'COMPLETED' AND "finishedAt" IS NOT NULL ORDER BY "finishedAt" DESC LIMIT 1) AS evaluations`;
  return `${row?.head ?? "none"}|${row?.evaluations ?? ""}`;
}

/** The team's assessment, for a member or for the system (a job, a schedule); remembered per team. */
export async function assessTeamById(scope: TeamScope, opts: { now?: Date; modelIds?: string[]; frameworks?: FrameworkId[]; chain?: "full" | "recent" } = {}): Promise<TeamAssessment> {
  const teamId = scope.team.id;
  if (opts.now || opts.modelIds || opts.chain === "full") return computeAssessment(scope, opts);
  const key = await evidenceFingerprint(teamId);
  let hit = assessments.get(teamId);
  const age = hit ? Date.now() - hit.at : Infinity;
  const evidenceAge = hit ? Date.now() - hit.loadedAt : Infinity;
  if (!hit || hit.key !== key || evidenceAge > CACHE_MAX_AGE_MS) {
    // The evidence changed (or nothing usable is remembered): compute now. Concurrent requests for the
    // same team share this one computation (the promise is stored at once).
    hit = remember(teamId, key, computeAssessment(scope, {}));
  } else if ((age > CACHE_FRESH_MS || evidenceAge > EVIDENCE_RELOAD_MS) && !hit.refreshing) {
    // Only time has passed: answer with the remembered assessment, refresh it in the background.
    const stale = hit;
    stale.refreshing = true;
    const startedAt = Date.now();
    // Re-evaluated at the new time from the evidence already loaded (no query, issue 27), or, once that is
    // EVIDENCE_RELOAD_MS old, loaded again one query at a time (page views meanwhile keep the pool).
    const reload = evidenceAge > EVIDENCE_RELOAD_MS;
    const next = reload ? computeAssessment(scope, { oneQueryAtATime: true }) : stale.value.then((a) => reassessAt(a, new Date(startedAt)));
    next.then(
      () => { if (assessments.get(teamId) === stale) remember(teamId, key, next, startedAt, reload ? startedAt : stale.loadedAt); },
      () => { stale.refreshing = false; },
    );
  }
  const a = await hit.value;
  // Statuses of one control depend only on that control's evidence, so a framework subset is a filter.
  return opts.frameworks ? { ...a, statuses: a.statuses.filter((s) => opts.frameworks!.includes(s.framework)) } : a;
}

async function computeAssessment(scope: TeamScope, opts: { now?: Date; modelIds?: string[]; frameworks?: FrameworkId[]; chain?: "full" | "recent"; oneQueryAtATime?: boolean }): Promise<TeamAssessment> {
  const teamId = scope.team.id;
  const now = opts.now ?? new Date();
  const [{ policy, version }, crosswalk, evidence, catalog] = await runTasks([
    () => activePolicy(scope),
    () => teamCrosswalk(scope),
    () => loadEvidence(scope, now, { modelIds: opts.modelIds, chain: opts.chain, oneQueryAtATime: opts.oneQueryAtATime }),
    () => catalogForTeam(scope),
  ] as const, opts.oneQueryAtATime);
  const statuses = await statusesInSlices(policy, catalog, crosswalk, evidence, opts.frameworks);
  return { teamId, computedAt: now, catalogVersion: catalog.version, catalog, policy, policyVersion: version, crosswalk, evidence, statuses };
}

/** The same assessment at a later time: the statuses of the evidence as loaded, evaluated at `now`. */
async function reassessAt(a: TeamAssessment, now: Date): Promise<TeamAssessment> {
  const evidence = { ...a.evidence, now };
  const statuses = await statusesInSlices(a.policy, a.catalog, a.crosswalk, evidence);
  return { ...a, computedAt: now, evidence, statuses };
}

/**
 * computeControlStatuses one model at a time, giving the event loop back in between: for 50 models it is
 * hundreds of milliseconds of CPU, which a web process must not spend in one piece while other requests
 * wait (issue 27). A model's statuses depend only on its own evidence and the team's, so the result is the
 * same list in the same order.
 */
async function statusesInSlices(policy: Policy, catalog: Catalog, crosswalk: Crosswalk, evidence: Evidence, frameworks?: FrameworkId[]): Promise<ControlStatus[]> {
  if (evidence.models.length <= 1) return computeControlStatuses(policy, catalog, crosswalk, evidence, { frameworks });
  const out: ControlStatus[] = [];
  for (const m of evidence.models) {
    out.push(...computeControlStatuses(policy, catalog, crosswalk, { ...evidence, models: [m] }, { frameworks }));
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/**
 * Records a posture snapshot for the trend after something changed (an evaluation completed, an
 * attestation or the policy changed). Safe to call from the worker; a no-op when nothing changed within the hour.
 */
export async function recordTeamSnapshot(scope: TeamScope, trigger: "evaluation" | "attestation" | "policy" | "schedule" | "manual"): Promise<boolean> {
  return recordSnapshot(await assessTeamById(scope), undefined, trigger);
}

/** Statuses of one model, optionally for one framework (404 for a model of another team). */
export async function statusesForModel(ctx: TeamContext, modelId: string, framework?: FrameworkId): Promise<ControlStatus[]> {
  const m = await db.model.findFirst({ where: { id: modelId, teamId: ctx.team.id }, select: { id: true } });
  if (!m) throw new NotFoundError("This model");
  const a = await assessTeam(ctx, { modelIds: [modelId], frameworks: framework ? [framework] : undefined });
  return a.statuses.filter((s) => s.modelId === modelId);
}

export interface FrameworkPosture {
  framework: FrameworkId;
  name: string;
  version: string;
  counts: StatusCounts;
  total: number;
}

export interface TrendPoint { at: Date; counts: Partial<Record<FrameworkId, StatusCounts>> }

export interface PostureSnapshot {
  teamId: string;
  computedAt: Date;
  catalogVersion: string;
  policyVersion: number | null;
  frameworks: FrameworkPosture[];
  gaps: Gap[];
  /** Controls (team roll-up) where some model still needs a valid reviewer attestation. */
  awaitingAttestation: number;
  /** Valid attestations that expire within 30 days (the controls then turn stale). */
  expiringSoon: { id: string; control: string; controlId: string; modelId: string | null; expiresAt: Date; by: string }[];
  models: { modelId: string; label: string; tier: string; counts: StatusCounts }[];
  trend: TrendPoint[];
}

function frameworkPostures(catalog: Catalog, statuses: ControlStatus[]): FrameworkPosture[] {
  const counts = countsByFramework(statuses);
  return catalog.frameworks
    .filter((f) => f.controls.some((c) => c.kind === "control"))
    .map((f) => {
      const c = counts.get(f.id) ?? emptyCounts();
      return { framework: f.id, name: f.shortName, version: f.version, counts: c, total: Object.values(c).reduce((a, b) => a + b, 0) };
    });
}

/** The team's posture now: counts per framework (team roll-up), top gaps in plain words, per-model counts, and the trend. */
type PostureSummary = Omit<PostureSnapshot, "trend">;
// What getPosture derives from an assessment, derived once per (remembered) assessment.
const summaries = new WeakMap<TeamAssessment, { frameworks: FrameworkPosture[]; summary: PostureSummary }>();

function summarise(a: TeamAssessment): { frameworks: FrameworkPosture[]; summary: PostureSummary } {
  const known = summaries.get(a);
  if (known) return known;
  const frameworks = frameworkPostures(a.catalog, a.statuses);
  const countsByModel = new Map<string | null, StatusCounts>();
  for (const s of a.statuses) {
    const c = countsByModel.get(s.modelId) ?? emptyCounts();
    c[s.status]++;
    countsByModel.set(s.modelId, c);
  }
  const models = a.evidence.models.map((m) => ({ modelId: m.modelId, label: `${m.name} v${m.version}`, tier: m.tier, counts: countsByModel.get(m.modelId) ?? emptyCounts() }));
  const summary: PostureSummary = {
    teamId: a.teamId, computedAt: a.computedAt, catalogVersion: a.catalogVersion, policyVersion: a.policyVersion,
    frameworks, gaps: topGaps(a.statuses), models,
    expiringSoon: a.evidence.attestations
      .filter((x) => !x.revokedAt && x.expiresAt > a.computedAt && x.expiresAt.getTime() - a.computedAt.getTime() <= 30 * 86_400_000)
      .sort((x, y) => x.expiresAt.getTime() - y.expiresAt.getTime())
      .map((x) => ({ id: x.id, control: x.control, controlId: a.catalog.byKey.get(x.control)?.id ?? x.control, modelId: x.modelId, expiresAt: x.expiresAt, by: x.attestedByLabel })),
    awaitingAttestation: new Set(a.statuses.filter((s) => s.attestation.needed && s.attestation.state !== "valid").map((s) => s.control)).size,
  };
  const out = { frameworks, summary };
  summaries.set(a, out);
  return out;
}

/** The team's posture now: counts per framework (team roll-up), top gaps in plain words, per-model counts, and the trend. */
export async function getPosture(ctx: TeamContext, opts: { now?: Date; record?: boolean } = {}): Promise<PostureSnapshot> {
  const a = await assessTeam(ctx, { now: opts.now });
  const { frameworks, summary } = summarise(a);
  // One query for the trend and the "did the counts change" check: the newest snapshot is the trend's last point.
  const rows = await snapshotRows(ctx.team.id, TREND_POINTS);
  if (opts.record !== false) {
    const written = await recordSnapshotAfter(rows[0] ?? null, a, frameworks, "view");
    if (written) rows.splice(0, rows.length, written, ...rows.slice(0, TREND_POINTS - 1));
  }
  return { ...summary, trend: trendPoints(rows) };
}

const SNAPSHOT_MIN_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Stores a snapshot for the trend when the counts changed since the last one, or the last one is more
 * than an hour old. Records the catalog and policy versions the statuses were computed with.
 */
export async function recordSnapshot(a: TeamAssessment, frameworks = frameworkPostures(a.catalog, a.statuses), trigger = "manual"): Promise<boolean> {
  return (await recordSnapshotAfter((await snapshotRows(a.teamId, 1))[0] ?? null, a, frameworks, trigger)) !== null;
}

const TREND_POINTS = 60;
type SnapshotRow = { takenAt: Date; counts: Prisma.JsonValue; catalogVersion: string; policyVersion: number | null };

/** The team's newest snapshots, newest first (what the trend draws and the change check compares with). */
function snapshotRows(teamId: string, take: number): Promise<SnapshotRow[]> {
  return db.controlStatusSnapshot.findMany({ where: { teamId }, orderBy: { takenAt: "desc" }, take, select: { takenAt: true, counts: true, catalogVersion: true, policyVersion: true } });
}

/** recordSnapshot given the team's newest snapshot (`last`): the row written, or null when nothing changed. */
async function recordSnapshotAfter(last: SnapshotRow | null, a: TeamAssessment, frameworks: FrameworkPosture[], trigger: string): Promise<SnapshotRow | null> {
  const counts = Object.fromEntries(frameworks.map((f) => [f.framework, f.counts]));
  // Canonical form: PostgreSQL's jsonb returns keys in its own order, so a plain stringify never matched
  // and every dashboard view stored a snapshot of every status (issue 10).
  const same = last && canonicalJson(last.counts) === canonicalJson(counts) && last.catalogVersion === a.catalogVersion && last.policyVersion === a.policyVersion;
  if (same && a.computedAt.getTime() - last.takenAt.getTime() < SNAPSHOT_MIN_INTERVAL_MS) return null;
  const compact = a.statuses.map((s) => ({ c: s.control, m: s.modelId, s: s.status, r: s.reason }));
  const row = { teamId: a.teamId, takenAt: a.computedAt, catalogVersion: a.catalogVersion, policyVersion: a.policyVersion, counts: counts as unknown as Prisma.InputJsonValue };
  await db.controlStatusSnapshot.create({ data: { ...row, statuses: compact as unknown as Prisma.InputJsonValue, trigger } });
  return { ...row, counts: counts as unknown as Prisma.JsonValue };
}

/** Counts over time (oldest first), from the stored snapshots (newest first). */
const trendPoints = (newestFirst: SnapshotRow[]): TrendPoint[] =>
  newestFirst.toReversed().map((r) => ({ at: r.takenAt, counts: r.counts as Partial<Record<FrameworkId, StatusCounts>> }));

// ---- Controls explorer --------------------------------------------------------------------------------

export interface ControlRow {
  control: Control;
  status: Status;
  perModel: ControlStatus[];
}

/** Every assessable control of a framework with its team roll-up and per-model statuses. */
export function controlRows(a: TeamAssessment, framework: FrameworkId): ControlRow[] {
  const f = a.catalog.frameworks.find((x) => x.id === framework);
  if (!f) return [];
  const by = new Map<string, ControlStatus[]>();
  for (const s of a.statuses) if (s.framework === framework) by.set(s.control, [...(by.get(s.control) ?? []), s]);
  return f.controls.filter((c) => c.kind === "control").map((c) => {
    const perModel = by.get(c.key) ?? [];
    return { control: c, status: rollup(perModel.map((p) => p.status)), perModel };
  });
}

export async function getControlDetail(ctx: TeamContext, controlKey: string) {
  const control = (await catalogForTeam(ctx)).byKey.get(controlKey);
  if (!control) throw new NotFoundError("This control");
  const a = await assessTeam(ctx, { frameworks: [control.framework] });
  const perModel = a.statuses.filter((s) => s.control === controlKey);
  const mappings = a.crosswalk.filter((e) => e.control === controlKey);
  const attestations = await db.attestation.findMany({ where: { teamId: ctx.team.id, control: controlKey }, include: { files: true }, orderBy: { attestedAt: "desc" } });
  return { control, status: rollup(perModel.map((p) => p.status)), perModel, mappings, attestations, assessment: a };
}

// ---- Model risk register ------------------------------------------------------------------------------

export interface RiskRegisterRow {
  modelId: string;
  name: string;
  version: number;
  digest: string;
  tier: string;
  owner: string;
  latest: { id: string; number: number; finishedAt: Date; cleanAccuracy: number | null; robust: { norm: string; eps: number; robustAccuracy: number } | null; verdict: string | null } | null;
  openAlerts: number;
  failing: { control: string; controlId: string; reason: string }[];
  counts: StatusCounts;
  nextScheduled: { name: string; cron: string; paused: boolean } | null;
}

/** Each model: tier, latest clean and robust accuracy, verdict, open alerts, failing controls, schedule. */
export async function getRiskRegister(ctx: TeamContext): Promise<{ rows: RiskRegisterRow[]; assessment: TeamAssessment }> {
  const a = await assessTeam(ctx);
  const schedules = await db.schedule.findMany({ where: { teamId: ctx.team.id }, orderBy: { createdAt: "asc" } });
  const tierOrder: Record<string, number> = { unacceptable: 0, high: 1, limited: 2, minimal: 3 };
  const rows = a.evidence.models.map((m): RiskRegisterRow => {
    const tp = a.policy.tiers[m.tier];
    const newest = [...m.evaluations].sort((x, y) => y.finishedAt.getTime() - x.finishedAt.getTime())[0];
    const decisive = decidingEvaluation(m, tp) ?? newest;
    const thr = tp.thresholds[0];
    const robust = decisive
      ? (thr ? decisive.worstCase.find((w) => w.norm === thr.norm && Math.abs(w.eps - thr.eps) < 1e-9) : undefined) ?? [...decisive.worstCase].filter((w) => w.norm === "linf").sort((x, y) => x.eps - y.eps)[0] ?? null
      : null;
    const mine = a.statuses.filter((s) => s.modelId === m.modelId);
    const counts = emptyCounts();
    for (const s of mine) counts[s.status]++;
    const sched = schedules.find((s) => s.modelId === m.modelId && !s.paused) ?? schedules.find((s) => s.modelId === m.modelId);
    return {
      modelId: m.modelId, name: m.name, version: m.version, digest: m.digest, tier: m.tier, owner: m.owner,
      latest: decisive ? { id: decisive.id, number: decisive.number, finishedAt: decisive.finishedAt, cleanAccuracy: decisive.cleanAccuracy, robust, verdict: decisive.verdict } : null,
      openAlerts: m.openAlerts.length,
      failing: mine.filter((s) => s.status === "failing").map((s) => ({ control: s.control, controlId: s.controlId, reason: s.reason })),
      counts,
      nextScheduled: sched ? { name: sched.name, cron: sched.cron, paused: sched.paused } : null,
    };
  }).sort((x, y) => (tierOrder[x.tier] ?? 9) - (tierOrder[y.tier] ?? 9) || y.failing.length - x.failing.length || x.name.localeCompare(y.name));
  return { rows, assessment: a };
}

/** One model's posture: counts per framework and its statuses (404 for another team's model). */
export async function getModelPosture(ctx: TeamContext, modelId: string): Promise<{ modelId: string; frameworks: FrameworkPosture[]; statuses: ControlStatus[]; gaps: Gap[] }> {
  const statuses = await statusesForModel(ctx, modelId);
  return { modelId, frameworks: frameworkPostures(await catalogForTeam(ctx), statuses), statuses, gaps: topGaps(statuses) };
}
