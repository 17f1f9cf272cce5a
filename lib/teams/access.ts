import { cache } from "react";
import type { Role } from "../db/generated/enums";
import { db } from "../db/client";
import { can, type Action } from "../auth/permissions";
import { ForbiddenError, NotFoundError } from "../errors";
import type { Actor } from "../audit/log";
import { controlCharacterIn } from "../security/control-chars";

export interface TeamContext {
  team: { id: string; slug: string; name: string };
  role: Role;
  actor: Actor;
  userId: string;
}

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
