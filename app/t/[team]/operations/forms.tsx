"use client";

import { useActionState, type ReactNode } from "react";
import type { ActionState } from "@/app/_lib/action";
import type { useFormAction } from "@/app/_components/use-form-action";
import { SelectField, ServerActionForm, TextField } from "@/app/_components/form-fields";
import { buttonClass, Field, inputClass } from "@/app/_components/ui";
import { createEnvironmentAction, overrideAction, promoteAction, rollbackAction } from "./actions";

export function EnvironmentForm({ team }: { team: string }) {
  return (
    <ServerActionForm action={createEnvironmentAction.bind(null, team)} title="New environment" label="New environment">
      {({ values: v, errors: fe, pending }) => (
        <>
          <div className="grid gap-4 md:grid-cols-2">
            <TextField label="Name" id="env-name" name="name" error={fe.name} hint="e.g. staging or production" defaultValue={v.name ?? ""} />
            <TextField label="Description" id="env-desc" name="description" error={fe.description} defaultValue={v.description ?? ""} />
          </div>
          <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Creating…" : "Create environment"}</button>
        </>
      )}
    </ServerActionForm>
  );
}

type Opt = { id: string; label: string };

type GateFormProps = { team: string; modelId: string; versions: Opt[]; environments: string[] };

/**
 * A decision about one version in one environment (promote it, or override its failing gate): the version and
 * environment selects (ids prefixed: "p-version", "o-env"), then the decision's own `fields` and button.
 */
function GateDecisionForm({ action, title, label, prefix, versionLabel, versions, environments, fields }: Omit<GateFormProps, "team" | "modelId"> & {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  title: string;
  label: string;
  prefix: string;
  versionLabel: string;
  fields: (form: ReturnType<typeof useFormAction>) => { beside: ReactNode; below: ReactNode };
}) {
  return (
    <ServerActionForm action={action} title={title} label={label}>
      {(form) => {
        const { values: v, errors: fe } = form;
        const { beside, below } = fields(form);
        return (
          <>
            <div className="grid gap-4 md:grid-cols-3">
              <SelectField label={versionLabel} id={`${prefix}-version`} name="modelVersionId" error={fe.modelVersionId} defaultValue={v.modelVersionId} options={versions} />
              <SelectField label="Environment" id={`${prefix}-env`} name="environment" error={fe.environment} defaultValue={v.environment} options={environments} />
              {beside}
            </div>
            {below}
          </>
        );
      }}
    </ServerActionForm>
  );
}

export function PromoteForm({ team, modelId, ...choices }: GateFormProps) {
  return (
    <GateDecisionForm action={promoteAction.bind(null, team, modelId)} title="Promote a version" label="Promote a version" prefix="p" versionLabel="Version" {...choices} fields={({ values: v, errors: fe, pending }) => ({
      beside: <TextField label="Note (optional)" id="p-note" name="note" error={fe.note} defaultValue={v.note ?? ""} />,
      below: <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Checking the gate…" : "Promote"}</button>,
    })} />
  );
}

export function OverrideForm({ team, modelId, ...choices }: GateFormProps) {
  return (
    <GateDecisionForm action={overrideAction.bind(null, team, modelId)} title="Override a failing gate (reviewer)" label="Override a failing gate" prefix="o" versionLabel="Version (failing gate)" {...choices} fields={({ values: v, errors: fe, pending }) => ({
      beside: <TextField label="Expires after (days)" id="o-days" name="expiresInDays" error={fe.expiresInDays} hint="1 to 90" inputMode="numeric" defaultValue={v.expiresInDays ?? "14"} />,
      below: (
        <>
          <Field label="Reason" htmlFor="o-reason" error={fe.reason} hint="Why the failing checks are accepted, and what mitigates them">
            <textarea id="o-reason" name="reason" rows={2} defaultValue={v.reason ?? ""} className={inputClass} />
          </Field>
          <button type="submit" disabled={pending} className={buttonClass.secondary}>{pending ? "Recording…" : "Record override"}</button>
        </>
      ),
    })} />
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
