import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { addMember, changeMemberRole, removeMember, createUserInTeam } from "./members";
import { getTeamContext } from "./access";
import { verifyTeamChain } from "../audit/log";
import { makeTeam } from "../../test/fixtures";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { systemContext } from "./context";

describe("membership rules", () => {
  it("an admin adds a new person with an initial password; the event is audited", async () => {
    const { team, ctx } = await makeTeam();
    const m = await addMember(ctx("ADMIN"), { email: "new.person@example.test", name: "New Person", role: "ENGINEER", password: "a-long-enough-password" });
    expect(m.role).toBe("ENGINEER");
    const ev = await db.auditEvent.findFirst({ where: { teamId: team.id, action: "member.add" } });
    expect(ev?.details).toMatchObject({ email: "new.person@example.test", role: "ENGINEER" });
    expect((await verifyTeamChain(systemContext(team.id, "job"))).intact).toBe(true);
  });

  it("asks for a password when the person has no account", async () => {
    const { ctx } = await makeTeam();
    await expect(addMember(ctx("ADMIN"), { email: "nobody@example.test", name: "N", role: "VIEWER" })).rejects.toThrow(ValidationError);
    expect(await db.user.count({ where: { email: "nobody@example.test" } })).toBe(0);
  });

  it("refuses adding someone twice", async () => {
    const { ctx, users } = await makeTeam();
    await expect(addMember(ctx("ADMIN"), { email: users.VIEWER.email, name: "x", role: "VIEWER" })).rejects.toThrow(ConflictError);
  });

  it("only admins manage members", async () => {
    const { ctx } = await makeTeam();
    for (const role of ["REVIEWER", "ENGINEER", "VIEWER"] as const) {
      await expect(addMember(ctx(role), { email: `x-${role}@example.test`, name: "x", role: "VIEWER", password: "a-long-enough-password" })).rejects.toThrow(ForbiddenError);
    }
  });

  it("never leaves a team without an admin", async () => {
    const { ctx, users, team } = await makeTeam();
    const adminMembership = await db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: users.ADMIN.id } });
    await expect(changeMemberRole(ctx("ADMIN"), { membershipId: adminMembership.id, role: "VIEWER" })).rejects.toThrow(/at least one admin/);
    await expect(removeMember(ctx("ADMIN"), { membershipId: adminMembership.id })).rejects.toThrow(/last admin/);
    // With a second admin, the first may step down.
    const eng = await db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: users.ENGINEER.id } });
    await changeMemberRole(ctx("ADMIN"), { membershipId: eng.id, role: "ADMIN" });
    await changeMemberRole(ctx("ADMIN"), { membershipId: adminMembership.id, role: "VIEWER" });
    expect((await db.membership.findUniqueOrThrow({ where: { id: adminMembership.id } })).role).toBe("VIEWER");
  });

  it("two admins demoting each other at once cannot both succeed", async () => {
    const { ctx, users, team } = await makeTeam();
    const eng = await db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: users.ENGINEER.id } });
    await changeMemberRole(ctx("ADMIN"), { membershipId: eng.id, role: "ADMIN" });
    const a = await db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: users.ADMIN.id } });
    const second = { ...ctx("ADMIN"), userId: users.ENGINEER.id, role: "ADMIN" as const };
    const results = await Promise.allSettled([
      changeMemberRole(ctx("ADMIN"), { membershipId: eng.id, role: "VIEWER" }),
      changeMemberRole(second, { membershipId: a.id, role: "VIEWER" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.membership.count({ where: { teamId: team.id, role: "ADMIN" } })).toBe(1);
  });

  it("a membership of another team is not found", async () => {
    const a = await makeTeam("a");
    const b = await makeTeam("b");
    const bViewer = await db.membership.findFirstOrThrow({ where: { teamId: b.team.id, role: "VIEWER" } });
    await expect(removeMember(a.ctx("ADMIN"), { membershipId: bViewer.id })).rejects.toThrow(NotFoundError);
    await expect(changeMemberRole(a.ctx("ADMIN"), { membershipId: bViewer.id, role: "ADMIN" })).rejects.toThrow(NotFoundError);
    expect((await db.membership.findUniqueOrThrow({ where: { id: bViewer.id } })).role).toBe("VIEWER");
  });

  it("a non-member gets 404 for the team itself", async () => {
    const a = await makeTeam("a");
    const b = await makeTeam("b");
    await expect(getTeamContext({ id: a.users.ADMIN.id, email: a.users.ADMIN.email }, b.team.slug)).rejects.toThrow(NotFoundError);
    await expect(getTeamContext({ id: a.users.ADMIN.id, email: a.users.ADMIN.email }, "no-such-team")).rejects.toThrow(NotFoundError);
  });

  it("the command line creates a user and team", async () => {
    const { user, team } = await createUserInTeam({ email: "cli@example.test", name: "Cli", password: "a-long-enough-password", teamSlug: "cli-team", role: "ADMIN" });
    expect(team.slug).toBe("cli-team");
    expect(await db.membership.count({ where: { userId: user.id, teamId: team.id, role: "ADMIN" } })).toBe(1);
    await expect(createUserInTeam({ email: "cli@example.test", name: "Cli", password: "a-long-enough-password", teamSlug: "cli-team", role: "ADMIN" })).rejects.toThrow(/already exists/);
  });
});
