"use client";

import { useFormAction } from "@/app/_components/use-form-action";
import { buttonClass, Field, inputClass } from "@/app/_components/ui";
import { ActionForm } from "@/app/_components/form-fields";
import { PersonFields } from "@/app/_components/person-fields";
import { createTeamAction } from "./actions";

export function CreateTeamForm() {
  const form = useFormAction(createTeamAction);
  const { values: v, errors: fe } = form;
  return (
    <ActionForm form={form} label="Create a team" className="space-y-5">
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
      <button type="submit" disabled={form.pending} className={buttonClass.primary}>
        {form.pending ? "Creating…" : "Create team"}
      </button>
    </ActionForm>
  );
}
