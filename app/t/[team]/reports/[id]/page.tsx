import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { teamPage } from "@/app/_lib/team";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { Alert, buttonClass, Card, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { ReportStatusBadge, scopeSummary } from "@/app/_components/report-ui";
import { can } from "@/lib/auth/permissions";
import { getCatalog } from "@/lib/compliance/catalog";
import { NotFoundError } from "@/lib/errors";
import { approvalBlockedReason, getReport, getReportSnapshot, type ReportView } from "@/lib/reports";
import { pct } from "@/lib/reports/format";
import { verdictLabel } from "@/lib/engine/verdict-words";
import { ApproveForm } from "../forms";

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
  const frameworks = getCatalog().frameworks.map((f) => ({ id: f.id, name: f.shortName }));
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
            {r.status === "draft" || r.status === "approved" ? <a href={`${base}/${r.id}/pdf`} className={buttonClass.primary} download>Download {r.status === "approved" ? "approved" : "draft"} PDF</a> : null}
          </>
        }
      />
      {r.status === "failed" ? <div className="mb-5"><Alert>{r.failureReason}</Alert></div> : null}
      {r.status === "queued" || r.status === "generating" ? <div className="mb-5"><Alert tone="blue">A worker is freezing the snapshot and rendering the draft PDF; this page updates by itself.</Alert></div> : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_24rem]">
        <div className="min-w-0 space-y-6">
          <Card title="Record">
            <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-[11rem_1fr]">
              <dt className="font-medium text-slate-500">Status</dt>
              <dd><ReportStatusBadge status={r.status} /></dd>
              <dt className="font-medium text-slate-500">Created by</dt>
              <dd>{r.createdBy}, {formatDateTime(r.createdAt)}</dd>
              <dt className="font-medium text-slate-500">Snapshot taken</dt>
              <dd>{r.generatedAt ? formatDateTime(r.generatedAt) : "—"}</dd>
              <dt className="font-medium text-slate-500">Approved by</dt>
              <dd data-testid="approved-by">{r.approvedBy ? `${r.approvedBy}, ${r.approvedAt ? formatDateTime(r.approvedAt) : ""}` : "—"}</dd>
              {hashRow("Snapshot SHA-256", r.snapshotSha256, "snapshot-sha")}
              {hashRow("Draft PDF SHA-256", r.draftPdfSha256, "draft-sha")}
              {hashRow("Approved PDF SHA-256", r.approvedPdfSha256, "approved-sha")}
            </dl>
          </Card>
        </div>
        <div className="space-y-6">
          {r.status === "draft" && can(ctx.role, "report.approve") && r.snapshotSha256 ? (
            <Card title="Approve">
              <ApproveForm team={ctx.team.slug} reportId={r.id} snapshotSha256={r.snapshotSha256} label={r.label} blockedReason={blocked} />
            </Card>
          ) : null}
          {r.status === "draft" && !can(ctx.role, "report.approve") ? <Alert tone="amber">Waiting for a compliance reviewer&apos;s approval.</Alert> : null}
          <Card title="Verify a copy">
            <p className="text-sm text-slate-600">Anyone in the team can check that a PDF is this report, unchanged, on the <Link className="text-brand-700 underline" href={`${base}/verify`}>Verify</Link> page.</p>
          </Card>
        </div>
      </div>
      {snap ? <div className="mt-6">
            <Card title="Posture in this snapshot">
              <Table caption="Posture per framework" head={["Framework", "Satisfied", "Partial", "Failing", "Stale", "Not assessed"]}>
                {snap.posture.map((p) => (
                  <tr key={p.framework}>
                    <Td className="font-medium">{p.name}</Td>
                    <Td>{p.counts.satisfied}</Td><Td>{p.counts.partial}</Td><Td className={p.counts.failing ? "font-semibold text-rose-700" : ""}>{p.counts.failing}</Td><Td>{p.counts.stale}</Td><Td>{p.counts.not_assessed}</Td>
                  </tr>
                ))}
              </Table>
              <h3 className="mb-2 mt-5 text-sm font-semibold text-slate-800">Evaluations</h3>
              <Table caption="Evaluations in this snapshot" head={["Evaluation", "Model", "Samples", "Clean", "Worst case", "Verdict"]}>
                {snap.evaluations.map((e) => (
                  <tr key={e.id}>
                    <Td><Link className="text-brand-700 hover:underline" href={`/t/${ctx.team.slug}/evaluations/${e.number}`}>#{e.number}</Link></Td>
                    <Td>{e.modelLabel}</Td><Td>{e.samples}</Td><Td>{pct(e.cleanAccuracy)}</Td>
                    <Td className="text-xs">{e.worstCase.map((w) => `${w.norm === "linf" ? "L∞" : "L2"} ${w.eps}: ${pct(w.robustAccuracy)}`).join(" · ")}</Td>
                    <Td>{e.reliability ? verdictLabel(e.reliability.verdict) : "—"}</Td>
                  </tr>
                ))}
              </Table>
            </Card>
      </div> : null}
    </>
  );
}
