"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { Alert, buttonClass, Field, inputClass } from "@/app/_components/ui";
import { PersonFields } from "@/app/_components/person-fields";
import { createTeamAction } from "./actions";

export function CreateTeamForm() {
  const { state, formAction: action, pending, key, values: v, errors: fe } = useFormAction(createTeamAction);
  return (
    <form key={key} action={action} className="space-y-5" aria-label="Create a team">
      {state?.message ? <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert> : null}
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-medium text-slate-800">The team</legend>
        <Field label="Team name" htmlFor="t-name" error={fe.name}>
          <input id="t-name" name="name" defaultValue={v.name} required maxLength={120} className={inputClass} aria-invalid={Boolean(fe.name)} />
        </Field>
        <Field label="Address" htmlFor="t-slug" error={fe.slug} hint="Its pages live at /t/<address>/. 1–40 lowercase letters, digits or hyphens; it cannot be changed later.">
          <input id="t-slug" name="slug" defaultValue={v.slug} required maxLength={40} pattern="[a-zA-Z0-9-]*" className={inputClass} aria-invalid={Boolean(fe.slug)} />
        </Field>
      </fieldset>
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-medium text-slate-800">Its first admin</legend>
        <PersonFields id="t-admin" names={{ email: "adminEmail", name: "adminName", password: "adminPassword" }} labels={{ email: "Admin e-mail", name: "Admin name" }} v={v} fe={fe} />
      </fieldset>
      <button type="submit" disabled={pending} className={buttonClass.primary}>
        {pending ? "Creating…" : "Create team"}
      </button>
    </form>
  );
}
