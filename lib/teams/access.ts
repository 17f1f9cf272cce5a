import { cache } from "react";
import type { Role } from "../db/generated/enums";
import { db } from "../db/client";
import { can, type Action } from "../auth/permissions";
import { ForbiddenError, NotFoundError } from "../errors";
import { isSystem, type TeamContext, type TeamScope } from "./context";
import { controlCharacterIn } from "../security/control-chars";

export type { TeamContext } from "./context";

/**
 * The signed-in user's membership of a team, found inside the query. A team the user is not a member
 * of answers exactly as one that does not exist (404), so nothing reveals its existence.
 */
export const getTeamContext = cache(async (user: { id: string; email: string }, teamSlug: string): Promise<TeamContext> => {
  // A slug from the address with a control character (U+0000 would make the query fail) names no team.
  if (controlCharacterIn(teamSlug)) throw new NotFoundError("This team");
  const membership = (await listUserTeams(user.id)).find((t) => t.slug === teamSlug);
  if (!membership) throw new NotFoundError("This team");
  return { team: { id: membership.id, slug: membership.slug, name: membership.name }, role: membership.role, userId: user.id, actor: { userId: user.id, label: user.email } };
});

export function assertCan(ctx: { role: Role }, action: Action): void {
  if (!can(ctx.role, action)) throw new ForbiddenError();
}

/**
 * A member needs the permission. The system has no role: it acts only on the team's own standing orders
 * (a schedule a member set up, the demo seed), and its context says which (lib/teams/context.ts).
 */
export function assertScopeCan(scope: TeamScope, action: Action): void {
  if (!isSystem(scope)) assertCan(scope, action);
}

export async function requireTeam(user: { id: string; email: string }, teamSlug: string, action: Action = "team.read") {
  const ctx = await getTeamContext(user, teamSlug);
  assertCan(ctx, action);
  return ctx;
}

/**
 * The user's teams with their role, by team name. One query (a join), remembered for the request: the team
 * layout's switcher and getTeamContext (every page, layout and action under /t/[team]) share it.
 */
export const listUserTeams = cache(async (userId: string): Promise<{ id: string; slug: string; name: string; role: Role }[]> => {
  return db.$queryRaw<{ id: string; slug: string; name: string; role: Role }[]>`
    SELECT t.id, t.slug, t.name, m.role::text AS role FROM "Membership" m JOIN "Team" t ON t.id = m."teamId"
    WHERE m."userId" = ${userId} ORDER BY t.name ASC, t.id ASC`;
});
