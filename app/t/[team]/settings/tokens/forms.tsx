"use client";

import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { ButtonForm, SelectField, TextField } from "@/app/_components/form-fields";
import { Alert, buttonClass } from "@/app/_components/ui";
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
        <TextField label="Name" id="t-name" name="name" error={fe.name} defaultValue={v.name} placeholder="github-actions" />
        <SelectField label="Role" id="t-role" name="role" error={fe.role} hint="At most your own role." defaultValue={v.role ?? "ENGINEER"} options={ROLES} />
        <TextField label="Expires after (days)" id="t-exp" name="expiresInDays" error={fe.expiresInDays} inputMode="numeric" defaultValue={v.expiresInDays ?? "90"} />
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Creating…" : "Create token"}</button>
    </form>
  );
}

export function RevokeButton({ team, id, name }: { team: string; id: string; name: string }) {
  return (
    <ButtonForm action={revokeTokenAction.bind(null, team)} fields={{ tokenId: id }} confirm={`Revoke the token "${name}"? Pipelines using it stop working at once.`}>
      {(pending) => <button type="submit" disabled={pending} className={buttonClass.danger} aria-label={`Revoke ${name}`}>Revoke</button>}
    </ButtonForm>
  );
}
