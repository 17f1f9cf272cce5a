"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { createTokenAction, revokeTokenAction } from "./actions";

const ROLES = [
  ["VIEWER", "Auditor (read-only)"],
  ["ENGINEER", "ML engineer (evaluate, upload)"],
  ["REVIEWER", "Compliance reviewer"],
  ["ADMIN", "Admin"],
] as const;

export function CreateTokenForm({ team }: { team: string }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction<NonNullable<ActionState> & { secret?: string }>(createTokenAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-4" aria-label="Create an API token">
      {state?.message && !state.ok ? <Alert>{state.message}</Alert> : null}
      {state?.ok && state.secret ? (
        <Alert tone="green">
          <p className="font-medium">{state.message}</p>
          <code className="mt-2 block select-all break-all rounded bg-white px-2 py-1.5 font-mono text-xs text-slate-900" data-testid="token-secret">{state.secret}</code>
          <p className="mt-1 text-xs">Use it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
        </Alert>
      ) : null}
      <div className="grid gap-4 md:grid-cols-3">
        <Field label="Name" htmlFor="t-name" error={fe.name}>
          <input id="t-name" name="name" defaultValue={v.name} placeholder="github-actions" className={inputClass} />
        </Field>
        <Field label="Role" htmlFor="t-role" error={fe.role} hint="At most your own role.">
          <select id="t-role" name="role" defaultValue={v.role ?? "ENGINEER"} className={inputClass}>
            {ROLES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </Field>
        <Field label="Expires after (days)" htmlFor="t-exp" error={fe.expiresInDays}>
          <input id="t-exp" name="expiresInDays" inputMode="numeric" defaultValue={v.expiresInDays ?? "90"} className={inputClass} />
        </Field>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Creating…" : "Create token"}</button>
    </form>
  );
}

export function RevokeButton({ team, id, name }: { team: string; id: string; name: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(revokeTokenAction.bind(null, team), null);
  return (
    <form action={action} onSubmit={(e) => { if (!confirm(`Revoke the token "${name}"? Pipelines using it stop working at once.`)) e.preventDefault(); }} className="flex items-center gap-2">
      <input type="hidden" name="tokenId" value={id} />
      <button type="submit" disabled={pending} className={buttonClass.danger} aria-label={`Revoke ${name}`}>Revoke</button>
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}
