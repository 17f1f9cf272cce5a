/**
 * Audit reports: the public API (web pages, server actions, the REST API and the CLI call these).
 *
 * Every function takes a `TeamContext` (lib/teams/access.ts): from a signed-in member
 * (`getTeamContext(user, slug)`) or from an API token (`contextFromToken(secret)`). Membership is
 * already checked there; here each function checks the role with `can(role, action)` and reads and
 * writes only rows of `ctx.team.id`: another team's report answers NotFoundError (404), exactly as a
 * report that does not exist. Errors are AppErrors (ValidationError 400 with field errors,
 * ForbiddenError 403, NotFoundError 404, ConflictError 409).
 *
 *   createReport(ctx, input)            role report.create; input CreateReportSchema (lib/reports/schemas.ts):
 *                                       { title?, modelIds?, frameworks?, periodFrom?, periodTo? }.
 *                                       Records the report (QUEUED) with a `report.create` audit event and
 *                                       queues the pg-boss job `report-generate`, which freezes the snapshot
 *                                       and renders the draft PDF (status GENERATING → DRAFT, or FAILED).
 *                                       → { id, number, status }
 *   listReports(ctx, { cursor?, limit? }) newest first → { items: ReportView[], nextCursor: string | null }
 *   getReport(ctx, id)                  → ReportView (status, scope, creator, approver, hashes, failure reason)
 *   getReportSnapshot(ctx, id)          → the frozen snapshot (ReportSnapshot JSON) and its SHA-256
 *   approveReport(ctx, { reportId, snapshotSha256? })
 *                                       role report.approve (REVIEWER, ADMIN). Only a DRAFT; refused for the
 *                                       report's creator when the team's policy requires segregation of
 *                                       duties. Renders the APPROVED edition (sign-off page) and records
 *                                       status, approver, time and the approved PDF's SHA-256 with a
 *                                       `report.approve` audit event binding the snapshot hash and both PDF
 *                                       hashes. → ReportView
 *   reportPdf(ctx, id, edition?)        → { bytes, filename, sha256, edition }: the stored bytes of the approved
 *                                       edition when there is one, else the draft (or the edition asked for),
 *                                       checked against the recorded hash before they are returned.
 *   verifyPdf(ctx, { bytes } | { sha256 }, { reportId? })
 *                                       role report.verify (every member, incl. VIEWER). Whether the file (or
 *                                       hash) is a recorded edition of one of the team's reports (optionally:
 *                                       of that report): which one, its status, who approved it and when,
 *                                       whether the audit log records that hash, and whether the team's
 *                                       audit chain verifies. → Verification
 *
 * Snapshot → PDF is a pure function (`renderReportPdf` in lib/reports/pdf.ts): the same snapshot and
 * edition always give the same bytes. See docs/reports.md.
 */
import { db, type Tx } from "../db/client";
import type { Report } from "../db/generated/client";
import { appendAudit, verifyTeamChain } from "../audit/log";
import type { ChainVerdict } from "../audit/chain";
import { catalogForTeam } from "../compliance/team-catalogs";
import { activePolicy } from "../compliance/policies";
import { assertCan, type TeamContext } from "../teams/access";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { send } from "../jobs/catalog";
import { notify } from "../teams/notifications";
import { sha256Hex } from "./hash";
import { reportLabel } from "./format";
import {
  ApproveReportSchema, CreateReportSchema, DEFAULT_REPORT_FRAMEWORKS, ListReportsSchema, ReportScopeSchema, ReportSnapshotSchema, Sha256Schema,
  type CreateReportInput, type ReportScope, type ReportSnapshot,
} from "./schemas";

export { CreateReportSchema, CreateReportFormSchema, ApproveReportSchema, Sha256Schema, ReportSnapshotSchema } from "./schemas";
export type { CreateReportInput, ReportSnapshot, ReportScope } from "./schemas";

export type ReportStatusName = "queued" | "generating" | "draft" | "approved" | "failed" | "changes_requested";

export interface ReportView {
  id: string;
  number: number;
  /** "R-3" */
  label: string;
  title: string;
  status: ReportStatusName;
  scope: ReportScope;
  createdBy: string;
  createdById: string | null;
  createdAt: Date;
  generatedAt: Date | null;
  failureReason: string | null;
  snapshotSha256: string | null;
  draftPdfSha256: string | null;
  approvedPdfSha256: string | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  approvalComment: string | null;
  /** The member the author asked to review it (null: any reviewer). */
  reviewer: { id: string; label: string; requestedAt: Date | null } | null;
  /** A reviewer sent it back: who, when, why. */
  changesRequested: { by: string; byId: string | null; at: Date; reason: string } | null;
  /** The report this one revises. */
  revisionOfId: string | null;
}

const VIEW_SELECT = {
  id: true, number: true, title: true, status: true, scope: true, createdById: true, createdByLabel: true, createdAt: true, generatedAt: true, failureReason: true,
  snapshotSha256: true, draftPdfSha256: true, approvedPdfSha256: true, approvedByLabel: true, approvedAt: true, approvalComment: true,
  reviewerId: true, reviewerLabel: true, reviewRequestedAt: true, changesRequestedById: true, changesRequestedByLabel: true, changesRequestedAt: true, changesReason: true, revisionOfId: true,
} as const;

function toView(r: Pick<Report, keyof typeof VIEW_SELECT>): ReportView {
  return {
    id: r.id, number: r.number, label: reportLabel(r.number), title: r.title, status: r.status.toLowerCase() as ReportStatusName,
    scope: ReportScopeSchema.parse(r.scope), createdBy: r.createdByLabel, createdById: r.createdById, createdAt: r.createdAt, generatedAt: r.generatedAt,
    failureReason: r.failureReason, snapshotSha256: r.snapshotSha256, draftPdfSha256: r.draftPdfSha256, approvedPdfSha256: r.approvedPdfSha256,
    approvedBy: r.approvedByLabel, approvedAt: r.approvedAt, approvalComment: r.approvalComment,
    reviewer: r.reviewerId && r.reviewerLabel ? { id: r.reviewerId, label: r.reviewerLabel, requestedAt: r.reviewRequestedAt } : null,
    changesRequested: r.changesRequestedAt && r.changesReason ? { by: r.changesRequestedByLabel ?? "", byId: r.changesRequestedById, at: r.changesRequestedAt, reason: r.changesReason } : null,
    revisionOfId: r.revisionOfId,
  };
}

export async function findReport(ctx: TeamContext, id: string) {
  if (typeof id !== "string" || id.length === 0 || id.length > 40) throw new NotFoundError("This report");
  const r = await db.report.findFirst({ where: { id, teamId: ctx.team.id }, select: VIEW_SELECT });
  if (!r) throw new NotFoundError("This report");
  return r;
}

/** Internal: a revision names the report it revises and inherits its reviewer (lib/reports/review.ts). */
export interface CreateReportOptions {
  revisionOf?: { id: string; number: number; reviewer: { id: string; label: string } | null };
  /** Runs in the creating transaction (notification and webhook of the revision). */
  onRevision?: (tx: Tx, report: { id: string; number: number; title: string }) => Promise<void>;
}

export async function createReport(ctx: TeamContext, input: CreateReportInput, opts: CreateReportOptions = {}): Promise<{ id: string; number: number; status: ReportStatusName }> {
  assertCan(ctx, "report.create");
  const parsed = CreateReportSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The report request has errors.", fieldErrorsFromZod(parsed.error.issues));
  const v = parsed.data;
  const frameworks = v.frameworks?.length ? [...new Set(v.frameworks)] : [...DEFAULT_REPORT_FRAMEWORKS];
  const catalog = await catalogForTeam(ctx);
  for (const f of frameworks) {
    const fw = catalog.frameworks.find((x) => x.id === f);
    if (!fw) throw new ValidationError(`The team has no framework "${f}".`, { frameworks: `unknown framework ${f}` });
    if ( !fw.controls.some((c) => c.kind === "control")) {
      throw new ValidationError(`${fw?.shortName ?? f} is listed for reference only: it has no controls with a status to report.`, { frameworks: `${fw?.shortName ?? f} has no assessable controls` });
    }
  }
  let models: ReportScope["models"] = "all";
  if (v.modelIds?.length) {
    const ids = [...new Set(v.modelIds)];
    const found = await db.model.findMany({ where: { teamId: ctx.team.id, id: { in: ids }, archivedAt: null }, select: { id: true } });
    if (found.length !== ids.length) throw new NotFoundError("A model in the report's scope");
    models = ids;
  }
  const scope: ReportScope = { models, frameworks, period: { from: v.periodFrom ?? null, to: v.periodTo ?? null } };
  const title = v.title ?? `Robustness audit report — ${ctx.team.name}`;

  const report = await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${ctx.team.id} FOR UPDATE`;
    const last = await tx.report.findFirst({ where: { teamId: ctx.team.id }, orderBy: { number: "desc" }, select: { number: true } });
    const rev = opts.revisionOf;
    const r = await tx.report.create({
      data: {
        teamId: ctx.team.id, number: (last?.number ?? 0) + 1, title, scope, createdById: ctx.actor.userId ?? ctx.userId ?? null, createdByLabel: ctx.actor.label,
        ...(rev ? { revisionOfId: rev.id, reviewerId: rev.reviewer?.id ?? null, reviewerLabel: rev.reviewer?.label ?? null, reviewRequestedAt: rev.reviewer ? new Date() : null } : {}),
      },
    });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "report.create", subjectType: "Report", subjectId: r.id,
      details: { number: r.number, title, scope, ...(rev ? { revises: rev.number, reviewer: rev.reviewer?.label ?? null } : {}) },
    });
    if (rev) await opts.onRevision?.(tx, r);
    // In the same transaction: a report the queue refused is not created at all.
    await send(tx, "report", { teamId: ctx.team.id, reportId: r.id }, { singletonKey: (j) => j.reportId });
    return r;
  });
  return { id: report.id, number: report.number, status: "queued" };
}

export async function listReports(ctx: TeamContext, opts: { cursor?: string; limit?: number } = {}): Promise<{ items: ReportView[]; nextCursor: string | null }> {
  assertCan(ctx, "team.read");
  const parsed = ListReportsSchema.safeParse(opts);
  if (!parsed.success) throw new ValidationError("The list request has errors.", fieldErrorsFromZod(parsed.error.issues));
  const { cursor, limit } = parsed.data;
  let before: number | undefined;
  if (cursor) before = (await findReport(ctx, cursor)).number;
  const rows = await db.report.findMany({
    where: { teamId: ctx.team.id, ...(before !== undefined ? { number: { lt: before } } : {}) },
    orderBy: { number: "desc" },
    take: limit + 1,
    select: VIEW_SELECT,
  });
  const items = rows.slice(0, limit).map(toView);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}

export async function getReport(ctx: TeamContext, id: string): Promise<ReportView> {
  assertCan(ctx, "team.read");
  return toView(await findReport(ctx, id));
}

export async function getReportSnapshot(ctx: TeamContext, id: string): Promise<{ snapshot: ReportSnapshot; sha256: string }> {
  assertCan(ctx, "team.read");
  const r = await db.report.findFirst({ where: { id: String(id).slice(0, 40), teamId: ctx.team.id }, select: { snapshotJson: true, snapshotSha256: true } });
  if (!r) throw new NotFoundError("This report");
  if (!r.snapshotJson || !r.snapshotSha256) throw new ConflictError("This report has no snapshot yet: it is still being generated, or it failed.");
  if (sha256Hex(r.snapshotJson) !== r.snapshotSha256) throw new Error(`Report ${id}: the stored snapshot does not match its recorded hash`);
  return { snapshot: ReportSnapshotSchema.parse(JSON.parse(r.snapshotJson)), sha256: r.snapshotSha256 };
}

/** Why this user may not approve the report although the role allows it (segregation of duties), or null. */
export async function approvalBlockedReason(ctx: TeamContext, report: { number: number; createdById: string | null }): Promise<string | null> {
  const { policy } = await activePolicy(ctx);
  const approverId = ctx.actor.userId ?? ctx.userId ?? null;
  if (policy.segregationOfDuties && report.createdById && report.createdById === approverId) {
    return `You generated ${reportLabel(report.number)}; the team requires that someone else approves it (segregation of duties).`;
  }
  return null;
}

export async function approveReport(ctx: TeamContext, input: { reportId: string; snapshotSha256?: string; comment?: string } | string, now = new Date()): Promise<ReportView> {
  assertCan(ctx, "report.approve");
  const parsed = ApproveReportSchema.safeParse(typeof input === "string" ? { reportId: input } : input);
  if (!parsed.success) throw new ValidationError("The approval has errors.", fieldErrorsFromZod(parsed.error.issues));
  const r = await db.report.findFirst({ where: { id: parsed.data.reportId, teamId: ctx.team.id } });
  if (!r) throw new NotFoundError("This report");
  if (r.status === "APPROVED") throw new ConflictError(`${reportLabel(r.number)} was already approved by ${r.approvedByLabel} on ${r.approvedAt?.toISOString().slice(0, 10)}.`);
  if (r.status !== "DRAFT" || !r.snapshotJson || !r.snapshotSha256 || !r.draftPdfSha256) throw new ConflictError(`${reportLabel(r.number)} has no draft to approve yet (status: ${r.status.toLowerCase()}).`);
  if (parsed.data.snapshotSha256 && parsed.data.snapshotSha256 !== r.snapshotSha256) {
    throw new ConflictError(`The snapshot you reviewed (${parsed.data.snapshotSha256.slice(0, 12)}…) is not this report's (${r.snapshotSha256.slice(0, 12)}…); nothing was approved.`);
  }
  const approverId = ctx.actor.userId ?? ctx.userId ?? null;
  const blocked = await approvalBlockedReason(ctx, r);
  if (blocked) throw new ForbiddenError(blocked);
  if (sha256Hex(r.snapshotJson) !== r.snapshotSha256) throw new Error(`Report ${r.id}: the stored snapshot does not match its recorded hash; refusing to approve`);
  const draft = await db.reportFile.findFirst({ where: { reportId: r.id, teamId: ctx.team.id, edition: "draft" }, select: { sha256: true, bytes: true } });
  if (!draft || sha256Hex(draft.bytes) !== r.draftPdfSha256) throw new Error(`Report ${r.id}: the stored draft PDF does not match its recorded hash; refusing to approve`);

  const user = ctx.actor.userId ? await db.user.findUnique({ where: { id: ctx.actor.userId }, select: { name: true, email: true } }) : null;
  const approvedBy = user ? `${user.name} <${user.email}>` : ctx.actor.label;
  const snapshot = ReportSnapshotSchema.parse(JSON.parse(r.snapshotJson));
  const { renderReportPdf } = await import("./pdf");
  const comment = parsed.data.comment ?? null;
  const pdf = await renderReportPdf(snapshot, { status: "approved", approvedBy, approvedAt: now.toISOString(), draftPdfSha256: r.draftPdfSha256, ...(comment ? { comment } : {}) });
  const approvedPdfSha256 = sha256Hex(pdf);

  await db.$transaction(async (tx) => {
    const moved = await tx.report.updateMany({
      where: { id: r.id, teamId: ctx.team.id, status: "DRAFT" },
      data: { status: "APPROVED", approvedPdfSha256, approvedById: approverId, approvedByLabel: approvedBy, approvedAt: now, approvalComment: comment },
    });
    if (moved.count === 0) throw new ConflictError(`${reportLabel(r.number)} was approved by someone else a moment ago.`);
    await tx.reportFile.create({ data: { teamId: ctx.team.id, reportId: r.id, edition: "approved", sha256: approvedPdfSha256, size: pdf.byteLength, bytes: new Uint8Array(pdf) } });
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "report.approve", subjectType: "Report", subjectId: r.id,
      details: { number: r.number, snapshotSha256: r.snapshotSha256, draftPdfSha256: r.draftPdfSha256, approvedPdfSha256, approvedBy, approvedAt: now.toISOString(), ...(comment ? { comment } : {}) },
    });
    if (r.createdById && r.createdById !== approverId) {
      await notify(tx, { teamId: ctx.team.id, userId: r.createdById, kind: "report.approved", subjectType: "Report", subjectId: r.id, message: `${reportLabel(r.number)} “${r.title}” was approved by ${approvedBy}${comment ? `: “${comment.slice(0, 200)}”` : "."}` });
    }
  });
  return getReport(ctx, r.id);
}

export type ReportEditionName = "draft" | "approved";

export async function reportPdf(ctx: TeamContext, id: string, edition?: ReportEditionName): Promise<{ bytes: Uint8Array; filename: string; sha256: string; edition: ReportEditionName }> {
  assertCan(ctx, "team.read");
  const r = await findReport(ctx, id);
  const want: ReportEditionName = edition ?? (r.status === "APPROVED" ? "approved" : "draft");
  if (want !== "draft" && want !== "approved") throw new ValidationError("The edition is draft or approved.", { edition: "draft or approved" });
  const f = await db.reportFile.findFirst({ where: { reportId: r.id, teamId: ctx.team.id, edition: want }, select: { bytes: true, sha256: true } });
  if (!f) throw new NotFoundError(want === "approved" ? "The approved edition of this report" : "The PDF of this report");
  const sha256 = sha256Hex(f.bytes);
  if (sha256 !== f.sha256) throw new Error(`Report ${r.id}: the stored ${want} PDF does not match its recorded hash`);
  return { bytes: new Uint8Array(f.bytes), filename: `bulwark-${ctx.team.slug}-${reportLabel(r.number)}-${want}.pdf`, sha256, edition: want };
}

export interface Verification {
  sha256: string;
  match: boolean;
  /** Plain sentence for people. */
  message: string;
  report: (ReportView & { edition: ReportEditionName; recordedInAuditLog: boolean }) | null;
  chain: ChainVerdict;
}

export async function verifyPdf(ctx: TeamContext, input: { bytes: Uint8Array } | { sha256: string }, opts: { reportId?: string } = {}): Promise<Verification> {
  assertCan(ctx, "report.verify");
  let sha256: string;
  if ("bytes" in input) {
    if (!(input.bytes instanceof Uint8Array) || input.bytes.byteLength === 0) throw new ValidationError("The file is empty.", { file: "choose a PDF file" });
    sha256 = sha256Hex(input.bytes);
  } else {
    const p = Sha256Schema.safeParse(input.sha256);
    if (!p.success) throw new ValidationError("That is not a SHA-256.", { sha256: p.error.issues[0]!.message });
    sha256 = p.data;
  }
  if (opts.reportId) await findReport(ctx, opts.reportId);
  const [file, chain] = await Promise.all([
    db.reportFile.findFirst({ where: { teamId: ctx.team.id, sha256, ...(opts.reportId ? { reportId: opts.reportId } : {}) }, select: { reportId: true, edition: true } }),
    verifyTeamChain(ctx),
  ]);
  if (!file) {
    return { sha256, match: false, report: null, chain, message: opts.reportId ? "This file does not match that report (neither its draft nor its approved edition)." : "This file does not match any report of this team." };
  }
  const view = toView(await findReport(ctx, file.reportId));
  const edition = file.edition as ReportEditionName;
  const events = await db.auditEvent.findMany({ where: { teamId: ctx.team.id, subjectType: "Report", subjectId: file.reportId, action: { in: ["report.generate", "report.approve"] } }, select: { action: true, details: true } });
  const recordedInAuditLog = events.some((e) => {
    const d = (e.details ?? {}) as Record<string, unknown>;
    return edition === "draft" ? e.action === "report.generate" && d.draftPdfSha256 === sha256 : e.action === "report.approve" && d.approvedPdfSha256 === sha256;
  });
  const what = edition === "approved"
    ? `the approved edition of ${view.label} “${view.title}”, approved by ${view.approvedBy} on ${view.approvedAt?.toISOString().slice(0, 16).replace("T", " ")} UTC`
    : `the draft edition of ${view.label} “${view.title}”${view.status === "approved" ? " (the report was approved later: the approved edition is a different file)" : " (not approved)"}`;
  return { sha256, match: true, report: { ...view, edition, recordedInAuditLog }, chain, message: `This file is ${what}.` };
}
