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
  const membership = await db.membership.findFirst({
    where: { userId: user.id, team: { slug: teamSlug } },
    select: { role: true, team: { select: { id: true, slug: true, name: true } } },
  });
  if (!membership) throw new NotFoundError("This team");
  return { team: membership.team, role: membership.role, userId: user.id, actor: { userId: user.id, label: user.email } };
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

export async function listUserTeams(userId: string) {
  const rows = await db.membership.findMany({
    where: { userId },
    select: { role: true, team: { select: { id: true, slug: true, name: true } } },
    orderBy: { team: { name: "asc" } },
  });
  return rows.map((r) => ({ ...r.team, role: r.role }));
}
