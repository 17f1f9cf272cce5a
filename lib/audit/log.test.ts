import pg from "pg";
import { describe, expect, it } from "vitest";
import { db } from "../db/client";
import { appendAudit, recordAudit, verifyTeamChain } from "./log";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { systemContext } from "../teams/context";

describe("audit log (real PostgreSQL)", () => {
  it("chains events and verifies them", async () => {
    const { team } = await makeTeam();
    for (let i = 0; i < 5; i++) {
      await recordAudit({ teamId: team.id, actor: { userId: null, label: "test" }, action: "test.event", subjectType: "Test", details: { i, nested: { b: 2, a: [1, "x"] } } });
    }
    const v = await verifyTeamChain(systemContext(team.id, "job"));
    expect(v).toMatchObject({ intact: true, count: 5 });
  });

  it("does not fork under concurrent writers", async () => {
    const { team } = await makeTeam();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.$transaction((tx) => appendAudit(tx, { teamId: team.id, actor: { userId: null, label: "w" }, action: "test.concurrent", subjectType: "Test", details: { i } })),
      ),
    );
    const events = await db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await verifyTeamChain(systemContext(team.id, "job"))).intact).toBe(true);
  });

  it("rolls the event back with the change it records", async () => {
    const { team } = await makeTeam();
    await expect(
      db.$transaction(async (tx) => {
        await appendAudit(tx, { teamId: team.id, actor: { userId: null, label: "t" }, action: "test.rollback", subjectType: "Test" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.auditEvent.count({ where: { teamId: team.id } })).toBe(0);
  });

  it("refuses UPDATE and DELETE at the database", async () => {
    const { team } = await makeTeam();
    const e = await recordAudit({ teamId: team.id, actor: { userId: null, label: "t" }, action: "test.x", subjectType: "Test" });
    await expect(db.auditEvent.update({ where: { id: e.id }, data: { action: "edited" } })).rejects.toThrow(/append-only/);
    await expect(db.auditEvent.delete({ where: { id: e.id } })).rejects.toThrow(/append-only/);
  });

  it("detects an event edited directly in the database and names it", async () => {
    const { team } = await makeTeam();
    for (let i = 0; i < 4; i++) await recordAudit({ teamId: team.id, actor: { userId: null, label: "t" }, action: "test.tamper", subjectType: "Test", details: { i } });
    // Someone with database access bypasses the trigger and edits event #2.
    const c = new pg.Client({ connectionString: testDatabaseUrl });
    await c.connect();
    await c.query(`ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"`);
    await c.query(`UPDATE "AuditEvent" SET details = '{"i": 99}' WHERE "teamId" = $1 AND seq = 2`, [team.id]);
    await c.query(`ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"`);
    await c.end();
    const v = await verifyTeamChain(systemContext(team.id, "job"));
    expect(v.intact).toBe(false);
    if (!v.intact) {
      expect(v.brokenAt.seq).toBe(2);
      expect(v.brokenAt.reason).toMatch(/changed after it was written/);
    }
  });
});
