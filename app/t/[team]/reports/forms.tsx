"use client";

import { useState } from "react";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, Badge, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { approveReportAction, createReportAction, requestChangesAction, requestReviewAction, reviseReportAction, verifyAction, type VerifyState } from "./actions";

type CreateReportProps = { team: string; /** A report of this team is queued or rendering (the list refreshes itself until none is). */ generating: boolean; models: { id: string; label: string }[]; frameworks: { id: string; name: string }[]; defaultFrameworks: string[] };

export function CreateReportForm(props: CreateReportProps) {
  const form = useFormAction(createReportAction.bind(null, props.team));
  // Keyed by the answer: after an error the scope, ticked models and frameworks start again from what was submitted.
  return <CreateReportFields key={form.key} {...props} form={form} />;
}

function CreateReportFields({ models, frameworks, defaultFrameworks, generating, form: { state, formAction: action, pending, failed, values: v, errors: fe } }: CreateReportProps & { form: ReturnType<typeof useFormAction> }) {
  const [scope, setScope] = useState<"all" | "some">(v.scope === "some" ? "some" : "all");
  const frameworkTicked = (id: string) => (failed ? v[`framework:${id}`] === "on" : defaultFrameworks.includes(id));
  return (
    <form action={action} className="space-y-4" aria-label="New report">
      {/* "R-n is being generated" holds only until the list shows its draft. */}
      {state?.message && (!state.ok || generating) ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <Field label="Title" htmlFor="rep-title" error={fe.title} hint="Optional; shown on the cover.">
        <input id="rep-title" name="title" defaultValue={v.title} maxLength={160} placeholder="Robustness audit report — Q4" className={inputClass} />
      </Field>
      <fieldset>
        <legend className="mb-1 block text-sm font-medium text-slate-700">Models</legend>
        <div className="flex flex-wrap gap-4 text-sm text-slate-700">
          <label className="inline-flex items-center gap-2"><input type="radio" name="scope" value="all" checked={scope === "all"} onChange={() => setScope("all")} /> All models</label>
          <label className="inline-flex items-center gap-2"><input type="radio" name="scope" value="some" checked={scope === "some"} onChange={() => setScope("some")} /> Some models</label>
        </div>
        {scope === "some" ? (
          <div className="mt-2 grid gap-1 sm:grid-cols-2">
            {models.map((m) => (
              <label key={m.id} className="inline-flex items-center gap-2 text-sm text-slate-700"><input type="checkbox" name={`model:${m.id}`} defaultChecked={v[`model:${m.id}`] === "on"} /> {m.label}</label>
            ))}
          </div>
        ) : null}
        {fe.modelIds ? <p className="mt-1 text-sm text-rose-700" role="alert">{fe.modelIds}</p> : null}
      </fieldset>
      <fieldset>
        <legend className="mb-1 block text-sm font-medium text-slate-700">Frameworks</legend>
        <div className="grid gap-1 sm:grid-cols-2">
          {frameworks.map((f) => (
            <label key={f.id} className="inline-flex items-center gap-2 text-sm text-slate-700"><input type="checkbox" name={`framework:${f.id}`} defaultChecked={frameworkTicked(f.id)} /> {f.name}</label>
          ))}
        </div>
        {fe.frameworks ? <p className="mt-1 text-sm text-rose-700" role="alert">{fe.frameworks}</p> : null}
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Evaluations from" htmlFor="rep-from" error={fe.periodFrom} hint="Optional: leave empty for no lower bound.">
          <input id="rep-from" name="periodFrom" type="date" defaultValue={v.periodFrom} className={inputClass} />
        </Field>
        <Field label="Evaluations until" htmlFor="rep-to" error={fe.periodTo} hint="Optional: leave empty for up to now.">
          <input id="rep-to" name="periodTo" type="date" defaultValue={v.periodTo} className={inputClass} />
        </Field>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Queuing…" : "Generate report"}</button>
    </form>
  );
}

/** The reviewer's decision on a draft: approve with an optional comment. */
export function ApproveForm({ team, reportId, snapshotSha256, label, blockedReason }: { team: string; reportId: string; snapshotSha256: string; label: string; blockedReason?: string | null }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(approveReportAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-3" aria-label={`Approve ${label}`}>
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <input type="hidden" name="reportId" value={reportId} />
      <input type="hidden" name="snapshotSha256" value={snapshotSha256} />
      <p className="text-sm text-slate-600">
        Approving binds snapshot <code className="break-all text-xs">{snapshotSha256}</code> and the draft&apos;s hash to your name in the audit log, and renders the approved edition with the sign-off page.
      </p>
      <Field label="Comment" htmlFor={`approve-comment-${reportId}`} error={fe.comment} hint="Optional: recorded with the approval and printed on the sign-off page.">
        <textarea id={`approve-comment-${reportId}`} name="comment" rows={3} maxLength={2000} defaultValue={v.comment} disabled={Boolean(blockedReason)} className={inputClass} />
      </Field>
      {blockedReason ? <p id="approve-blocked" className="text-sm text-amber-800" data-testid="approve-blocked">{blockedReason}</p> : null}
      <button type="submit" disabled={pending || Boolean(blockedReason)} aria-describedby={blockedReason ? "approve-blocked" : undefined} className={buttonClass.primary}>{pending ? "Approving…" : `Approve ${label}`}</button>
    </form>
  );
}

/** The reviewer's other answer: send the draft back to its author with a reason. */
export function RequestChangesForm({ team, reportId, snapshotSha256, label, author, blockedReason }: { team: string; reportId: string; snapshotSha256: string; label: string; author: string; blockedReason?: string | null }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(requestChangesAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-3" aria-label={`Request changes to ${label}`}>
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <input type="hidden" name="reportId" value={reportId} />
      <input type="hidden" name="snapshotSha256" value={snapshotSha256} />
      <Field label="What needs to change" htmlFor={`changes-reason-${reportId}`} error={fe.reason} hint={`Shown to ${author} and recorded in the audit log.`}>
        <textarea id={`changes-reason-${reportId}`} name="reason" rows={3} maxLength={2000} required minLength={10} defaultValue={v.reason} disabled={Boolean(blockedReason)} aria-invalid={fe.reason ? true : undefined} className={inputClass} />
      </Field>
      <button type="submit" disabled={pending || Boolean(blockedReason)} className={buttonClass.danger}>{pending ? "Sending back…" : "Request changes"}</button>
    </form>
  );
}

/** The author (or another engineer) asks a named member to review the report. */
export function RequestReviewForm({ team, reportId, label, current, candidates }: { team: string; reportId: string; label: string; current: string | null; candidates: { id: string; label: string }[] }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(requestReviewAction.bind(null, team));
  if (candidates.length === 0) return <p className="text-sm text-slate-600">Nobody else in this team may approve reports yet: an admin can give a member the compliance reviewer role.</p>;
  return (
    <form key={key} action={action} className="space-y-3" aria-label={`Ask for a review of ${label}`}>
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <input type="hidden" name="reportId" value={reportId} />
      <Field label="Reviewer" htmlFor={`reviewer-${reportId}`} error={fe.reviewerId} hint="They get a notice in Bulwark, and the team webhook gets report.review_requested.">
        <select id={`reviewer-${reportId}`} name="reviewerId" defaultValue={v.reviewerId ?? candidates.find((c) => c.label === current)?.id ?? ""} className={inputClass}>
          <option value="" disabled>Choose a reviewer…</option>
          {candidates.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
        </select>
      </Field>
      <button type="submit" disabled={pending} className={buttonClass.secondary}>{pending ? "Asking…" : current ? "Ask again" : "Ask for review"}</button>
    </form>
  );
}

/** After changes were requested: a new report with the same scope, back to the same reviewer. */
export function ReviseForm({ team, reportId, label, title }: { team: string; reportId: string; label: string; title: string }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(reviseReportAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-3" aria-label={`Revise ${label}`}>
      {state?.message && !state.ok ? <Alert>{state.message}</Alert> : null}
      <input type="hidden" name="reportId" value={reportId} />
      <Field label="Title of the revision" htmlFor={`revise-title-${reportId}`} error={fe.title} hint="The revision freezes the evidence as it is now, with the same models, frameworks and period.">
        <input id={`revise-title-${reportId}`} name="title" defaultValue={v.title ?? title} maxLength={160} className={inputClass} />
      </Field>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Queuing…" : "Revise and regenerate"}</button>
    </form>
  );
}

export function VerifyForm({ team }: { team: string }) {
  const { state, formAction: action, pending, key, values: v } = useFormAction<NonNullable<VerifyState>>(verifyAction.bind(null, team));
  const r = state?.result;
  return (
    <div className="space-y-5">
      <form key={key} action={action} className="grid gap-4 sm:grid-cols-2" aria-label="Verify a report">
        <Field label="PDF file" htmlFor="verify-file" hint="The file is hashed on the server and not kept.">
          <input id="verify-file" name="file" type="file" accept="application/pdf,.pdf" className="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm" />
        </Field>
        <Field label="…or its SHA-256" htmlFor="verify-sha" hint="64 hexadecimal characters, e.g. from sha256sum.">
          <input id="verify-sha" name="sha256" defaultValue={v.sha256} placeholder="e3b0c442…" className={`${inputClass} font-mono text-xs`} />
        </Field>
        <div className="sm:col-span-2">
          <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Checking…" : "Verify"}</button>
        </div>
      </form>
      {state && !state.ok ? <Alert>{state.message}</Alert> : null}
      {r ? (
        <section aria-label="Verification result" data-testid="verify-result" className="space-y-3">
          <Alert tone={r.match ? "green" : "red"}>
            <p className="font-semibold" data-testid="verify-verdict">{r.match ? "Matches a recorded report" : "Does not match any report"}</p>
            <p className="mt-1">{r.message}</p>
          </Alert>
          <dl className="grid grid-cols-1 gap-x-6 gap-y-2 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm sm:grid-cols-[12rem_1fr]">
            <dt className="font-medium text-slate-500">SHA-256 of what you gave</dt>
            <dd className="break-all font-mono text-xs text-slate-800">{r.sha256}</dd>
            {r.report ? (
              <>
                <dt className="font-medium text-slate-500">Report</dt>
                <dd><a className="text-brand-700 underline" href={`/t/${team}/reports/${r.report.id}`}>{r.report.label}</a> — {r.report.title}</dd>
                <dt className="font-medium text-slate-500">Edition</dt>
                <dd>{r.report.edition === "approved" ? "Approved edition" : "Draft edition"}</dd>
                <dt className="font-medium text-slate-500">Status</dt>
                <dd><Badge tone={r.report.status === "approved" ? "green" : "amber"}>{r.report.status}</Badge></dd>
                <dt className="font-medium text-slate-500">Approved by</dt>
                <dd>{r.report.approvedBy ? `${r.report.approvedBy} on ${r.report.approvedAt ? new Date(r.report.approvedAt).toISOString().replace("T", " ").slice(0, 16) + " UTC" : ""}` : "not approved"}</dd>
                <dt className="font-medium text-slate-500">Snapshot SHA-256</dt>
                <dd className="break-all font-mono text-xs">{r.report.snapshotSha256}</dd>
                <dt className="font-medium text-slate-500">In the audit log</dt>
                <dd>{r.report.recordedInAuditLog ? "yes: the audit log records this file's hash" : "no record of this hash in the audit log"}</dd>
              </>
            ) : null}
            <dt className="font-medium text-slate-500">Team audit chain</dt>
            <dd data-testid="verify-chain">{r.chain.intact ? `intact (${r.chain.count} events verified)` : `BROKEN at event #${r.chain.brokenAt.seq}: ${r.chain.brokenAt.reason}`}</dd>
          </dl>
        </section>
      ) : null}
    </div>
  );
}
