import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { Alert, buttonClass, Card, PageHeader, formatDateTime } from "@/app/_components/ui";
import { ReportStatusBadge, scopeSummary } from "@/app/_components/report-ui";
import { can } from "@/lib/auth/permissions";
import { catalogForTeam } from "@/lib/compliance/team-catalogs";
import { NotFoundError } from "@/lib/errors";
import { approvalBlockedReason, getReport, getReportSnapshot, type ReportView } from "@/lib/reports";
import { reportHistory, reportRevisions, reviewCandidates } from "@/lib/reports/review";
import { markNotificationsRead } from "@/lib/teams/notifications";
import { ApproveForm, RequestChangesForm, RequestReviewForm, ReviseForm } from "../forms";
import { ReportPreview } from "./preview";

const HISTORY_WORDS: Record<string, string> = {
  "report.create": "requested the report",
  "report.generate": "froze the snapshot and rendered the draft",
  "report.request_review": "asked for a review",
  "report.request_changes": "requested changes",
  "report.approve": "approved it",
};

export const metadata: Metadata = { title: "Report" };

export default async function ReportPage({ params }: { params: Promise<{ team: string; id: string }> }) {
  const ctx = await teamPage(params);
  const { id } = await params;
  let r: ReportView;
  try {
    r = await getReport(ctx, id);
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
  // The author learns before clicking that someone else must approve (the same check approveReport makes).
  const blocked = r.status === "draft" && can(ctx.role, "report.approve") ? await approvalBlockedReason(ctx, { number: r.number, createdById: r.createdById }) : null;
  const snap = r.snapshotSha256 ? (await getReportSnapshot(ctx, r.id)).snapshot : null;
  const open = r.status === "queued" || r.status === "generating" || r.status === "draft";
  const [history, revisions, candidates] = await Promise.all([
    reportHistory(ctx, r.id),
    reportRevisions(ctx, r.id),
    open && can(ctx.role, "report.create") ? reviewCandidates(ctx, r) : Promise.resolve([]),
  ]);
  // Opening the report answers the notices about it.
  await markNotificationsRead(ctx, { type: "Report", id: r.id });
  const mayReview = r.status === "draft" && can(ctx.role, "report.approve") && r.snapshotSha256;
  const frameworks = (await catalogForTeam(ctx)).frameworks.map((f) => ({ id: f.id, name: f.shortName }));
  const labels = new Map((snap?.models ?? []).map((m) => [m.id, m.label]));
  const base = `/t/${ctx.team.slug}/reports`;
  const hashRow = (label: string, v: string | null, testId: string) => (
    <>
      <dt className="font-medium text-slate-500">{label}</dt>
      <dd className="break-all font-mono text-xs text-slate-800" data-testid={testId}>{v ?? "—"}</dd>
    </>
  );
  return (
    <>
      <AutoRefresh active={r.status === "queued" || r.status === "generating"} ms={1500} />
      <PageHeader
        title={`${r.label}: ${r.title}`}
        description={scopeSummary(r.scope, labels, frameworks)}
        actions={
          <>
            <Link href={base} className={buttonClass.secondary}>All reports</Link>
            {r.status === "approved" ? <a href={`${base}/${r.id}/pdf?edition=draft`} className={buttonClass.secondary} download>Draft PDF</a> : null}
            {r.draftPdfSha256 ? <a href={`${base}/${r.id}/pdf?edition=${r.status === "approved" ? "approved" : "draft"}&inline=1`} target="_blank" rel="noopener" className={buttonClass.secondary}>Open PDF in browser</a> : null}
            {r.status === "approved" ? <a href={`${base}/${r.id}/oscal`} className={buttonClass.secondary} download title="NIST OSCAL 1.0.6 assessment results from this report's snapshot (the same snapshot hash as the PDF)">OSCAL results</a> : null}
            {r.draftPdfSha256 ? <a href={`${base}/${r.id}/pdf`} className={buttonClass.primary} download>Download {r.status === "approved" ? "approved" : "draft"} PDF</a> : null}
          </>
        }
      />
      {r.status === "failed" ? <div className="mb-5"><Alert>{r.failureReason}</Alert></div> : null}
      {r.changesRequested ? (
        <div className="mb-5" data-testid="changes-requested">
          <Alert tone="amber">
            <p className="font-semibold">Changes requested by {r.changesRequested.by}, {formatDateTime(r.changesRequested.at)}</p>
            <p className="mt-1 whitespace-pre-line" data-testid="changes-reason">{r.changesRequested.reason}</p>
            <p className="mt-2 text-xs">
              {revisions.revisedAs ? <>Revised as <Link className="font-medium underline" href={`${base}/${revisions.revisedAs.id}`}>{revisions.revisedAs.label}</Link>.</> : "This report stays as it was frozen; its revision is a new report with the same scope."}
            </p>
          </Alert>
        </div>
      ) : null}
      {revisions.revisionOf ? <div className="mb-5"><Alert tone="blue">This report revises <Link className="font-medium underline" href={`${base}/${revisions.revisionOf.id}`}>{revisions.revisionOf.label}</Link>, which a reviewer sent back for changes.</Alert></div> : null}
      {r.status === "queued" || r.status === "generating" ? <div className="mb-5"><Alert tone="blue">A worker is freezing the snapshot and rendering the draft PDF; this page updates by itself.</Alert></div> : null}
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0 space-y-6">
          <Card title="Record">
            <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[11rem_1fr]">
              <dt className="font-medium text-slate-500">Status</dt>
              <dd><ReportStatusBadge status={r.status} /></dd>
              <dt className="font-medium text-slate-500">Created by</dt>
              <dd>{r.createdBy}, {formatDateTime(r.createdAt)}</dd>
              <dt className="font-medium text-slate-500">Snapshot taken</dt>
              <dd>{r.generatedAt ? formatDateTime(r.generatedAt) : "—"}</dd>
              <dt className="font-medium text-slate-500">Reviewer</dt>
              <dd data-testid="reviewer">{r.reviewer ? `${r.reviewer.label}${r.reviewer.requestedAt ? `, asked ${formatDateTime(r.reviewer.requestedAt)}` : ""}` : "any compliance reviewer"}</dd>
              <dt className="font-medium text-slate-500">Approved by</dt>
              <dd data-testid="approved-by">{r.approvedBy ? `${r.approvedBy}, ${r.approvedAt ? formatDateTime(r.approvedAt) : ""}` : "—"}</dd>
              {r.approvalComment ? <><dt className="font-medium text-slate-500">Approval comment</dt><dd className="whitespace-pre-line" data-testid="approval-comment">{r.approvalComment}</dd></> : null}
              {hashRow("Snapshot SHA-256", r.snapshotSha256, "snapshot-sha")}
              {hashRow("Draft PDF SHA-256", r.draftPdfSha256, "draft-sha")}
              {hashRow("Approved PDF SHA-256", r.approvedPdfSha256, "approved-sha")}
            </dl>
          </Card>
        </div>
        <div className="space-y-6">
          {mayReview ? (
            <Card title="Review">
              <p className="mb-4 text-sm text-slate-600">Read the <a className="text-brand-700 underline" href="#preview">preview below</a> or the PDF, then approve it or send it back.</p>
              <ApproveForm team={ctx.team.slug} reportId={r.id} snapshotSha256={r.snapshotSha256!} label={r.label} blockedReason={blocked} />
              <div className="my-5 border-t border-slate-100" />
              <RequestChangesForm team={ctx.team.slug} reportId={r.id} snapshotSha256={r.snapshotSha256!} label={r.label} author={r.createdBy} blockedReason={blocked} />
            </Card>
          ) : null}
          {r.status === "draft" && !can(ctx.role, "report.approve") ? <Alert tone="amber">Waiting for {r.reviewer ? r.reviewer.label : "a compliance reviewer"}&apos;s review.</Alert> : null}
          {open && can(ctx.role, "report.create") ? (
            <Card title="Ask for a review">
              <RequestReviewForm team={ctx.team.slug} reportId={r.id} label={r.label} current={r.reviewer?.label ?? null} candidates={candidates.map((c) => ({ id: c.id, label: c.label }))} />
            </Card>
          ) : null}
          {r.status === "changes_requested" && !revisions.revisedAs && can(ctx.role, "report.create") ? (
            <Card title="Revise">
              <ReviseForm team={ctx.team.slug} reportId={r.id} label={r.label} title={r.title} />
            </Card>
          ) : null}
          <Card title="History">
            <ol className="space-y-3 text-sm" aria-label="Report history">
              {history.map((h) => (
                <li key={h.seq} className="border-l-2 border-slate-200 pl-3">
                  <p className="text-slate-800"><span className="font-medium">{h.actor}</span> {HISTORY_WORDS[h.action] ?? h.action}{h.action === "report.request_review" && typeof h.details.reviewer === "string" ? ` of ${h.details.reviewer}` : ""}</p>
                  {typeof h.details.reason === "string" ? <p className="mt-0.5 whitespace-pre-line text-slate-600">“{h.details.reason}”</p> : null}
                  {typeof h.details.comment === "string" ? <p className="mt-0.5 whitespace-pre-line text-slate-600">“{h.details.comment}”</p> : null}
                  <p className="text-xs text-slate-500"><Link className="hover:underline" href={`/t/${ctx.team.slug}/audit?subject=${encodeURIComponent(`Report:${r.id}`)}`}>#{h.seq}</Link> · {formatDateTime(h.at)}</p>
                </li>
              ))}
            </ol>
          </Card>
          <Card title="Verify a copy">
            <p className="text-sm text-slate-600">Anyone in the team can check that a PDF is this report, unchanged, on the <Link className="text-brand-700 underline" href={`${base}/verify`}>Verify</Link> page.</p>
          </Card>
        </div>
      </div>
      {snap && r.snapshotSha256 ? (
        <section id="preview" className="mt-6 scroll-mt-6" aria-label="Preview of the report">
          <h2 className="mb-3 text-base font-semibold text-slate-900">Preview <span className="text-sm font-normal text-slate-500">— the sections of the {r.status === "approved" ? "approved" : "draft"} PDF, from the same snapshot</span></h2>
          <ReportPreview team={ctx.team.slug} s={snap} snapshotSha256={r.snapshotSha256} />
        </section>
      ) : null}
    </>
  );
}
