import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { authenticate } from "./sign-in";
import { signOutEverywhere } from "./sessions";
import { makeTeam, TEST_PASSWORD } from "../../test/fixtures";
import { systemContext } from "../teams/context";

describe("sign out everywhere", () => {
  it("bumps the session version that new sign-ins carry, and records it in every team of the user", async () => {
    const a = await makeTeam("sess-a");
    const b = await makeTeam("sess-b");
    const user = a.users.ENGINEER;
    await db.membership.create({ data: { userId: user.id, teamId: b.team.id, role: "VIEWER" } });

    expect((await authenticate(user.email, TEST_PASSWORD, "10.5.0.1")).sessionVersion).toBe(0);
    expect(await signOutEverywhere(user.id)).toEqual({ sessionVersion: 1 });
    expect(await signOutEverywhere(user.id)).toEqual({ sessionVersion: 2 });
    // A sign-in after it gets the new version (older tokens carry 0 or 1 and are refused by getSessionUser).
    expect((await authenticate(user.email, TEST_PASSWORD, "10.5.0.1")).sessionVersion).toBe(2);

    for (const t of [a.team, b.team]) {
      const events = await db.auditEvent.findMany({ where: { teamId: t.id, action: "user.sessions.revoke" }, orderBy: { seq: "asc" } });
      expect(events.map((e) => [e.actorLabel, e.subjectId, (e.details as { sessionVersion: number }).sessionVersion])).toEqual([
        [user.email, user.id, 1],
        [user.email, user.id, 2],
      ]);
      expect((await verifyTeamChain(systemContext(t.id, "job"))).intact).toBe(true);
    }
    // Other users are untouched.
    expect((await db.user.findUniqueOrThrow({ where: { id: a.users.ADMIN.id } })).sessionVersion).toBe(0);
  });
});
