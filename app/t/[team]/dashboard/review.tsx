import Link from "@/app/_components/link";
import { Card, formatDateTime } from "@/app/_components/ui";
import { ReportStatusBadge } from "@/app/_components/report-ui";
import type { TeamContext } from "@/lib/teams/access";
import { awaitingReview } from "@/lib/reports/review";
import { listNotifications } from "@/lib/teams/notifications";

// The dashboard's "for you" part: drafts waiting for this member's review, and their unread notices.

/** What ForYouSection shows, read with the rest of the dashboard's data. */
export async function forYouData(ctx: TeamContext) {
  const [queue, notices] = await Promise.all([awaitingReview(ctx, 10), listNotifications(ctx, { limit: 5 })]);
  return { queue, notices };
}

export function ForYouSection({ ctx, data: { queue, notices } }: { ctx: TeamContext; data: Awaited<ReturnType<typeof forYouData>> }) {
  const drafts = [...queue.mine, ...queue.open];
  const unread = notices.items.filter((n) => !n.read);
  if (drafts.length === 0 && unread.length === 0) return null;
  const reports = `/t/${ctx.team.slug}/reports`;
  return (
    <div className="mt-6 grid gap-6 lg:grid-cols-2">
      {drafts.length ? (
        <Card title={<>Awaiting my review <span className="ml-1 rounded-full bg-amber-100 px-2 py-0.5 text-xs text-amber-900">{drafts.length}</span></>}>
          <ul className="divide-y divide-slate-100 text-sm" aria-label="Reports awaiting my review">
            {drafts.map((r) => (
              <li key={r.id} className="flex flex-wrap items-baseline justify-between gap-2 py-2" data-awaiting={r.label}>
                <span className="min-w-0">
                  <Link className="font-medium text-brand-700 hover:underline" href={`${reports}/${r.id}`}>{r.label}</Link> <span className="text-slate-700">{r.title}</span>
                  <span className="block text-xs text-slate-500">by {r.createdBy}{r.generatedAt ? `, ${formatDateTime(r.generatedAt)}` : ""} · {r.reviewer ? "asked of you" : "any reviewer"}{r.revisionOfId ? " · revision" : ""}</span>
                </span>
                <ReportStatusBadge status={r.status} />
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      {unread.length ? (
        <Card title={<>Notifications <span className="ml-1 rounded-full bg-brand-50 px-2 py-0.5 text-xs text-brand-700">{notices.unread} new</span></>}>
          <ul className="divide-y divide-slate-100 text-sm" aria-label="Notifications">
            {unread.map((n) => (
              <li key={n.id} className="py-2" data-notice={n.kind}>
                {n.subjectType === "Report" && n.subjectId ? <Link className="text-slate-800 hover:underline" href={`${reports}/${n.subjectId}`}>{n.message}</Link> : <span>{n.message}</span>}
                <span className="block text-xs text-slate-500">{formatDateTime(n.createdAt)}</span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}
