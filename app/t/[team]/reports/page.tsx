import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { AutoRefresh } from "@/app/_components/auto-refresh";
import { Badge, buttonClass, Card, EmptyState, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { ReportStatusBadge, scopeSummary, ShortHash } from "@/app/_components/report-ui";
import { can } from "@/lib/auth/permissions";
import { catalogForTeam } from "@/lib/compliance/team-catalogs";
import { listModels } from "@/lib/registry/models";
import { DEFAULT_REPORT_FRAMEWORKS } from "@/lib/reports/schemas";
import { listReports } from "@/lib/reports";
import { CreateReportForm } from "./forms";

export const metadata: Metadata = { title: "Reports" };

export default async function ReportsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ cursor?: string }> }) {
  const ctx = await teamPage(params);
  const { cursor } = await searchParams;
  const [{ items, nextCursor }, models] = await Promise.all([listReports(ctx, { cursor: cursor || undefined, limit: 25 }), listModels(ctx)]);
  const frameworks = (await catalogForTeam(ctx)).frameworks.filter((f) => f.controls.some((c) => c.kind === "control")).map((f) => ({ id: f.id, name: f.shortName }));
  // A model whose first version is still being stored has no latest version yet.
  const modelLabels = new Map(models.map((m) => [m.id, m.latest ? `${m.name} v${m.latest.version}` : m.name]));
  const busy = items.some((r) => r.status === "queued" || r.status === "generating");
  const base = `/t/${ctx.team.slug}/reports`;
  return (
    <>
      <AutoRefresh active={busy} ms={2000} />
      <PageHeader
        title="Reports"
        description="Audit reports: frozen snapshots of your models' robustness evidence and control posture, rendered to PDF, approved by a reviewer, verifiable by anyone with access."
        actions={<Link href={`${base}/verify`} className={buttonClass.secondary}>{icons.check("h-4 w-4")} Verify a PDF</Link>}
      />
      {can(ctx.role, "report.create") ? (
        <details className="mb-6 rounded-xl border border-slate-200 bg-white shadow-sm" open>
          <summary className="cursor-pointer px-5 py-3 text-sm font-semibold text-slate-800">New report</summary>
          <div className="border-t border-slate-100 p-5">
            <CreateReportForm team={ctx.team.slug} generating={busy} models={[...modelLabels].map(([id, label]) => ({ id, label }))} frameworks={frameworks} defaultFrameworks={[...DEFAULT_REPORT_FRAMEWORKS]} />
          </div>
        </details>
      ) : null}
      <div className="space-y-6">
        <div className="min-w-0">
          {items.length === 0 ? (
            <EmptyState icon={icons.reports("h-10 w-10")} title="No reports yet">
              Generate a report from the current posture; a reviewer approves it, and anyone with access can verify the PDF against its recorded SHA-256.
            </EmptyState>
          ) : (
            <Table caption="Reports" head={["Report", "Scope", "Status", "Created by", "Approved by", "Hashes (SHA-256)", ""]}>
              {items.map((r) => (
                <tr key={r.id} data-report={r.label}>
                  <Td>
                    <Link href={`${base}/${r.id}`} className="font-medium text-brand-700 hover:underline">{r.label}</Link>
                    <div className="max-w-[14rem] text-xs text-slate-500">{r.title}</div>
                  </Td>
                  <Td className="max-w-[16rem] text-xs">{scopeSummary(r.scope, modelLabels, frameworks)}</Td>
                  <Td><ReportStatusBadge status={r.status} /></Td>
                  <Td className="text-xs">{r.createdBy}<div className="text-slate-500">{formatDateTime(r.createdAt)}</div></Td>
                  <Td className="text-xs">{r.approvedBy ? <>{r.approvedBy}<div className="text-slate-500">{r.approvedAt ? formatDateTime(r.approvedAt) : ""}</div></> : <span className="text-slate-500">—</span>}</Td>
                  <Td className="text-xs">
                    <ShortHash label="snapshot" hash={r.snapshotSha256} />
                    <ShortHash label="draft" hash={r.draftPdfSha256} />
                    <ShortHash label="approved" hash={r.approvedPdfSha256} />
                  </Td>
                  <Td>
                    {r.draftPdfSha256 ? (
                      <a href={`${base}/${r.id}/pdf`} className={buttonClass.ghost} download>Download PDF</a>
                    ) : r.status === "failed" ? <span className="text-xs text-rose-700">{r.failureReason}</span> : null}
                  </Td>
                </tr>
              ))}
            </Table>
          )}
          {nextCursor ? <div className="mt-4"><Link href={`?cursor=${nextCursor}`} className={buttonClass.secondary}>Older reports</Link></div> : null}
          {cursor ? <div className="mt-2"><Link href="?" className={buttonClass.ghost}>Newest reports</Link></div> : null}
        </div>
        <div>
          <Card title="How reports work">
            <ol className="list-decimal space-y-2 pl-4 text-sm text-slate-600">
              <li>A report freezes the evidence and statuses at one moment; a worker renders the draft PDF. <Badge>SHA-256 recorded</Badge></li>
              <li>A compliance reviewer approves the draft: the approved edition adds the sign-off page, and both hashes go into the audit log.</li>
              <li>Later evidence never changes a report; generate a new one to show it.</li>
              <li>Anyone in the team can check a PDF on the <Link href={`${base}/verify`} className="text-brand-700 underline">Verify</Link> page.</li>
            </ol>
          </Card>
        </div>
      </div>
    </>
  );
}
