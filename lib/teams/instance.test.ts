import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { verifyPassword } from "../auth/password";
import { AppError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { makeTeam } from "../../test/fixtures";
import { createTeamWithAdmin, getInstanceAdmin, listInstanceTeams, setInstanceAdmin } from "./instance";
import { systemContext } from "./context";
import { CreateTeamSchema } from "./schemas";
import { createUserInTeam } from "./members";

const uniq = () => randomBytes(4).toString("hex");

/** An instance admin (a user of a fresh team given the flag). */
async function instanceAdmin() {
  const { users, team } = await makeTeam("inst");
  await setInstanceAdmin(users.ADMIN.email, true);
  return { admin: await getInstanceAdmin(users.ADMIN), users, team };
}

describe("instance administration", () => {
  it("an instance admin creates a team with a new first admin; both steps are audited on the new team's chain", async () => {
    const { admin, users } = await instanceAdmin();
    const slug = `new-${uniq()}`;
    const email = `first-${slug}@example.test`;
    const r = await createTeamWithAdmin(admin, { slug, name: "New Team", adminEmail: email, adminName: "First Admin", adminPassword: "a-long-enough-password" });
    expect(r.newAccount).toBe(true);
    const m = await db.membership.findFirstOrThrow({ where: { teamId: r.team.id }, include: { user: true } });
    expect(m).toMatchObject({ role: "ADMIN", user: { email, name: "First Admin", instanceAdmin: false } });
    expect(await verifyPassword(m.user.passwordHash, "a-long-enough-password")).toBe(true);
    const events = await db.auditEvent.findMany({ where: { teamId: r.team.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.action, e.actorLabel])).toEqual([["team.create", users.ADMIN.email], ["member.add", users.ADMIN.email]]);
    expect(events[1]!.details).toMatchObject({ email, role: "ADMIN", newAccount: true });
    expect((await verifyTeamChain(systemContext(r.team.id, "job"))).intact).toBe(true);
    // The instance admin did not become a member of the team by creating it.
    expect(await db.membership.count({ where: { teamId: r.team.id, userId: users.ADMIN.id } })).toBe(0);
    const row = (await listInstanceTeams(admin)).find((t) => t.slug === slug);
    expect(row).toMatchObject({ name: "New Team", members: 1, admins: [email] });
  });

  it("links an existing account (no password needed) and leaves its password alone", async () => {
    const { admin } = await instanceAdmin();
    const other = await makeTeam("other");
    const before = await db.user.findUniqueOrThrow({ where: { id: other.users.VIEWER.id } });
    const r = await createTeamWithAdmin(admin, { slug: `linked-${uniq()}`, name: "Linked", adminEmail: other.users.VIEWER.email, adminName: "ignored" });
    expect(r).toMatchObject({ newAccount: false, user: { id: other.users.VIEWER.id } });
    const after = await db.user.findUniqueOrThrow({ where: { id: other.users.VIEWER.id } });
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.name).toBe(before.name);
  });

  it("refuses everyone who is not an instance admin, team admins included, storing nothing", async () => {
    const { users } = await makeTeam("plain");
    await expect(getInstanceAdmin(users.ADMIN)).rejects.toThrow(NotFoundError);
    // A forged context (the lib re-reads the flag) is refused too.
    const forged = { userId: users.ADMIN.id, actor: { userId: users.ADMIN.id, label: users.ADMIN.email } };
    const slug = `forged-${uniq()}`;
    await expect(createTeamWithAdmin(forged, { slug, name: "x", adminEmail: `x-${slug}@example.test`, adminName: "x", adminPassword: "a-long-enough-password" })).rejects.toThrow(ForbiddenError);
    await expect(listInstanceTeams(forged)).rejects.toThrow(ForbiddenError);
    expect(await db.team.count({ where: { slug } })).toBe(0);
    expect(await db.user.count({ where: { email: `x-${slug}@example.test` } })).toBe(0);
  });

  it("a taken slug is refused naming the field, and nothing is half-stored (no user, no audit event)", async () => {
    const { admin, team } = await instanceAdmin();
    const email = `dup-${uniq()}@example.test`;
    const eventsBefore = await db.auditEvent.count({ where: { teamId: team.id } });
    const err = await createTeamWithAdmin(admin, { slug: team.slug, name: "Again", adminEmail: email, adminName: "Dup", adminPassword: "a-long-enough-password" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 409, fieldErrors: { slug: "Already taken" } });
    expect((err as Error).message).toContain(team.slug);
    expect(await db.user.count({ where: { email } })).toBe(0);
    expect(await db.team.count({ where: { slug: team.slug } })).toBe(1);
    expect(await db.auditEvent.count({ where: { teamId: team.id } })).toBe(eventsBefore);
  });

  it("a new account without a password is refused naming the password field; the team is not created", async () => {
    const { admin } = await instanceAdmin();
    const slug = `nopw-${uniq()}`;
    const err = await createTeamWithAdmin(admin, { slug, name: "No pw", adminEmail: `nobody-${slug}@example.test`, adminName: "N", adminPassword: "" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fieldErrors).toHaveProperty("adminPassword");
    expect(await db.team.count({ where: { slug } })).toBe(0);
  });

  it("the command line makes instance admins (create --instance-admin, instance-admin --email [--revoke])", async () => {
    const slug = `cli-${uniq()}`;
    const { user } = await createUserInTeam({ email: `ops-${slug}@example.test`, name: "Ops", password: "a-long-enough-password", teamSlug: slug, role: "ADMIN", instanceAdmin: true });
    expect(user.instanceAdmin).toBe(true);
    await expect(getInstanceAdmin(user)).resolves.toMatchObject({ userId: user.id });
    await setInstanceAdmin(user.email, false);
    await expect(getInstanceAdmin(user)).rejects.toThrow(NotFoundError);
    await expect(setInstanceAdmin(`nobody-${slug}@example.test`, true)).rejects.toThrow(NotFoundError);
  });

  it("the form schema names each bad field", () => {
    const r = CreateTeamSchema.safeParse({ slug: "-Bad_Slug", name: " ", adminEmail: "not-mail", adminName: "", adminPassword: "short" });
    expect(r.success).toBe(false);
    const fields = new Set(r.error!.issues.map((i) => String(i.path[0])));
    expect(fields).toEqual(new Set(["slug", "name", "adminEmail", "adminName", "adminPassword"]));
    expect(CreateTeamSchema.parse({ slug: " Risk-Lab ", name: "Risk Lab", adminEmail: "A@B.test", adminName: "A" })).toMatchObject({ slug: "risk-lab", adminEmail: "a@b.test" });
  });
});
