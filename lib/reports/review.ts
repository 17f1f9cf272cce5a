import { db, type Tx } from "../db/client";
import { appendAudit } from "../audit/log";
import { can } from "../auth/permissions";
import { activePolicy } from "../compliance/policies";
import { sendWebhooks } from "../evaluations/webhook";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, fieldErrorsFromZod } from "../errors";
import { assertCan, type TeamContext } from "../teams/access";
import { notify } from "../teams/notifications";
import { reportLabel } from "./format";
import { approvalBlockedReason, createReport, findReport, getReport, type ReportView } from "./index";
import { RequestChangesSchema, RequestReviewSchema, ReviseReportSchema, ReportScopeSchema } from "./schemas";

// The review step of a report, between the draft and its approval (approval itself: approveReport in
// ./index.ts). The author asks a named reviewer; a reviewer approves with a comment, or requests changes
// with a reason; the author then revises it as a new report with the same scope, which goes back to the
// same reviewer. Each step is one transaction with its audit event, the in-app notice and the webhook.
//
//   requestReview(ctx, { reportId, reviewerId | reviewer (e-mail) })   role report.create
//   requestChanges(ctx, { reportId, reason, snapshotSha256? })         role report.approve, not the author
//                                                                      under segregation of duties
//   reviseReport(ctx, { reportId, title? })                            role report.create
//   reviewCandidates(ctx, report)     members who may review it (approvers, less the author under SoD)
//   awaitingReview(ctx)               drafts waiting for this member: asked of them, or of nobody
//   reportHistory(ctx, id)            the report's audit events, oldest first

const appPath = (ctx: TeamContext, id: string) => `/t/${ctx.team.slug}/reports/${id}`;

export interface ReviewCandidate {
  id: string;
  name: string;
  email: string;
  label: string;
}

/** Members of the team who may approve this report: approving roles, without its author when the team requires segregation of duties. */
export async function reviewCandidates(ctx: TeamContext, report: { createdById: string | null }): Promise<ReviewCandidate[]> {
  assertCan(ctx, "team.read");
  const { policy } = await activePolicy(ctx);
  const rows = await db.membership.findMany({
    where: { teamId: ctx.team.id, role: { in: ["ADMIN", "REVIEWER"] } },
    select: { role: true, user: { select: { id: true, name: true, email: true } } },
    orderBy: { user: { name: "asc" } },
  });
  return rows
    .filter((m) => can(m.role, "report.approve") && !(policy.segregationOfDuties && report.createdById === m.user.id))
    .map((m) => ({ id: m.user.id, name: m.user.name, email: m.user.email, label: `${m.user.name} <${m.user.email}>` }));
}

export async function requestReview(ctx: TeamContext, input: unknown): Promise<ReportView> {
  assertCan(ctx, "report.create");
  const parsed = RequestReviewSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The review request has errors.", fieldErrorsFromZod(parsed.error.issues));
  const r = await findReport(ctx, parsed.data.reportId);
  if (r.status !== "QUEUED" && r.status !== "GENERATING" && r.status !== "DRAFT") {
    throw new ConflictError(`${reportLabel(r.number)} is ${r.status === "APPROVED" ? "already approved" : r.status === "FAILED" ? "failed: generate it again" : "sent back for changes: revise it first"}; there is nothing to review.`);
  }
  const candidates = await reviewCandidates(ctx, r);
  const want = parsed.data.reviewerId;
  const email = parsed.data.reviewer;
  const reviewer = candidates.find((c) => (want ? c.id === want : c.email === email));
  if (!reviewer) {
    const field = want ? "reviewerId" : "reviewer";
    throw new ValidationError("Choose someone who may approve this report.", { [field]: "Not a reviewer of this team who may approve this report (a compliance reviewer or admin, and not its author when the team requires segregation of duties)" });
  }
  const now = new Date();
  await db.$transaction(async (tx) => {
    const moved = await tx.report.updateMany({
      where: { id: r.id, teamId: ctx.team.id, status: { in: ["QUEUED", "GENERATING", "DRAFT"] } },
      data: { reviewerId: reviewer.id, reviewerLabel: reviewer.label, reviewRequestedAt: now },
    });
    if (moved.count === 0) throw new ConflictError(`${reportLabel(r.number)} changed a moment ago; reload it.`);
    await appendAudit(tx, { teamId: ctx.team.id, actor: ctx.actor, action: "report.request_review", subjectType: "Report", subjectId: r.id, details: { number: r.number, reviewer: reviewer.label, reviewerId: reviewer.id } });
    await announceReviewRequest(ctx, tx, { id: r.id, number: r.number, title: r.title }, reviewer, ctx.actor.label);
  });
  return getReport(ctx, r.id);
}

async function announceReviewRequest(ctx: TeamContext, tx: Tx, r: { id: string; number: number; title: string }, reviewer: { id: string; label: string }, by: string, revises?: number) {
  const what = `${reportLabel(r.number)} “${r.title}”${revises ? ` (revision of ${reportLabel(revises)})` : ""}`;
  await notify(tx, { teamId: ctx.team.id, userId: reviewer.id, kind: "report.review_requested", subjectType: "Report", subjectId: r.id, message: `${by} asks you to review ${what}.` });
  await sendWebhooks(tx, ctx.team.id, [{
    teamId: ctx.team.id,
    event: "report.review_requested",
    payload: { report: reportLabel(r.number), reportId: r.id, title: r.title, reviewer: reviewer.label, requestedBy: by, ...(revises ? { revises: reportLabel(revises) } : {}), path: appPath(ctx, r.id) },
  }]);
}

export async function requestChanges(ctx: TeamContext, input: unknown, now = new Date()): Promise<ReportView> {
  assertCan(ctx, "report.approve");
  const parsed = RequestChangesSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The request for changes has errors.", fieldErrorsFromZod(parsed.error.issues));
  const r = await db.report.findFirst({ where: { id: parsed.data.reportId, teamId: ctx.team.id } });
  if (!r) throw new NotFoundError("This report");
  if (r.status !== "DRAFT" || !r.snapshotSha256) throw new ConflictError(`${reportLabel(r.number)} is not a draft waiting for review (status: ${r.status.toLowerCase().replace("_", " ")}).`);
  if (parsed.data.snapshotSha256 && parsed.data.snapshotSha256 !== r.snapshotSha256) {
    throw new ConflictError(`The snapshot you reviewed (${parsed.data.snapshotSha256.slice(0, 12)}…) is not this report's (${r.snapshotSha256.slice(0, 12)}…); nothing was recorded.`);
  }
  // The author cannot review their own report: the same rule as for approval.
  const blocked = await approvalBlockedReason(ctx, r);
  if (blocked) throw new ForbiddenError(blocked.replace("approves it", "reviews it"));
  const reviewerId = ctx.actor.userId ?? ctx.userId ?? null;
  const reason = parsed.data.reason;
  await db.$transaction(async (tx) => {
    const moved = await tx.report.updateMany({
      where: { id: r.id, teamId: ctx.team.id, status: "DRAFT" },
      data: { status: "CHANGES_REQUESTED", changesRequestedById: reviewerId, changesRequestedByLabel: ctx.actor.label, changesRequestedAt: now, changesReason: reason },
    });
    if (moved.count === 0) throw new ConflictError(`${reportLabel(r.number)} was approved or sent back by someone else a moment ago.`);
    await appendAudit(tx, {
      teamId: ctx.team.id, actor: ctx.actor, action: "report.request_changes", subjectType: "Report", subjectId: r.id,
      details: { number: r.number, reason, snapshotSha256: r.snapshotSha256, draftPdfSha256: r.draftPdfSha256 },
    });
    if (r.createdById) {
      await notify(tx, { teamId: ctx.team.id, userId: r.createdById, kind: "report.changes_requested", subjectType: "Report", subjectId: r.id, message: `${ctx.actor.label} requested changes to ${reportLabel(r.number)} “${r.title}”: “${reason.slice(0, 300)}”` });
    }
    await sendWebhooks(tx, ctx.team.id, [{
      teamId: ctx.team.id,
      event: "report.changes_requested",
      payload: { report: reportLabel(r.number), reportId: r.id, title: r.title, author: r.createdByLabel, requestedBy: ctx.actor.label, reason, path: appPath(ctx, r.id) },
    }]);
  });
  return getReport(ctx, r.id);
}

/**
 * The author's answer to a request for changes: a new report with the same scope (the evidence as it is
 * now), linked to the one it revises and asked of the reviewer who sent it back. The old report keeps
 * its snapshot, PDF and reason: a report is never edited.
 */
export async function reviseReport(ctx: TeamContext, input: unknown): Promise<{ id: string; number: number }> {
  assertCan(ctx, "report.create");
  const parsed = ReviseReportSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError("The revision has errors.", fieldErrorsFromZod(parsed.error.issues));
  const r = await findReport(ctx, parsed.data.reportId);
  if (r.status !== "CHANGES_REQUESTED") throw new ConflictError(`Only a report sent back for changes can be revised; ${reportLabel(r.number)} is ${r.status.toLowerCase().replace("_", " ")}.`);
  const already = await db.report.findFirst({ where: { teamId: ctx.team.id, revisionOfId: r.id }, select: { number: true } });
  if (already) throw new ConflictError(`${reportLabel(r.number)} was already revised as ${reportLabel(already.number)}.`);
  const scope = ReportScopeSchema.parse(r.scope);
  // The revision goes back to whoever sent it back, when they may still review it.
  const candidates = await reviewCandidates(ctx, { createdById: ctx.actor.userId ?? ctx.userId ?? null });
  const back = candidates.find((c) => c.id === r.changesRequestedById) ?? null;
  const by = ctx.actor.label;
  return createReport(
    ctx,
    { title: parsed.data.title ?? r.title, modelIds: scope.models === "all" ? undefined : scope.models, frameworks: scope.frameworks, periodFrom: scope.period.from ?? undefined, periodTo: scope.period.to ?? undefined },
    {
      revisionOf: { id: r.id, number: r.number, reviewer: back ? { id: back.id, label: back.label } : null },
      onRevision: async (tx, created) => {
        if (back) await announceReviewRequest(ctx, tx, created, back, by, r.number);
      },
    },
  );
}

export interface AwaitingReview {
  /** Drafts whose author asked this member by name. */
  mine: ReportView[];
  /** Drafts nobody was asked to review, that this member may approve. */
  open: ReportView[];
}

/** The drafts waiting for the signed-in member's review (empty for roles that cannot approve). */
export async function awaitingReview(ctx: TeamContext, limit = 20): Promise<AwaitingReview> {
  assertCan(ctx, "team.read");
  if (!can(ctx.role, "report.approve")) return { mine: [], open: [] };
  const me = ctx.actor.userId ?? ctx.userId;
  const rows = await db.report.findMany({
    where: { teamId: ctx.team.id, status: "DRAFT", OR: [{ reviewerId: me }, { reviewerId: null }] },
    orderBy: { number: "desc" },
    take: limit * 2,
    select: { id: true },
  });
  // Most views find no draft: the policy (segregation of duties) is read only when there is one to filter.
  if (rows.length === 0) return { mine: [], open: [] };
  const { policy } = await activePolicy(ctx);
  const views = await Promise.all(rows.map((x) => getReport(ctx, x.id)));
  const mayReview = (v: ReportView) => !(policy.segregationOfDuties && v.createdById === me);
  return {
    mine: views.filter((v) => v.reviewer?.id === me && mayReview(v)).slice(0, limit),
    open: views.filter((v) => !v.reviewer && mayReview(v)).slice(0, limit),
  };
}

export interface ReportHistoryEntry {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

/** The report's audit events (create, generate, review requests, changes requested, approval), oldest first. */
export async function reportHistory(ctx: TeamContext, id: string): Promise<ReportHistoryEntry[]> {
  assertCan(ctx, "team.read");
  const r = await findReport(ctx, id);
  const rows = await db.auditEvent.findMany({ where: { teamId: ctx.team.id, subjectType: "Report", subjectId: r.id }, orderBy: { seq: "asc" }, take: 200 });
  return rows.map((e) => ({ seq: e.seq, at: e.createdAt, actor: e.actorLabel, action: e.action, details: (e.details ?? {}) as Record<string, unknown> }));
}

/** The report that revises this one, if any, and the one it revises. */
export async function reportRevisions(ctx: TeamContext, id: string): Promise<{ revisionOf: { id: string; label: string } | null; revisedAs: { id: string; label: string } | null }> {
  assertCan(ctx, "team.read");
  const r = await findReport(ctx, id);
  const [of, as] = await Promise.all([
    r.revisionOfId ? db.report.findFirst({ where: { id: r.revisionOfId, teamId: ctx.team.id }, select: { id: true, number: true } }) : null,
    db.report.findFirst({ where: { teamId: ctx.team.id, revisionOfId: r.id }, select: { id: true, number: true } }),
  ]);
  return {
    revisionOf: of ? { id: of.id, label: reportLabel(of.number) } : null,
    revisedAs: as ? { id: as.id, label: reportLabel(as.number) } : null,
  };
}
