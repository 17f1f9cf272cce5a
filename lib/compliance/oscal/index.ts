/**
 * OSCAL exchange: the public API (API operations, CLI, download buttons call these).
 *
 *   exportReportResults(ctx, reportId)           Assessment Results of a stored report's frozen snapshot: the
 *                                                same snapshot SHA-256 as its PDF; the same bytes every time.
 *   exportPostureResults(ctx, { modelId? })      Assessment Results of the team's (or one model's) posture now,
 *                                                from a snapshot built like a report's, without storing one.
 *   exportComponentDefinition(ctx, versionId)    Component Definition of a model version: the controls its
 *                                                evidence implements, with the evidence hashes.
 *   exportFrameworkCatalog(ctx, frameworkId)     A bundled framework, or the current version of one of the
 *                                                team's own catalogs, as an OSCAL Catalog.
 *
 * Every function reads only rows of ctx.team (another team's report or model answers 404) and checks its
 * document against NIST's schema before handing it out: an export that does not validate is a bug, never
 * a download. See docs/oscal.md.
 */
import { db } from "../../db/client";
import { describeEvent, subjectLabels } from "../../audit/describe";
import { env } from "../../env";
import { ConflictError, NotFoundError, ValidationError } from "../../errors";
import { assertCan, type TeamContext } from "../../teams/access";
import { buildSnapshot } from "../../reports/snapshot";
import { getReport, getReportSnapshot } from "../../reports";
import { sha256Hex, snapshotSha256 } from "../../reports/hash";
import type { ReportSnapshot } from "../../reports/schemas";
import { ModelCardSchema } from "../../registry/model-card";
import { assessableControls, type Catalog, type FrameworkId } from "../catalog";
import { catalogForTeam } from "../team-catalogs";
import { assessTeam } from "../posture";
import { TIER_LABELS } from "../policy";
import { buildAssessmentResults, type AssessmentLogEvent } from "./assessment-results";
import { frameworkToOscalCatalog } from "./catalog";
import { buildComponentDefinition } from "./component";
import { oscalBytes } from "./ids";
import { oscalSchemaProblems, type OscalModel } from "./validate";

export { OSCAL_VERSION } from "./ids";

export interface OscalDocument {
  /** The document's bytes (pretty JSON, final newline). */
  json: string;
  filename: string;
  sha256: string;
  /** For assessment results: the snapshot they were built from (a report's is the one its PDF prints). */
  snapshotSha256: string | null;
}

/** Audit actions that belong to an assessment's log (the others: sign-ins, tokens, members, settings). */
const LOG_ACTIONS = ["evaluation.", "attestation.", "policy.", "crosswalk.", "report.", "model.version.create", "model.card.update", "dataset.version.create", "deployment.", "regression.", "monitoring.alert.", "catalog."];
/** Newest events kept in one export's log; the document says so when there were more. */
const MAX_LOG_EVENTS = 5000;

const slugPart = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "x";

function finish(model: OscalModel, doc: Record<string, unknown>, filename: string, snapshot: string | null): OscalDocument {
  const problems = oscalSchemaProblems(model, doc);
  if (problems.length) throw new Error(`OSCAL ${model} export is not valid against the NIST schema: ${problems.join("; ")}`);
  const json = oscalBytes(doc);
  return { json, filename, sha256: sha256Hex(json), snapshotSha256: snapshot };
}

async function assessmentLog(ctx: TeamContext, s: ReportSnapshot): Promise<{ events: AssessmentLogEvent[]; total: number }> {
  const where = {
    teamId: ctx.team.id,
    createdAt: { lte: new Date(s.report.generatedAt), ...(s.scope.period.from ? { gte: new Date(`${s.scope.period.from}T00:00:00.000Z`) } : {}) },
    OR: LOG_ACTIONS.map((a) => (a.endsWith(".") ? { action: { startsWith: a } } : { action: a })),
  };
  const [total, rows] = await Promise.all([
    db.auditEvent.count({ where }),
    db.auditEvent.findMany({ where, orderBy: { seq: "desc" }, take: MAX_LOG_EVENTS, select: { id: true, seq: true, actorId: true, actorLabel: true, action: true, subjectType: true, subjectId: true, details: true, createdAt: true, hash: true } }),
  ]);
  rows.reverse();
  const labels = await subjectLabels(ctx, rows);
  const events = rows.map((r) => {
    const subject = labels.get(`${r.subjectType}:${r.subjectId}`)?.label ?? r.subjectType;
    return {
      id: r.id, seq: r.seq, at: r.createdAt.toISOString(), actor: r.actorLabel, actorIsUser: r.actorId !== null, action: r.action, hash: r.hash,
      description: describeEvent(r.action, (r.details ?? {}) as Record<string, unknown>, subject),
    };
  });
  return { events, total };
}

async function resultsDocument(ctx: TeamContext, snapshot: ReportSnapshot, sha: string, subject: "report" | "team" | "model", report: Parameters<typeof buildAssessmentResults>[0]["report"], filename: string) {
  const log = await assessmentLog(ctx, snapshot);
  const doc = buildAssessmentResults({ snapshot, snapshotSha256: sha, subject, report, log: log.events, baseUrl: env().nextAuthUrl });
  if (log.total > log.events.length) {
    // Never a silent cut: each result says how much of the log it carries and where the rest is.
    for (const r of (doc["assessment-results"] as { results: { remarks?: string }[] }).results) {
      r.remarks = `The assessment log lists the newest ${log.events.length} of ${log.total} assessment events; the full hash-chained log is on the team's audit page and in its export.`;
    }
  }
  return finish("assessment-results", doc, filename, sha);
}

export async function exportReportResults(ctx: TeamContext, reportId: string): Promise<OscalDocument> {
  assertCan(ctx, "team.read");
  const view = await getReport(ctx, reportId);
  const { snapshot, sha256 } = await getReportSnapshot(ctx, view.id);
  const report = {
    label: view.label, status: view.status, approvedBy: view.approvedBy, approvedAt: view.approvedAt?.toISOString() ?? null,
    draftPdfSha256: view.draftPdfSha256, approvedPdfSha256: view.approvedPdfSha256,
  };
  return resultsDocument(ctx, snapshot, sha256, "report", report, `${slugPart(ctx.team.slug)}-${view.label.toLowerCase()}-oscal-assessment-results.json`);
}

/**
 * Frameworks an export covers: those asked for (each must be one the team has), else every framework of the
 * team's catalog (bundled and its own) with controls that get a status.
 */
function frameworksOf(catalog: Catalog, asked?: FrameworkId[]): FrameworkId[] {
  const unknown = (asked ?? []).filter((f) => !catalog.frameworks.some((x) => x.id === f));
  if (unknown.length) throw new ValidationError(`Unknown framework ${unknown.map((f) => `"${f.slice(0, 40)}"`).join(", ")}; the team has ${catalog.frameworks.map((f) => f.id).join(", ")}.`, { frameworks: "unknown framework" });
  return asked?.length ? asked : catalog.frameworks.map((f) => f.id).filter((f) => assessableControls(catalog, f).length > 0);
}

export async function exportPostureResults(ctx: TeamContext, opts: { modelId?: string; frameworks?: FrameworkId[] } = {}, now = new Date()): Promise<OscalDocument> {
  assertCan(ctx, "team.read");
  let label = "team";
  if (opts.modelId) {
    const m = await db.model.findFirst({ where: { id: opts.modelId, teamId: ctx.team.id }, select: { name: true } });
    if (!m) throw new NotFoundError("This model");
    label = m.name;
  }
  const snapshot = await buildSnapshot({
    teamId: ctx.team.id,
    report: { id: "live", number: 0, title: opts.modelId ? `Posture of ${label}` : "Team posture", createdById: ctx.actor.userId, createdByLabel: ctx.actor.label },
    scope: { models: opts.modelId ? [opts.modelId] : "all", frameworks: frameworksOf(await catalogForTeam(ctx), opts.frameworks), period: { from: null, to: null } },
    now,
  });
  const stamp = now.toISOString().slice(0, 10);
  return resultsDocument(ctx, snapshot, snapshotSha256(snapshot), opts.modelId ? "model" : "team", null, `${slugPart(ctx.team.slug)}-${opts.modelId ? `${slugPart(label)}-` : ""}posture-${stamp}-oscal-assessment-results.json`);
}

export async function exportComponentDefinition(ctx: TeamContext, modelVersionId: string): Promise<OscalDocument> {
  assertCan(ctx, "team.read");
  const v = await db.modelVersion.findFirst({
    where: { id: modelVersionId, teamId: ctx.team.id, storedAt: { not: null } },
    select: { id: true, version: true, modelId: true, manifestDigest: true, card: true, files: { select: { path: true, sha256: true }, orderBy: { path: "asc" } }, model: { select: { name: true } } },
  });
  if (!v) throw new NotFoundError("This model version");
  const a = await assessTeam(ctx, { modelIds: [v.modelId] });
  const m = a.evidence.models.find((x) => x.modelId === v.modelId);
  if (!m) throw new ConflictError(`${v.model.name} has no active version to assess.`);
  if (m.versionId !== v.id) throw new ValidationError(`Control statuses are computed for the current version of ${v.model.name} (v${m.version}), not v${v.version}: export the component definition of v${m.version}.`);
  const card = ModelCardSchema.safeParse(v.card);
  const times = [m.registeredAt, ...m.evaluations.map((e) => e.finishedAt), ...(m.integrity ?? []).map((e) => e.finishedAt), ...(m.privacy ?? []).map((e) => e.finishedAt), ...a.evidence.attestations.map((x) => x.attestedAt)];
  const at = new Date(Math.max(...times.map((t) => t.getTime()))).toISOString();
  const doc = buildComponentDefinition({
    team: ctx.team,
    model: { id: v.modelId, name: v.model.name, version: v.version, versionId: v.id, manifestDigest: v.manifestDigest, tier: TIER_LABELS[m.tier], owner: m.owner, task: card.success ? card.data.task : "unknown", intendedUse: card.success ? card.data.intendedUse : "", files: v.files },
    statuses: a.statuses, catalog: a.catalog, policyVersion: a.policyVersion, at, baseUrl: env().nextAuthUrl,
  });
  return finish("component-definition", doc, `${slugPart(v.model.name)}-v${v.version}-oscal-component-definition.json`, null);
}

export async function exportFrameworkCatalog(ctx: TeamContext, frameworkId: string): Promise<OscalDocument> {
  assertCan(ctx, "team.read");
  const catalog = await catalogForTeam(ctx);
  const f = catalog.frameworks.find((x) => x.id === frameworkId);
  if (!f) throw new NotFoundError(`The framework "${frameworkId.slice(0, 80)}"`);
  return finish("catalog", frameworkToOscalCatalog(f, catalog.version), `${f.id}-oscal-catalog.json`, null);
}
