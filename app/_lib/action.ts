import { revalidatePath } from "next/cache";
import type { z } from "zod";
import type { TeamContext } from "@/lib/teams/access";
import type { Action } from "@/lib/auth/permissions";
import { fieldErrorsFromZod, NotFoundError, toAppError } from "@/lib/errors";
import { formControlCharacterErrors } from "@/lib/security/control-chars";
import type { InstanceAdmin } from "@/lib/teams/instance";
import { badBoundId, instanceAdminAccess, teamAccess } from "./team";

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
  return guardedAction(async () => {
    if (badBoundId(boundIds)) throw new NotFoundError();
    return teamAccess(teamSlug, action);
  }, schema, formData, run);
}

/** teamAction for /admin: only instance administrators get past the access check. */
export async function instanceAdminAction<S extends z.ZodType>(schema: S, formData: FormData, run: (ctx: InstanceAdmin, input: z.infer<S>) => Promise<string | void>): Promise<ActionState> {
  return guardedAction(instanceAdminAccess, schema, formData, run);
}

/** Access first, then control characters, the schema and the lib call; known errors become the form's message. */
async function guardedAction<C, S extends z.ZodType>(
  access: () => Promise<{ ok: true; ctx: C } | { ok: false; message: string }>,
  schema: S,
  formData: FormData,
  run: (ctx: C, input: z.infer<S>) => Promise<string | void>,
): Promise<ActionState> {
  try {
    const allowed = await access();
    if (!allowed.ok) return { ok: false, message: allowed.message };
    const form = Object.fromEntries(formData instanceof FormData ? formData : []);
    const controlErrors = formControlCharacterErrors(form);
    if (controlErrors) return { ok: false, message: "Some fields need attention.", fieldErrors: controlErrors, values: formData instanceof FormData ? echoValues(formData) : {} };
    const parsed = schema.safeParse(form);
    if (!parsed.success) {
      return { ok: false, message: "Some fields need attention.", fieldErrors: fieldErrorsFromZod(parsed.error.issues), values: formData instanceof FormData ? echoValues(formData) : {} };
    }
    const message = await run(allowed.ctx, parsed.data);
    return { ok: true, message: message ?? "Saved." };
  } catch (e) {
    const values = formData instanceof FormData ? echoValues(formData) : {};
    const known = toAppError(e);
    if (known) return { ok: false, message: known.message, fieldErrors: known.fieldErrors, values };
    console.error(e);
    return { ok: false, message: "Something went wrong on our side; nothing was changed. Try again.", values };
  }
}

/** What a form's server action tells the user: a fixed sentence, or one made from lib's result and the input. */
type Done<R, I> = string | ((result: R, input: I) => string);
const said = <R, I>(done: Done<R, I>, result: R, input: I) => (typeof done === "string" ? done : done(result, input));

/**
 * The usual server action of a team page's form, from its parts: the page it re-renders afterwards, the
 * permission and the lib's zod schema (checked by teamAction), the lib call, and what the user is told.
 * A "use server" file exports it: `export const removeMemberAction = formAction(MEMBERS, "member.manage", …)`.
 */
export function formAction<S extends z.ZodType, R>(page: (team: string) => string, action: Action, schema: S, call: (ctx: TeamContext, input: z.infer<S>) => Promise<R>, done: Done<R, z.infer<S>>) {
  return async (team: string, _prev: ActionState, formData: FormData): Promise<ActionState> => {
    const res = await teamAction(team, action, schema, formData, async (ctx, input) => said(done, await call(ctx, input), input));
    revalidatePath(page(team));
    return res;
  };
}

/** formAction for a form about one record whose id the page binds after the team (checked like teamAction's boundIds). */
export function recordFormAction<S extends z.ZodType, R>(page: (team: string, id: string) => string, action: Action, schema: S, call: (ctx: TeamContext, input: z.infer<S>, id: string) => Promise<R>, done: Done<R, z.infer<S>>) {
  return async (team: string, id: string, _prev: ActionState, formData: FormData): Promise<ActionState> => {
    const res = await teamAction(team, action, schema, formData, async (ctx, input) => said(done, await call(ctx, input, id), input), [id]);
    revalidatePath(page(team, id));
    return res;
  };
}
