import type { Metadata } from "next";
import Link from "next/link";
import { teamPage } from "@/app/_lib/team";
import { Alert, Badge, buttonClass, EmptyState, inputClass, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { AuditFilterSchema, auditFilterFromQuery, findAuditEvents, verifyTeamChain } from "@/lib/audit/log";
import { assertCan } from "@/lib/teams/access";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await teamPage(params);
  assertCan(ctx, "audit.read");
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = AuditFilterSchema.safeParse(raw);
  const query = parsed.success ? parsed.data : {};
  const [chain, result] = await Promise.all([verifyTeamChain(ctx.team.id), findAuditEvents(ctx.team.id, auditFilterFromQuery(query))]);
  const qs = (page: number) => {
    const p = new URLSearchParams(Object.entries({ ...query, page: String(page) }).filter(([, v]) => v) as [string, string][]);
    return `?${p.toString()}`;
  };
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change in this team, append-only and hash-chained: each event includes the hash of the one before, so any edit or deletion is detectable."
      />
      <div className="mb-5">
        {chain.intact ? (
          <Alert tone="green">
            <span className="inline-flex items-center gap-2 font-medium" data-testid="chain-status">{icons.check("h-4 w-4")} Chain intact</span> — all {chain.count} events verified. Head hash <code className="text-xs">{chain.head.slice(0, 16)}…</code>
          </Alert>
        ) : (
          <Alert tone="red">
            <span className="font-medium" data-testid="chain-status">Chain broken at event #{chain.brokenAt.seq}</span>: {chain.brokenAt.reason}. Events from this point on cannot be trusted.
          </Alert>
        )}
      </div>
      {!parsed.success ? <div className="mb-4"><Alert>{parsed.error.issues[0]?.message}</Alert></div> : null}
      <form method="get" className="mb-5 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-5" aria-label="Filter events">
        <div>
          <label htmlFor="f-action" className="mb-1 block text-xs font-medium text-slate-600">Action starts with</label>
          <input id="f-action" name="action" defaultValue={query.action ?? ""} placeholder="member." className={inputClass} />
        </div>
        <div>
          <label htmlFor="f-actor" className="mb-1 block text-xs font-medium text-slate-600">Actor</label>
          <input id="f-actor" name="actor" defaultValue={query.actor ?? ""} placeholder="e-mail" className={inputClass} />
        </div>
        <div>
          <label htmlFor="f-from" className="mb-1 block text-xs font-medium text-slate-600">From</label>
          <input id="f-from" name="from" type="date" defaultValue={query.from ?? ""} className={inputClass} />
        </div>
        <div>
          <label htmlFor="f-to" className="mb-1 block text-xs font-medium text-slate-600">To</label>
          <input id="f-to" name="to" type="date" defaultValue={query.to ?? ""} className={inputClass} />
        </div>
        <div className="flex items-end gap-2">
          <button type="submit" className={buttonClass.primary}>Filter</button>
          <Link href="?" className={buttonClass.ghost}>Clear</Link>
        </div>
      </form>
      {result.events.length === 0 ? (
        <EmptyState icon={icons.audit("h-10 w-10")} title="No events match">Change or clear the filters to see more of the trail.</EmptyState>
      ) : (
        <>
          <Table head={["#", "When", "Actor", "Action", "Subject", "Details", "Hash"]} caption="Audit events">
            {result.events.map((e) => (
              <tr key={e.id}>
                <Td className="tabular-nums text-slate-500">{e.seq}</Td>
                <Td className="whitespace-nowrap text-xs">{formatDateTime(e.createdAt)}</Td>
                <Td className="text-xs">{e.actorLabel}</Td>
                <Td><Badge tone={!chain.intact && e.seq >= chain.brokenAt.seq ? "red" : "indigo"}>{e.action}</Badge></Td>
                <Td className="text-xs">{e.subjectType}{e.subjectId ? <span className="block text-slate-400">{e.subjectId}</span> : null}</Td>
                <Td className="max-w-xs text-xs"><code className="break-all text-slate-600">{JSON.stringify(e.details)}</code></Td>
                <Td className="text-xs"><code className="text-slate-500" title={e.hash}>{e.hash.slice(0, 10)}…</code></Td>
              </tr>
            ))}
          </Table>
          <div className="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>{result.total} events · page {result.page} of {result.pages}</span>
            <span className="flex gap-2">
              {result.page > 1 ? <Link className={buttonClass.secondary} href={qs(result.page - 1)}>Newer</Link> : null}
              {result.page < result.pages ? <Link className={buttonClass.secondary} href={qs(result.page + 1)}>Older</Link> : null}
            </span>
          </div>
        </>
      )}
    </>
  );
}
