import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { makeTeam } from "../../test/fixtures";
import { countUnreadNotifications, markNotificationsRead, notify } from "./notifications";

describe("the unread notice count (sidebar badge)", () => {
  it("counts only the member's own unread notices in this team, and drops as they are read", async () => {
    const a = await makeTeam("notice");
    const b = await makeTeam("notice-other");
    const me = a.ctx("REVIEWER");
    await db.$transaction(async (tx) => {
      for (const subjectId of ["r1", "r1", "r2"]) await notify(tx, { teamId: a.team.id, userId: me.userId, kind: "report.review_requested", message: "Review asked", subjectType: "Report", subjectId });
      await notify(tx, { teamId: a.team.id, userId: a.users.ENGINEER.id, kind: "report.approved", message: "Someone else's", subjectType: "Report", subjectId: "r1" });
      // Not a member of team a: no notice is stored for them there.
      await notify(tx, { teamId: a.team.id, userId: b.users.ADMIN.id, kind: "report.approved", message: "Outsider", subjectType: "Report", subjectId: "r1" });
    });
    expect(await countUnreadNotifications(me)).toBe(3);
    expect(await countUnreadNotifications(a.ctx("ENGINEER"))).toBe(1);
    expect(await countUnreadNotifications(b.ctx("ADMIN"))).toBe(0);
    // Opening report r1 reads its notices (the report page does this).
    expect(await markNotificationsRead(me, { type: "Report", id: "r1" })).toBe(2);
    expect(await countUnreadNotifications(me)).toBe(1);
    await markNotificationsRead(me);
    expect(await countUnreadNotifications(me)).toBe(0);
    expect(await countUnreadNotifications(a.ctx("ENGINEER"))).toBe(1);
  });
});
