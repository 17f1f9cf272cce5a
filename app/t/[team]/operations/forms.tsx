"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { createEnvironmentAction, overrideAction, promoteAction, rollbackAction } from "./actions";

export function EnvironmentForm({ team }: { team: string }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(createEnvironmentAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-4" aria-label="New environment">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="grid gap-4 md:grid-cols-2">
        <Field label="Name" htmlFor="env-name" error={fe.name} hint="e.g. staging or production">
          <input id="env-name" name="name" defaultValue={v.name ?? ""} className={inputClass} />
        </Field>
        <Field label="Description" htmlFor="env-desc" error={fe.description}>
          <input id="env-desc" name="description" defaultValue={v.description ?? ""} className={inputClass} />
        </Field>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Creating…" : "Create environment"}</button>
    </form>
  );
}

type Opt = { id: string; label: string };

export function PromoteForm({ team, modelId, versions, environments }: { team: string; modelId: string; versions: Opt[]; environments: string[] }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(promoteAction.bind(null, team, modelId));
  return (
    <form key={key} action={action} className="space-y-4" aria-label="Promote a version">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="grid gap-4 md:grid-cols-3">
        <Field label="Version" htmlFor="p-version" error={fe.modelVersionId}>
          <select id="p-version" name="modelVersionId" defaultValue={v.modelVersionId} className={inputClass}>
            {versions.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
        </Field>
        <Field label="Environment" htmlFor="p-env" error={fe.environment}>
          <select id="p-env" name="environment" defaultValue={v.environment} className={inputClass}>
            {environments.map((e) => <option key={e} value={e}>{e}</option>)}
          </select>
        </Field>
        <Field label="Note (optional)" htmlFor="p-note" error={fe.note}>
          <input id="p-note" name="note" defaultValue={v.note ?? ""} className={inputClass} />
        </Field>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Checking the gate…" : "Promote"}</button>
    </form>
  );
}

export function OverrideForm({ team, modelId, versions, environments }: { team: string; modelId: string; versions: Opt[]; environments: string[] }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(overrideAction.bind(null, team, modelId));
  return (
    <form key={key} action={action} className="space-y-4" aria-label="Override a failing gate">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="grid gap-4 md:grid-cols-3">
        <Field label="Version (failing gate)" htmlFor="o-version" error={fe.modelVersionId}>
          <select id="o-version" name="modelVersionId" defaultValue={v.modelVersionId} className={inputClass}>
            {versions.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
          </select>
        </Field>
        <Field label="Environment" htmlFor="o-env" error={fe.environment}>
          <select id="o-env" name="environment" defaultValue={v.environment} className={inputClass}>
            {environments.map((e) => <option key={e} value={e}>{e}</option>)}
          </select>
        </Field>
        <Field label="Expires after (days)" htmlFor="o-days" error={fe.expiresInDays} hint="1 to 90">
          <input id="o-days" name="expiresInDays" inputMode="numeric" defaultValue={v.expiresInDays ?? "14"} className={inputClass} />
        </Field>
      </div>
      <Field label="Reason" htmlFor="o-reason" error={fe.reason} hint="Why the failing checks are accepted, and what mitigates them">
        <textarea id="o-reason" name="reason" rows={2} defaultValue={v.reason ?? ""} className={inputClass} />
      </Field>
      <button type="submit" disabled={pending} className={buttonClass.secondary}>{pending ? "Recording…" : "Record override"}</button>
    </form>
  );
}

/** The rollback cell: the button when an earlier passing version exists; it keeps its message after the page refreshes. */
export function RollbackButton({ team, modelId, environment, from, to }: { team: string; modelId: string; environment: string; from: number; to: number | null }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(rollbackAction.bind(null, team, modelId), null);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" onSubmit={(e) => { if (!confirm(`Roll ${environment} back from v${from} to v${to}?`)) e.preventDefault(); }}>
      <input type="hidden" name="environment" value={environment} />
      <input type="hidden" name="modelId" value={modelId} />
      {to !== null ? (
        <button type="submit" disabled={pending} className={buttonClass.danger} aria-label={`Roll back ${environment} to v${to}`}>{pending ? "Rolling back…" : `Roll back to v${to}`}</button>
      ) : <span className="text-xs text-slate-500">no earlier passing version</span>}
      {state?.message ? <span role={state.ok ? "status" : "alert"} className={`text-xs ${state.ok ? "text-emerald-700" : "text-rose-700"}`}>{state.message}</span> : null}
    </form>
  );
}
