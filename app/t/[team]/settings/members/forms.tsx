"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { addMemberAction, changeRoleAction, removeMemberAction } from "./actions";

const ROLE_OPTIONS = [
  ["VIEWER", "Auditor (read-only)"],
  ["ENGINEER", "ML engineer"],
  ["REVIEWER", "Compliance reviewer"],
  ["ADMIN", "Admin"],
] as const;

export function AddMemberForm({ team }: { team: string }) {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(addMemberAction.bind(null, team));
  return (
    <form key={key} action={action} className="space-y-4" aria-label="Add a member">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="E-mail" htmlFor="m-email" error={fe.email}>
          <input id="m-email" name="email" type="email" defaultValue={v.email} required className={inputClass} aria-invalid={Boolean(fe.email)} />
        </Field>
        <Field label="Name" htmlFor="m-name" error={fe.name}>
          <input id="m-name" name="name" defaultValue={v.name} required className={inputClass} aria-invalid={Boolean(fe.name)} />
        </Field>
        <Field label="Role" htmlFor="m-role" error={fe.role}>
          <select id="m-role" name="role" defaultValue={v.role ?? "VIEWER"} className={inputClass}>
            {ROLE_OPTIONS.map(([v, l]) => (
              <option key={v} value={v}>{l}</option>
            ))}
          </select>
        </Field>
        <Field label="Initial password" htmlFor="m-password" error={fe.password} hint="Only for people without a Bulwark account; at least 12 characters. Share it with them privately.">
          <input id="m-password" name="password" type="password" autoComplete="new-password" className={inputClass} aria-invalid={Boolean(fe.password)} />
        </Field>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.primary}>
        {pending ? "Adding…" : "Add member"}
      </button>
    </form>
  );
}

export function RoleSelect({ team, membershipId, role, label }: { team: string; membershipId: string; role: string; label: string }) {
  const { state, formAction: action, pending, key, values: v } = useFormAction(changeRoleAction.bind(null, team));
  return (
    <form key={key} action={action} className="flex items-center gap-2">
      <input type="hidden" name="membershipId" value={membershipId} />
      <label className="sr-only" htmlFor={`role-${membershipId}`}>Role of {label}</label>
      <select id={`role-${membershipId}`} name="role" defaultValue={v.role ?? role} className={`${inputClass} w-48 py-1.5`}>
        {ROLE_OPTIONS.map(([v, l]) => (
          <option key={v} value={v}>{l}</option>
        ))}
      </select>
      <button type="submit" disabled={pending} className={buttonClass.secondary + " py-1.5"}>Save</button>
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}

export function RemoveButton({ team, membershipId, label }: { team: string; membershipId: string; label: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(removeMemberAction.bind(null, team), null);
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!confirm(`Remove ${label} from this team?`)) e.preventDefault();
      }}
      className="flex items-center gap-2"
    >
      <input type="hidden" name="membershipId" value={membershipId} />
      <button type="submit" disabled={pending} className={buttonClass.danger} aria-label={`Remove ${label}`}>Remove</button>
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}
