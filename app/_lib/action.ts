import type { z } from "zod";
import type { TeamContext } from "@/lib/teams/access";
import type { Action } from "@/lib/auth/permissions";
import { fieldErrorsFromZod, NotFoundError, toAppError } from "@/lib/errors";
import { formControlCharacterErrors } from "@/lib/security/control-chars";
import { badBoundId, teamAccess } from "./team";

export type ActionState = {
  ok: boolean;
  message?: string;
  fieldErrors?: Record<string, string>;
  /** What was submitted (secrets removed), so a form keeps its values when it shows errors. */
  values?: Record<string, string>;
} | null;

function echoValues(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  // A repeated name (ticked checkboxes sharing one name) keeps every value, comma-separated.
  for (const [k, v] of formData) if (typeof v === "string" && !/password|secret|token/i.test(k) && !k.startsWith("$")) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

/**
 * The shape of every server action: the user's team (404 for non-members) and role are checked before
 * the form is even read, so outsiders and read-only roles learn nothing from validation messages; then
 * the form is parsed with the lib's zod schema and lib is called (which checks the role again).
 */
export async function teamAction<S extends z.ZodType>(
  teamSlug: string,
  action: Action,
  schema: S,
  formData: FormData,
  run: (ctx: TeamContext, input: z.infer<S>) => Promise<string | void>,
  /** Ids bound into the action from the page's address; a client can send any, and one with a control character names nothing. */
  boundIds: string[] = [],
): Promise<ActionState> {
  try {
    if (badBoundId(boundIds)) throw new NotFoundError();
    const access = await teamAccess(teamSlug, action);
    if (!access.ok) return { ok: false, message: access.message };
    const { ctx } = access;
    const form = Object.fromEntries(formData instanceof FormData ? formData : []);
    const controlErrors = formControlCharacterErrors(form);
    if (controlErrors) return { ok: false, message: "Some fields need attention.", fieldErrors: controlErrors, values: formData instanceof FormData ? echoValues(formData) : {} };
    const parsed = schema.safeParse(form);
    if (!parsed.success) {
      return { ok: false, message: "Some fields need attention.", fieldErrors: fieldErrorsFromZod(parsed.error.issues), values: formData instanceof FormData ? echoValues(formData) : {} };
    }
    const message = await run(ctx, parsed.data);
    return { ok: true, message: message ?? "Saved." };
  } catch (e) {
    const values = formData instanceof FormData ? echoValues(formData) : {};
    const known = toAppError(e);
    if (known) return { ok: false, message: known.message, fieldErrors: known.fieldErrors, values };
    console.error(e);
    return { ok: false, message: "Something went wrong on our side; nothing was changed. Try again.", values };
  }
}
