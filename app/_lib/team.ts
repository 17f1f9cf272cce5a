import { notFound } from "next/navigation";
import { getSessionUser, requireUser, type SessionUser } from "@/lib/auth/session";
import { can, type Action } from "@/lib/auth/permissions";
import { getTeamContext, type TeamContext } from "@/lib/teams/access";
import { getInstanceAdmin, type InstanceAdmin } from "@/lib/teams/instance";
import { NotFoundError } from "@/lib/errors";
import { controlCharacterIn } from "@/lib/security/control-chars";

// The one session → membership → role lookup for every page, layout, server action and route handler
// under /t/[team] (API operations have theirs in endpoint()). A signed-out visitor, a team the user is
// not a member of (answered exactly like one that does not exist) and a role that may not act each
// get one answer here, so no entry point repeats the sequence. getSessionUser and getTeamContext are
// cached per request, so a layout and its page asking both cost one look-up.

export type TeamAccess =
  | { ok: true; ctx: TeamContext; user: SessionUser }
  | { ok: false; status: 401 | 403 | 404; message: string };

export const SESSION_ENDED = "Your session has ended. Sign in again.";
export const ROLE_REFUSED = "Your role in this team does not allow this action.";

/** The caller's access to the team in the address, checked for `action` when one is given. */
export async function teamAccess(teamSlug: string, action?: Action): Promise<TeamAccess> {
  const user = await getSessionUser();
  if (!user) return { ok: false, status: 401, message: SESSION_ENDED };
  try {
    const ctx = await getTeamContext(user, String(teamSlug));
    if (action && !can(ctx.role, action)) return { ok: false, status: 403, message: ROLE_REFUSED };
    return { ok: true, ctx, user };
  } catch (e) {
    if (e instanceof NotFoundError) return { ok: false, status: 404, message: e.message };
    throw e;
  }
}

/** For pages under /t/[team]: the context and the signed-in user, the sign-in page when signed out, else the 404 page. */
export async function teamPageAccess(params: Promise<{ team: string }>): Promise<{ ctx: TeamContext; user: SessionUser }> {
  const { team } = await params;
  const access = await teamAccess(team);
  if (access.ok) return { ctx: access.ctx, user: access.user };
  if (access.status === 401) await requireUser(); // redirects to sign-in, back to this page afterwards
  notFound();
}

/** For pages under /t/[team]: the signed-in user's context in that team, or the 404 page. */
export async function teamPage(params: Promise<{ team: string }>): Promise<TeamContext> {
  return (await teamPageAccess(params)).ctx;
}

/** What Next.js hands a model's sub-page that works on one version (/t/[team]/models/[modelId]/harden?v=3). */
export type ModelVersionPageProps = { params: Promise<{ team: string; modelId: string }>; searchParams: Promise<{ v?: string }> };

/** For a model's sub-pages: the team context, the model id and the version asked for (undefined when `v` is
 * missing or not a positive integer: the page then takes the latest). */
export async function modelVersionPage({ params, searchParams }: ModelVersionPageProps): Promise<{ ctx: TeamContext; modelId: string; version: number | undefined }> {
  const ctx = await teamPage(params);
  const { modelId } = await params;
  const n = Number((await searchParams).v);
  return { ctx, modelId, version: Number.isSafeInteger(n) && n > 0 ? n : undefined };
}

/** For pages: what `load` finds, or the 404 page when lib says the record does not exist in this team. */
export async function orNotFound<T>(load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
}

export type InstanceAdminAccess = { ok: true; ctx: InstanceAdmin; user: SessionUser } | { ok: false; status: 401 | 404; message: string };

/** The caller as an instance administrator (/admin). Anyone else gets the answer of a page that does not exist. */
export async function instanceAdminAccess(): Promise<InstanceAdminAccess> {
  const user = await getSessionUser();
  if (!user) return { ok: false, status: 401, message: SESSION_ENDED };
  try {
    return { ok: true, ctx: await getInstanceAdmin(user), user };
  } catch (e) {
    if (e instanceof NotFoundError) return { ok: false, status: 404, message: e.message };
    throw e;
  }
}

/** For pages under /admin: the sign-in page when signed out, the 404 page for everyone but instance admins. */
export async function instanceAdminPage(): Promise<{ ctx: InstanceAdmin; user: SessionUser }> {
  const access = await instanceAdminAccess();
  if (access.ok) return { ctx: access.ctx, user: access.user };
  if (access.status === 401) await requireUser();
  notFound();
}

/** Ids bound into an action or route from the address: a client can send any, and one with a control character names nothing. */
export function badBoundId(ids: unknown[]): boolean {
  return ids.some((id) => typeof id !== "string" || controlCharacterIn(id));
}
