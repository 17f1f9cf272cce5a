import type { ReactNode } from "react";
import { Field, inputClass } from "./ui";

type Errors = Record<string, string | undefined>;

/**
 * The person being invited, as team admins add members and instance admins name a team's first admin:
 * e-mail, name, anything the form adds (a role), and the initial password for someone without an account.
 * `names` are the form's field names; values and errors are keyed by them.
 */
export function PersonFields({ id, names, labels = { email: "E-mail", name: "Name" }, v, fe, children }: {
  id: string;
  names: { email: string; name: string; password: string };
  labels?: { email: string; name: string };
  v: Record<string, string>;
  fe: Errors;
  children?: ReactNode;
}) {
  return (
    <>
      <Field label={labels.email} htmlFor={`${id}-email`} error={fe[names.email]} hint="Someone with a Bulwark account is linked as they are.">
        <input id={`${id}-email`} name={names.email} type="email" defaultValue={v[names.email]} required className={inputClass} aria-invalid={Boolean(fe[names.email])} />
      </Field>
      <Field label={labels.name} htmlFor={`${id}-name`} error={fe[names.name]}>
        <input id={`${id}-name`} name={names.name} defaultValue={v[names.name]} required maxLength={120} className={inputClass} aria-invalid={Boolean(fe[names.name])} />
      </Field>
      {children}
      <Field label="Initial password" htmlFor={`${id}-password`} error={fe[names.password]} hint="Only for people without a Bulwark account; at least 12 characters. Share it with them privately.">
        <input id={`${id}-password`} name={names.password} type="password" autoComplete="new-password" className={inputClass} aria-invalid={Boolean(fe[names.password])} />
      </Field>
    </>
  );
}
