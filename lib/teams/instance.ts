import type { z } from "zod";
import { db } from "../db/client";
import { appendAudit, type Actor } from "../audit/log";
import { hashPassword } from "../auth/password";
import { AppError, ForbiddenError, NotFoundError } from "../errors";
import { accountFor } from "./members";
import type { CreateTeamSchema } from "./schemas";

// Instance administration: the people who run this Bulwark (User.instanceAdmin) create teams and invite
// each team's first admin. They hold no role in a team by that alone. A team's own audit log starts with
// its creation, so who made the team and who was made its admin is on that team's chain.

export interface InstanceAdmin {
  userId: string;
  actor: Actor;
}

export async function isInstanceAdmin(userId: string): Promise<boolean> {
  const u = await db.user.findUnique({ where: { id: userId }, select: { instanceAdmin: true } });
  return u?.instanceAdmin === true;
}

/** The user as an instance administrator. Anyone else is told the area does not exist (nothing about it leaks). */
export async function getInstanceAdmin(user: { id: string; email: string }): Promise<InstanceAdmin> {
  if (!(await isInstanceAdmin(user.id))) throw new NotFoundError();
  return { userId: user.id, actor: { userId: user.id, label: user.email } };
}

export interface InstanceTeamRow {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
  members: number;
  admins: string[];
}

/** Every team of the instance with its member count and its admins' e-mails, newest first. */
export async function listInstanceTeams(admin: InstanceAdmin): Promise<InstanceTeamRow[]> {
  if (!(await isInstanceAdmin(admin.userId))) throw new ForbiddenError("Only instance administrators can list every team.");
  const teams = await db.team.findMany({
    orderBy: { createdAt: "desc" },
    select: {
      id: true, slug: true, name: true, createdAt: true,
      _count: { select: { memberships: true } },
      memberships: { where: { role: "ADMIN" }, select: { user: { select: { email: true } } }, orderBy: { createdAt: "asc" } },
    },
  });
  return teams.map((t) => ({ id: t.id, slug: t.slug, name: t.name, createdAt: t.createdAt, members: t._count.memberships, admins: t.memberships.map((m) => m.user.email) }));
}

/**
 * Creates a team and makes the named person its first admin (their existing account is linked; a new one
 * gets the initial password the instance admin chose). One transaction: a taken slug or a missing
 * password stores nothing. Audited on the new team's chain as team.create and member.add.
 */
export async function createTeamWithAdmin(admin: InstanceAdmin, input: z.infer<typeof CreateTeamSchema>) {
  // Hash outside the transaction: it is the slow part and needs no lock.
  const passwordHash = input.adminPassword ? await hashPassword(input.adminPassword) : undefined;
  return db.$transaction(async (tx) => {
    // Checked again inside the transaction: the flag may have been taken away since the page loaded.
    const me = await tx.user.findUnique({ where: { id: admin.userId }, select: { instanceAdmin: true } });
    if (!me?.instanceAdmin) throw new ForbiddenError("Only instance administrators can create teams.");
    if (await tx.team.findUnique({ where: { slug: input.slug }, select: { id: true } })) {
      throw new AppError(`A team with the address “${input.slug}” already exists: choose another.`, 409, "conflict", { slug: "Already taken" });
    }
    const team = await tx.team.create({ data: { slug: input.slug, name: input.name } });
    await appendAudit(tx, { teamId: team.id, actor: admin.actor, action: "team.create", subjectType: "Team", subjectId: team.id, details: { slug: team.slug, name: team.name, by: "instance administrator" } });
    const { user, created } = await accountFor(tx, { email: input.adminEmail, name: input.adminName }, passwordHash, "adminPassword");
    const membership = await tx.membership.create({ data: { userId: user.id, teamId: team.id, role: "ADMIN" } });
    await appendAudit(tx, { teamId: team.id, actor: admin.actor, action: "member.add", subjectType: "Membership", subjectId: membership.id, details: { email: user.email, role: "ADMIN", newAccount: created } });
    return { team, user: { id: user.id, email: user.email }, newAccount: created };
  });
}

/** `npm run user -- instance-admin --email …`: grants (or with revoke, takes away) instance administration. */
export async function setInstanceAdmin(email: string, on: boolean) {
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new NotFoundError(`A user with e-mail ${email}`);
  await db.user.update({ where: { id: user.id }, data: { instanceAdmin: on } });
}
