"use client";

import { useActionState, type InputHTMLAttributes, type ReactNode } from "react";
import type { ActionState } from "@/app/_lib/action";
import { useFormAction } from "./use-form-action";
import { Alert, Card, Field, inputClass } from "./ui";

// Form pieces the team pages share: the form around a useFormAction (remounted with each answer, the
// answer's message on top), the same in a card of its own, a labelled input and select, the one-button row form (Remove, Revoke…) and the
// one-line note form about a record (revoke with a reason, acknowledge with a note).

/**
 * A form wired to useFormAction: `key` remounts it after each answer (so its fields show the submitted
 * values after an error, the page's after a success) and the answer's message shows above the fields.
 */
export function ActionForm({ form, label, className = "space-y-4", children }: { form: ReturnType<typeof useFormAction>; label: string; className?: string; children: ReactNode }) {
  return (
    <form key={form.key} action={form.formAction} className={className} aria-label={label}>
      {form.state?.message ? <Alert tone={form.state.ok ? "green" : "red"}>{form.state.message}</Alert> : null}
      {children}
    </form>
  );
}

/**
 * A card holding one ActionForm with its own useFormAction, for a form that needs the answer only inside:
 * `children` gets it (the submitted values after a refusal, the field errors, whether it is running).
 */
export function ServerActionForm({ action, title, label, className, children }: {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  /** The card's heading. */
  title: string;
  /** The form's accessible name. */
  label: string;
  className?: string;
  children: (form: ReturnType<typeof useFormAction>) => ReactNode;
}) {
  const form = useFormAction(action);
  return (
    <Card title={title}>
      <ActionForm form={form} label={label} className={className}>{children(form)}</ActionForm>
    </Card>
  );
}

/** A labelled input; other attributes (inputMode, placeholder, aria-invalid…) go to the input as given. */
export function TextField({ label, id, error, hint, ...input }: { label: string; id: string; name: string; error?: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} htmlFor={id} error={error} hint={hint}>
      <input id={id} className={inputClass} {...input} />
    </Field>
  );
}

type Option = string | readonly [value: string, label: string] | { id: string; label: string };

/** A labelled select; an option is a value that is its own label, a [value, label] pair or a record's { id, label }. */
export function SelectField({ label, id, name, error, hint, defaultValue, options }: { label: string; id: string; name: string; error?: string; hint?: string; defaultValue?: string; options: readonly Option[] }) {
  return (
    <Field label={label} htmlFor={id} error={error} hint={hint}>
      <select id={id} name={name} defaultValue={defaultValue} className={inputClass}>
        {options.map((o) => {
          const [value, text] = typeof o === "string" ? [o, o] : "id" in o ? [o.id, o.label] : o;
          return <option key={value} value={value}>{text}</option>;
        })}
      </select>
    </Field>
  );
}

/**
 * A row's one-button form: hidden fields naming the record, a confirmation question when the step is
 * destructive, and the action's error next to the button.
 */
export function ButtonForm({ action: bound, fields, confirm: question, className = "flex items-center gap-2", children }: {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  fields: Record<string, string>;
  confirm?: string;
  className?: string;
  /** The button, given whether the action is running. */
  children: (pending: boolean) => ReactNode;
}) {
  const [state, action, pending] = useActionState<ActionState, FormData>(bound, null);
  return (
    <form action={action} onSubmit={question ? (e) => { if (!confirm(question)) e.preventDefault(); } : undefined} className={className}>
      {Object.entries(fields).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)}
      {children(pending)}
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}

/**
 * A one-line form about one record: its id hidden, one text field (labelled for screen readers; the
 * submitted text comes back after a refusal) and what `children` puts after it (the button, the answer).
 */
export function NoteForm({ action: bound, label, record: [idName, id], field: { label: fieldLabel, ...input }, className, children }: {
  action: (prev: ActionState, form: FormData) => Promise<ActionState>;
  /** The form's accessible name. */
  label: string;
  /** The hidden field naming the record: [name, id]. */
  record: [string, string];
  field: { id: string; name: string; label: string } & InputHTMLAttributes<HTMLInputElement>;
  className: string;
  children: (form: ReturnType<typeof useFormAction>) => ReactNode;
}) {
  const form = useFormAction(bound);
  return (
    <form key={form.key} action={form.formAction} className={className} aria-label={label}>
      <input type="hidden" name={idName} value={id} />
      <label htmlFor={input.id} className="sr-only">{fieldLabel}</label>
      <input defaultValue={form.values[input.name]} {...input} />
      {children(form)}
    </form>
  );
}
