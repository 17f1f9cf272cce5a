import type { z } from "zod";
import { db, type Tx } from "../db/client";
import { appendAudit } from "../audit/log";
import { hashPassword } from "../auth/password";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import type { TeamContext } from "./access";
import { assertCan } from "./access";
import type { AddMemberSchema, ChangeRoleSchema, CreateUserSchema, RemoveMemberSchema } from "./schemas";

/** The dashboard's figures: members and recorded audit events of the team. */
/** Members and audit events of the team; `events: false` skips counting the events (a caller that already knows it). */
export async function teamCounts(ctx: TeamContext, opts: { events?: boolean } = {}): Promise<{ members: number; events: number | null }> {
  assertCan(ctx, "team.read");
  const [members, events] = await Promise.all([
    db.membership.count({ where: { teamId: ctx.team.id } }),
    opts.events === false ? null : db.auditEvent.count({ where: { teamId: ctx.team.id } }),
  ]);
  return { members, events };
}

export async function listMembers(ctx: TeamContext) {
  return db.membership.findMany({
    where: { teamId: ctx.team.id },
    select: { id: true, role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
    orderBy: [{ role: "asc" }, { user: { email: "asc" } }],
  });
}

export async function addMember(ctx: TeamContext, input: z.infer<typeof AddMemberSchema>) {
  assertCan(ctx, "member.manage");
  // Hash outside the transaction: it is the slow part and needs no lock.
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return db.$transaction(async (tx) => {
    const { user, created } = await accountFor(tx, input, passwordHash);
    const existing = await tx.membership.findUnique({ where: { userId_teamId: { userId: user.id, teamId: ctx.team.id } } });
    if (existing) throw new ConflictError(`${input.email} is already a member of this team.`);
    const membership = await tx.membership.create({ data: { userId: user.id, teamId: ctx.team.id, role: input.role } });
    await appendAudit(tx, {
      teamId: ctx.team.id,
      actor: ctx.actor,
      action: "member.add",
      subjectType: "Membership",
      subjectId: membership.id,
      details: { email: input.email, role: input.role, newAccount: created },
    });
    return membership;
  });
}

/**
 * The account with this e-mail, linked as it is; or a new account with the initial password the inviting
 * admin chose (shared with the person privately). Without a password a new account cannot be made.
 */
export async function accountFor(tx: Tx, input: { email: string; name: string }, passwordHash: string | undefined, passwordField = "password") {
  const user = await tx.user.findUnique({ where: { email: input.email } });
  if (user) return { user, created: false };
  if (!passwordHash) {
    throw new ValidationError("This person has no Bulwark account yet: set an initial password for them.", {
      [passwordField]: "Required for a new account (at least 12 characters)",
    });
  }
  return { user: await tx.user.create({ data: { email: input.email, name: input.name, passwordHash } }), created: true };
}

async function lockedMembership(tx: Parameters<Parameters<typeof db.$transaction>[0]>[0], ctx: TeamContext, membershipId: string) {
  // Lock the team's memberships so two admins cannot demote each other at the same time.
  await tx.$queryRaw`SELECT id FROM "Membership" WHERE "teamId" = ${ctx.team.id} FOR UPDATE`;
  const m = await tx.membership.findFirst({
    where: { id: membershipId, teamId: ctx.team.id },
    include: { user: { select: { email: true } } },
  });
  if (!m) throw new NotFoundError("This member");
  return m;
}

export async function changeMemberRole(ctx: TeamContext, input: z.infer<typeof ChangeRoleSchema>) {
  assertCan(ctx, "member.manage");
  return db.$transaction(async (tx) => {
    const m = await lockedMembership(tx, ctx, input.membershipId);
    if (m.role === input.role) return m;
    if (m.role === "ADMIN") {
      const admins = await tx.membership.count({ where: { teamId: ctx.team.id, role: "ADMIN" } });
      if (admins <= 1) throw new ConflictError("A team needs at least one admin: make someone else admin first.");
    }
    const updated = await tx.membership.update({ where: { id: m.id }, data: { role: input.role } });
    await appendAudit(tx, {
      teamId: ctx.team.id,
      actor: ctx.actor,
      action: "member.role.change",
      subjectType: "Membership",
      subjectId: m.id,
      details: { email: m.user.email, from: m.role, to: input.role },
    });
    return updated;
  });
}

export async function removeMember(ctx: TeamContext, input: z.infer<typeof RemoveMemberSchema>) {
  assertCan(ctx, "member.manage");
  return db.$transaction(async (tx) => {
    const m = await lockedMembership(tx, ctx, input.membershipId);
    if (m.role === "ADMIN") {
      const admins = await tx.membership.count({ where: { teamId: ctx.team.id, role: "ADMIN" } });
      if (admins <= 1) throw new ConflictError("The last admin of a team cannot be removed.");
    }
    await tx.membership.delete({ where: { id: m.id } });
    await appendAudit(tx, {
      teamId: ctx.team.id,
      actor: ctx.actor,
      action: "member.remove",
      subjectType: "Membership",
      subjectId: m.id,
      details: { email: m.user.email, role: m.role },
    });
  });
}

/** `npm run user -- create`: creates (or reuses) a team and a user in it, audited as the system. */
export async function createUserInTeam(input: z.infer<typeof CreateUserSchema>) {
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { email: input.email } })) {
      throw new ConflictError(`A user with e-mail ${input.email} already exists.`);
    }
    const team =
      (await tx.team.findUnique({ where: { slug: input.teamSlug } })) ??
      (await tx.team.create({ data: { slug: input.teamSlug, name: input.teamName ?? input.teamSlug } }));
    const user = await tx.user.create({ data: { email: input.email, name: input.name, passwordHash, instanceAdmin: input.instanceAdmin ?? false } });
    const membership = await tx.membership.create({ data: { userId: user.id, teamId: team.id, role: input.role } });
    await appendAudit(tx, {
      teamId: team.id,
      actor: { userId: null, label: "system (command line)" },
      action: "member.add",
      subjectType: "Membership",
      subjectId: membership.id,
      details: { email: input.email, role: input.role, newAccount: true },
    });
    return { user, team, membership };
  });
}
