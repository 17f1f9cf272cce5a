"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { ActionForm, SelectField, TextField } from "@/app/_components/form-fields";
import { buttonClass, Field, inputClass } from "@/app/_components/ui";
import { createEnvironmentAction, overrideAction, promoteAction, rollbackAction } from "./actions";

export function EnvironmentForm({ team }: { team: string }) {
  const form = useFormAction(createEnvironmentAction.bind(null, team));
  const { values: v, errors: fe } = form;
  return (
    <ActionForm form={form} label="New environment">
      <div className="grid gap-4 md:grid-cols-2">
        <TextField label="Name" id="env-name" name="name" error={fe.name} hint="e.g. staging or production" defaultValue={v.name ?? ""} />
        <TextField label="Description" id="env-desc" name="description" error={fe.description} defaultValue={v.description ?? ""} />
      </div>
      <button type="submit" disabled={form.pending} className={buttonClass.primary}>{form.pending ? "Creating…" : "Create environment"}</button>
    </ActionForm>
  );
}

type Opt = { id: string; label: string };

/** The version and environment a promotion or an override is about (ids prefixed: "p-version", "o-env"). */
function VersionAndEnvironment({ prefix, versionLabel, versions, environments, v, fe }: { prefix: string; versionLabel: string; versions: Opt[]; environments: string[]; v: Record<string, string>; fe: Record<string, string | undefined> }) {
  return (
    <>
      <SelectField label={versionLabel} id={`${prefix}-version`} name="modelVersionId" error={fe.modelVersionId} defaultValue={v.modelVersionId} options={versions} />
      <SelectField label="Environment" id={`${prefix}-env`} name="environment" error={fe.environment} defaultValue={v.environment} options={environments} />
    </>
  );
}

export function PromoteForm({ team, modelId, versions, environments }: { team: string; modelId: string; versions: Opt[]; environments: string[] }) {
  const form = useFormAction(promoteAction.bind(null, team, modelId));
  const { values: v, errors: fe } = form;
  return (
    <ActionForm form={form} label="Promote a version">
      <div className="grid gap-4 md:grid-cols-3">
        <VersionAndEnvironment prefix="p" versionLabel="Version" versions={versions} environments={environments} v={v} fe={fe} />
        <TextField label="Note (optional)" id="p-note" name="note" error={fe.note} defaultValue={v.note ?? ""} />
      </div>
      <button type="submit" disabled={form.pending} className={buttonClass.primary}>{form.pending ? "Checking the gate…" : "Promote"}</button>
    </ActionForm>
  );
}

export function OverrideForm({ team, modelId, versions, environments }: { team: string; modelId: string; versions: Opt[]; environments: string[] }) {
  const form = useFormAction(overrideAction.bind(null, team, modelId));
  const { values: v, errors: fe } = form;
  return (
    <ActionForm form={form} label="Override a failing gate">
      <div className="grid gap-4 md:grid-cols-3">
        <VersionAndEnvironment prefix="o" versionLabel="Version (failing gate)" versions={versions} environments={environments} v={v} fe={fe} />
        <TextField label="Expires after (days)" id="o-days" name="expiresInDays" error={fe.expiresInDays} hint="1 to 90" inputMode="numeric" defaultValue={v.expiresInDays ?? "14"} />
      </div>
      <Field label="Reason" htmlFor="o-reason" error={fe.reason} hint="Why the failing checks are accepted, and what mitigates them">
        <textarea id="o-reason" name="reason" rows={2} defaultValue={v.reason ?? ""} className={inputClass} />
      </Field>
      <button type="submit" disabled={form.pending} className={buttonClass.secondary}>{form.pending ? "Recording…" : "Record override"}</button>
    </ActionForm>
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
