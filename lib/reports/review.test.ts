import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { stopQueue } from "../jobs/queue";
import { createApiToken, contextFromToken } from "../auth/tokens";
import { listNotifications, markNotificationsRead } from "../teams/notifications";
import { makeTeam } from "../../test/fixtures";
import { approveReport, createReport, getReport, reportPdf } from "./index";
import { runReportJob } from "./generate";
import { awaitingReview, reportHistory, reportRevisions, requestChanges, requestReview, reviewCandidates, reviseReport } from "./review";
import { pdfText } from "./test-helpers";
import { systemContext } from "../teams/context";

// The review step on a real database and queue: the report job runs in this process (the real snapshot and
// renderer, on a team with no models, which keeps it to about a second), webhooks are queued in pg-boss.

let team: Awaited<ReturnType<typeof makeTeam>>;

async function draft(ctx = team.ctx("ENGINEER"), title = "Quarterly review") {
  const created = await createReport(ctx, { title });
  expect(await runReportJob({ teamId: team.team.id, reportId: created.id })).toBe("generated");
  return getReport(team.ctx("VIEWER"), created.id);
}

const webhookEvents = async (event: string) =>
  (await db.$queryRaw<{ data: { event: string; payload: Record<string, unknown> } }[]>`SELECT data FROM pgboss.job WHERE name = 'webhook-deliver' AND data->>'event' = ${event} AND data->>'teamId' = ${team.team.id}`).map((r) => r.data.payload);

beforeAll(async () => {
  team = await makeTeam("review");
  // A webhook URL is set, so review events are queued for it (delivery is not part of this test).
  await db.teamSettings.create({ data: { teamId: team.team.id, webhookUrl: "https://hooks.example.com/bulwark", webhookSecret: "s".repeat(32) } });
}, 600_000);

afterAll(async () => {
  await stopQueue();
});

describe("report review", () => {
  it("the author asks a named reviewer: notice, webhook and audit; the reviewer requests changes with a reason the author sees; the revision goes back to them", async () => {
    const r = await draft();
    const reviewer = team.users.REVIEWER;
    // Candidates: admin and reviewer, never the author (segregation of duties is on by default) nor an engineer.
    const candidates = await reviewCandidates(team.ctx("ENGINEER"), r);
    expect(candidates.map((c) => c.email).sort()).toEqual([team.users.ADMIN.email, reviewer.email].sort());
    await expect(requestReview(team.ctx("ENGINEER"), { reportId: r.id, reviewerId: team.users.VIEWER.id })).rejects.toThrow(ValidationError);

    await expect(db.report.update({ where: { id: r.id }, data: { title: "edited" } })).rejects.toThrow(/only its reviewer may be named/);
    const asked = await requestReview(team.ctx("ENGINEER"), { reportId: r.id, reviewerId: reviewer.id });
    expect(asked.reviewer).toMatchObject({ id: reviewer.id, label: expect.stringContaining(reviewer.email) });
    const inbox = await listNotifications(team.ctx("REVIEWER"));
    expect(inbox.unread).toBe(1);
    expect(inbox.items[0]).toMatchObject({ kind: "report.review_requested", subjectId: r.id, message: expect.stringContaining(`${team.users.ENGINEER.email} asks you to review ${r.label}`) });
    expect(await webhookEvents("report.review_requested")).toEqual([expect.objectContaining({ report: r.label, reviewer: expect.stringContaining(reviewer.email), requestedBy: team.users.ENGINEER.email, path: `/t/${team.team.slug}/reports/${r.id}` })]);
    expect((await awaitingReview(team.ctx("REVIEWER"))).mine.map((x) => x.id)).toEqual([r.id]);
    // The admin sees it neither as theirs nor as open (it was asked of someone else); the engineer cannot approve.
    expect((await awaitingReview(team.ctx("ADMIN"))).mine).toEqual([]);
    expect((await awaitingReview(team.ctx("ADMIN"))).open.map((x) => x.id)).not.toContain(r.id);
    expect(await awaitingReview(team.ctx("ENGINEER"))).toEqual({ mine: [], open: [] });

    // A reason is required; the author may not review their own report; an engineer may not at all.
    await expect(requestChanges(team.ctx("REVIEWER"), { reportId: r.id, reason: "no" })).rejects.toMatchObject({ fieldErrors: { reason: expect.stringContaining("at least 10") } });
    await expect(requestChanges(team.ctx("ENGINEER"), { reportId: r.id, reason: "Please add the privacy scan of v2." })).rejects.toThrow(ForbiddenError);
    await expect(requestChanges(team.ctx("REVIEWER"), { reportId: r.id, reason: "Please add the privacy scan of v2.", snapshotSha256: "a".repeat(64) })).rejects.toThrow(ConflictError);

    const reason = "Scope is missing the v2 model; regenerate after its evaluation finishes.";
    const sent = await requestChanges(team.ctx("REVIEWER"), { reportId: r.id, reason, snapshotSha256: r.snapshotSha256 });
    expect(sent.status).toBe("changes_requested");
    expect(sent.changesRequested).toMatchObject({ by: reviewer.email, reason });
    // The database refuses any other change to it, and naming a reviewer anew (the trigger, not just lib).
    await expect(db.report.update({ where: { id: r.id }, data: { changesReason: "edited" } })).rejects.toThrow(/sent back for changes: it is immutable/);
    // Nothing more can be decided on it: no approval, no second request.
    await expect(approveReport(team.ctx("REVIEWER"), { reportId: r.id })).rejects.toThrow(ConflictError);
    await expect(requestChanges(team.ctx("ADMIN"), { reportId: r.id, reason: "Another reason, long enough." })).rejects.toThrow(ConflictError);
    const authorInbox = await listNotifications(team.ctx("ENGINEER"));
    expect(authorInbox.items[0]).toMatchObject({ kind: "report.changes_requested", message: expect.stringContaining(reason) });
    expect(await webhookEvents("report.changes_requested")).toEqual([expect.objectContaining({ report: r.label, reason, requestedBy: reviewer.email })]);
    const history = await reportHistory(team.ctx("VIEWER"), r.id);
    expect(history.map((h) => h.action)).toEqual(["report.create", "report.generate", "report.request_review", "report.request_changes"]);
    expect(history[3]).toMatchObject({ actor: reviewer.email, details: { reason, snapshotSha256: r.snapshotSha256 } });

    // The author revises: a new report, same scope, linked both ways, asked of the reviewer again.
    await expect(reviseReport(team.ctx("VIEWER"), { reportId: r.id })).rejects.toThrow(ForbiddenError);
    const revision = await reviseReport(team.ctx("ENGINEER"), { reportId: r.id, title: "Quarterly review (with v2)" });
    await expect(reviseReport(team.ctx("ENGINEER"), { reportId: r.id })).rejects.toThrow(/already revised/);
    expect(await runReportJob({ teamId: team.team.id, reportId: revision.id })).toBe("generated");
    const rev = await getReport(team.ctx("VIEWER"), revision.id);
    expect(rev).toMatchObject({ title: "Quarterly review (with v2)", status: "draft", revisionOfId: r.id, reviewer: { id: reviewer.id } });
    expect(rev.scope).toEqual(r.scope);
    expect(await reportRevisions(team.ctx("VIEWER"), r.id)).toMatchObject({ revisionOf: null, revisedAs: { id: rev.id, label: rev.label } });
    expect((await listNotifications(team.ctx("REVIEWER"))).items[0]).toMatchObject({ kind: "report.review_requested", subjectId: rev.id, message: expect.stringContaining(`(revision of ${r.label})`) });
    expect((await awaitingReview(team.ctx("REVIEWER"))).mine.map((x) => x.id)).toEqual([rev.id]);
    expect(await markNotificationsRead(team.ctx("REVIEWER"))).toBe(2);
    expect((await listNotifications(team.ctx("REVIEWER"))).unread).toBe(0);
    expect((await verifyTeamChain(systemContext(team.team.id, "job"))).intact).toBe(true);
  }, 60_000);

  it("approval with a comment: stored, audited, on the approved edition's sign-off page, and the author is told", async () => {
    const r = await draft(team.ctx("ENGINEER"), "Approval with comment");
    expect((await awaitingReview(team.ctx("ADMIN"))).open.map((x) => x.id)).toContain(r.id);
    await expect(approveReport(team.ctx("REVIEWER"), { reportId: r.id, comment: "x".repeat(2001) })).rejects.toThrow(ValidationError);
    const comment = "Approved for the Q4 board pack; the v1 failures are tracked in RISK-12.";
    const approved = await approveReport(team.ctx("REVIEWER"), { reportId: r.id, snapshotSha256: r.snapshotSha256!, comment });
    expect(approved).toMatchObject({ status: "approved", approvalComment: comment });
    const event = await db.auditEvent.findFirstOrThrow({ where: { teamId: team.team.id, subjectId: r.id, action: "report.approve" } });
    expect(event.details).toMatchObject({ comment, approvedPdfSha256: approved.approvedPdfSha256 });
    const text = pdfText((await reportPdf(team.ctx("VIEWER"), r.id, "approved")).bytes).replace(/\s+/g, " ");
    expect(text).toContain(`Comment ${comment}`);
    expect((await listNotifications(team.ctx("ENGINEER"))).items[0]).toMatchObject({ kind: "report.approved", subjectId: r.id, message: expect.stringContaining(comment) });
    expect((await awaitingReview(team.ctx("ADMIN"))).open.map((x) => x.id)).not.toContain(r.id);
  }, 60_000);

  it("a report made with an API token names the token and whom it acts for, and that person still cannot approve it", async () => {
    const { secret } = await createApiToken(team.ctx("ADMIN"), { name: "ci-bot", role: "REVIEWER", expiresInDays: 30 });
    const tctx = (await contextFromToken(secret))!;
    const admin = await db.user.findUniqueOrThrow({ where: { id: team.users.ADMIN.id } });
    const label = `API token ‘ci-bot’ (${secret.slice(0, 12)}…, acting for ${admin.name} <${admin.email}>)`;
    expect(tctx.actor).toEqual({ userId: null, label });
    const r = await draft(tctx, "Made by CI");
    expect(r.createdBy).toBe(label);
    const created = await db.auditEvent.findFirstOrThrow({ where: { teamId: team.team.id, subjectId: r.id, action: "report.create" } });
    expect(created).toMatchObject({ actorLabel: label, actorId: null });
    const text = pdfText((await reportPdf(team.ctx("VIEWER"), r.id)).bytes).replace(/\s+/g, " ");
    expect(text).toContain("API token ‘ci-bot’");
    // Segregation of duties follows the person behind the token: the admin who minted it cannot approve.
    await expect(approveReport(team.ctx("ADMIN"), { reportId: r.id })).rejects.toThrow(ForbiddenError);
    const approved = await approveReport(team.ctx("REVIEWER"), { reportId: r.id });
    expect(approved.status).toBe("approved");
  }, 60_000);

  it("another team's member gets not found for every review step", async () => {
    const r = await draft(team.ctx("ENGINEER"), "Tenancy");
    const other = await makeTeam("other");
    await expect(requestReview(other.ctx("ADMIN"), { reportId: r.id, reviewerId: team.users.REVIEWER.id })).rejects.toThrow(NotFoundError);
    await expect(requestChanges(other.ctx("ADMIN"), { reportId: r.id, reason: "Not my team's report at all." })).rejects.toThrow(NotFoundError);
    await expect(reviseReport(other.ctx("ADMIN"), { reportId: r.id })).rejects.toThrow(NotFoundError);
    await expect(reportHistory(other.ctx("ADMIN"), r.id)).rejects.toThrow(NotFoundError);
    expect((await awaitingReview(other.ctx("ADMIN"))).open).toEqual([]);
  }, 60_000);
});
