import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { firstValues, type SearchParams } from "@/app/_lib/search-params";
import { Alert, Badge, buttonClass, EmptyState, inputClass, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { verifyTeamChain } from "@/lib/audit/log";
import { activeFilters, AuditQuerySchema, auditFacets, findAuditPage, type AuditQuery } from "@/lib/audit/query";
import { assertCan } from "@/lib/teams/access";

export const metadata: Metadata = { title: "Audit log" };

const label = "mb-1 block text-xs font-medium text-slate-600";

export default async function AuditPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: SearchParams }) {
  const ctx = await teamPage(params);
  assertCan(ctx, "audit.read");
  const raw = await firstValues(searchParams);
  const parsed = AuditQuerySchema.safeParse(raw);
  const query: AuditQuery = parsed.success ? parsed.data : {};
  const [chain, result, facets] = await Promise.all([verifyTeamChain(ctx), findAuditPage(ctx, query), auditFacets(ctx)]);
  const filters = activeFilters(query);
  const qs = (extra: Record<string, string>) => `?${new URLSearchParams({ ...filters, ...extra }).toString()}`;
  const base = `/t/${ctx.team.slug}`;
  const exportHref = (format: string) => `${base}/audit/export${qs({ format })}`;
  const actionPrefixes = [...new Set(facets.actions.map((a) => `${a.split(".")[0]}.`))];
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change in this team, append-only and hash-chained: each event includes the hash of the one before, so any edit or deletion is detectable."
        actions={
          <>
            <a href={exportHref("csv")} className={buttonClass.secondary} download>Export CSV</a>
            <a href={exportHref("jsonl")} className={buttonClass.secondary} download>Export JSON Lines</a>
          </>
        }
      />
      <div className="mb-5">
        {chain.intact ? (
          <Alert tone="green">
            <span className="inline-flex items-center gap-2 font-medium" data-testid="chain-status">{icons.check("h-4 w-4")} Chain intact</span> — all {chain.count} events verified. Head hash{" "}
            <code className="break-all text-xs" data-testid="chain-head" title="The hash of the newest event: compare it with an export's header">{chain.head}</code>
          </Alert>
        ) : (
          <Alert tone="red">
            <span className="font-medium" data-testid="chain-status">Chain broken at event #{chain.brokenAt.seq}</span>: {chain.brokenAt.reason}. Events from this point on cannot be trusted.
          </Alert>
        )}
      </div>
      {!parsed.success ? <div className="mb-4"><Alert>{parsed.error.issues[0]?.message}</Alert></div> : null}
      <form method="get" className="mb-3 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6" aria-label="Filter events">
        <div>
          <label htmlFor="f-actor" className={label}>Actor</label>
          <input id="f-actor" name="actor" defaultValue={query.actor ?? ""} placeholder="e-mail, name or token" className={inputClass} />
        </div>
        <div>
          <label htmlFor="f-action" className={label}>Action</label>
          <select id="f-action" name="action" defaultValue={query.action ?? ""} className={inputClass}>
            <option value="">Any action</option>
            {actionPrefixes.map((p) => (
              <optgroup key={p} label={`${p}*`}>
                <option value={p}>{p}* (all)</option>
                {facets.actions.filter((a) => a.startsWith(p)).map((a) => <option key={a} value={a}>{a}</option>)}
              </optgroup>
            ))}
            {query.action && !facets.actions.includes(query.action) && !actionPrefixes.includes(query.action) ? <option value={query.action}>{query.action}</option> : null}
          </select>
        </div>
        <div>
          <label htmlFor="f-subject" className={label}>Subject</label>
          <select id="f-subject" name="subject" defaultValue={query.subject ?? ""} className={inputClass}>
            <option value="">Any subject</option>
            {facets.subjectTypes.map((t) => <option key={t} value={t}>{t}</option>)}
            {query.subject && !facets.subjectTypes.includes(query.subject) ? <option value={query.subject}>{query.subject.replace(":", " ")}</option> : null}
          </select>
        </div>
        <div>
          <label htmlFor="f-from" className={label}>From</label>
          <input id="f-from" name="from" type="date" defaultValue={query.from ?? ""} className={inputClass} />
        </div>
        <div>
          <label htmlFor="f-to" className={label}>To</label>
          <input id="f-to" name="to" type="date" defaultValue={query.to ?? ""} className={inputClass} />
        </div>
        <div className="flex items-end gap-2">
          <button type="submit" className={buttonClass.primary}>Filter</button>
          <Link href="?" className={buttonClass.ghost}>Clear</Link>
        </div>
      </form>
      <div className="mb-5 flex flex-wrap items-end justify-between gap-3 text-sm text-slate-600">
        <form method="get" className="flex items-end gap-2" aria-label="Jump to a date">
          {Object.entries(filters).map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />)}
          <div>
            <label htmlFor="f-at" className={label}>Jump to date</label>
            <input id="f-at" name="at" type="date" defaultValue={query.at ?? ""} className={inputClass} />
          </div>
          <button type="submit" className={buttonClass.secondary}>Go</button>
        </form>
        <p data-testid="audit-count">
          {result.total} event{result.total === 1 ? "" : "s"}{Object.keys(filters).length ? " match the filters" : ""} · the exports hold exactly these, oldest first, with each event&apos;s hash and the chain head.
        </p>
      </div>
      {query.at && result.jumpedTo === null ? <div className="mb-4"><Alert tone="amber">No event on or before {query.at} matches the filters.</Alert></div> : null}
      {result.rows.length === 0 ? (
        <EmptyState icon={icons.audit("h-10 w-10")} title="No events match">Change or clear the filters to see more of the trail.</EmptyState>
      ) : (
        <>
          <Table caption="Audit events" head={["#", "Event", "Action", "When"]}>
            {result.rows.map((e) => {
              const broken = !chain.intact && e.seq >= chain.brokenAt.seq;
              const [before, ...after] = e.summary.split(e.subject.label);
              return (
                <tr key={e.id} id={`event-${e.seq}`} data-seq={e.seq} className={result.jumpedTo === e.seq ? "bg-amber-50" : ""}>
                  <Td className="tabular-nums text-slate-500">{e.seq}</Td>
                  <Td className="min-w-[18rem]">
                    <p className="text-slate-800" data-testid="event-summary">
                      <span className="font-medium">{e.actorLabel}</span>{" "}
                      {e.subject.path && after.length ? <>{before}<Link className="text-brand-700 hover:underline" href={`${base}/${e.subject.path}`}>{e.subject.label}</Link>{after.join(e.subject.label)}</> : e.summary}
                    </p>
                    <details className="mt-1 text-xs">
                      <summary className="cursor-pointer text-slate-500 hover:text-slate-800">Details and hash</summary>
                      <div className="mt-2 space-y-2 rounded-lg bg-slate-50 p-3">
                        <pre className="max-h-80 overflow-auto whitespace-pre-wrap break-all font-mono text-[11px] text-slate-700">{JSON.stringify(e.details, null, 2)}</pre>
                        <dl className="grid grid-cols-[5rem_1fr] gap-x-2 font-mono text-[11px] text-slate-600">
                          <dt className="font-sans text-slate-500">Subject</dt><dd className="break-all">{e.subjectType}{e.subjectId ? ` ${e.subjectId}` : ""}</dd>
                          <dt className="font-sans text-slate-500">Hash</dt><dd className="break-all">{e.hash}</dd>
                          <dt className="font-sans text-slate-500">Previous</dt><dd className="break-all">{e.prevHash}</dd>
                        </dl>
                      </div>
                    </details>
                  </Td>
                  <Td className="text-xs">
                    <Badge tone={broken ? "red" : "indigo"}>{e.action}</Badge>
                    {e.subjectId ? <Link className="mt-1 block text-slate-500 hover:underline" href={qs({ subject: `${e.subjectType}:${e.subjectId}` })}>only this {e.subjectType.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}</Link> : null}
                  </Td>
                  <Td className="whitespace-nowrap text-xs">{formatDateTime(e.createdAt)}</Td>
                </tr>
              );
            })}
          </Table>
          <div className="mt-4 flex items-center justify-between text-sm text-slate-600">
            <span>Page {result.page} of {result.pages}</span>
            <span className="flex gap-2">
              {result.page > 1 ? <Link className={buttonClass.secondary} href={qs({ page: String(result.page - 1) })}>Newer</Link> : null}
              {result.page < result.pages ? <Link className={buttonClass.secondary} href={qs({ page: String(result.page + 1) })}>Older</Link> : null}
            </span>
          </div>
        </>
      )}
      <p className="mt-6 text-xs text-slate-500">
        Verify an export offline with <code className="rounded bg-slate-100 px-1 text-slate-700">npm run audit:verify -- bulwark-{ctx.team.slug}-audit-….jsonl</code>: it recomputes every event&apos;s hash and the links between them and names the first event that fails (docs/audit.md).
      </p>
    </>
  );
}
