"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { ButtonForm, SelectField, ServerActionForm } from "@/app/_components/form-fields";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { PersonFields } from "@/app/_components/person-fields";
import { addMemberAction, changeRoleAction, removeMemberAction } from "./actions";

const ROLE_OPTIONS = [
  ["VIEWER", "Auditor (read-only)"],
  ["ENGINEER", "ML engineer"],
  ["REVIEWER", "Compliance reviewer"],
  ["ADMIN", "Admin"],
] as const;

export function AddMemberForm({ team }: { team: string }) {
  return (
    <ServerActionForm action={addMemberAction.bind(null, team)} title="Add a member" label="Add a member">
      {({ values: v, errors: fe, pending }) => (
        <>
          <div className="grid gap-4 sm:grid-cols-2">
            <PersonFields id="m" names={{ email: "email", name: "name", password: "password" }} v={v} fe={fe}>
              <SelectField label="Role" id="m-role" name="role" error={fe.role} defaultValue={v.role ?? "VIEWER"} options={ROLE_OPTIONS} />
            </PersonFields>
          </div>
          <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Adding…" : "Add member"}</button>
        </>
      )}
    </ServerActionForm>
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
  return (
    <ButtonForm action={removeMemberAction.bind(null, team)} fields={{ membershipId }} confirm={`Remove ${label} from this team?`}>
      {(pending) => <button type="submit" disabled={pending} className={buttonClass.danger} aria-label={`Remove ${label}`}>Remove</button>}
    </ButtonForm>
  );
}
