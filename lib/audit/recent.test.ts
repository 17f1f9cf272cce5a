import pg from "pg";
import { describe, expect, it } from "vitest";
import { recordAudit, verifyTeamChain, verifyTeamChainRecent } from "./log";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { systemContext } from "../teams/context";

// The incremental chain check that pages use (lib/audit/log.ts verifyTeamChainRecent): it hashes only the
// events appended since its last check, yet still catches every edit — at once when it touches the newest
// verified link or later events, and at the next full re-check (at most 5 minutes) for older ones.

const add = (teamId: string, i: number) => recordAudit({ teamId, actor: { userId: null, label: "t" }, action: "test.recent", subjectType: "Test", details: { i } });

async function editEvent(teamId: string, seq: number) {
  const c = new pg.Client({ connectionString: testDatabaseUrl });
  await c.connect();
  await c.query(`ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"`);
  await c.query(`UPDATE "AuditEvent" SET details = '{"i": 99}' WHERE "teamId" = $1 AND seq = $2`, [teamId, seq]);
  await c.query(`ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"`);
  await c.end();
}

/** A fresh team with four events, all verified by a check at the returned time t0. */
async function verifiedChainOfFour() {
  const { team } = await makeTeam();
  for (let i = 0; i < 4; i++) await add(team.id, i);
  const t0 = Date.now();
  expect((await verifyTeamChainRecent(systemContext(team.id, "job"), t0)).intact).toBe(true);
  return { team, t0 };
}

describe("verifyTeamChainRecent", () => {
  it("agrees with the full check as events are appended", async () => {
    const { team } = await makeTeam();
    expect(await verifyTeamChainRecent(systemContext(team.id, "job"))).toMatchObject({ intact: true, count: 0 });
    for (let i = 0; i < 3; i++) await add(team.id, i);
    const t0 = Date.now();
    expect(await verifyTeamChainRecent(systemContext(team.id, "job"), t0)).toEqual(await verifyTeamChain(systemContext(team.id, "job")));
    for (let i = 3; i < 6; i++) await add(team.id, i);
    expect(await verifyTeamChainRecent(systemContext(team.id, "job"), t0 + 1000)).toEqual(await verifyTeamChain(systemContext(team.id, "job")));
    expect(await verifyTeamChainRecent(systemContext(team.id, "job"), t0 + 2000)).toMatchObject({ intact: true, count: 6 });
  });

  it("catches an edit of the last verified event or a later one at once", async () => {
    const { team, t0 } = await verifiedChainOfFour();
    await add(team.id, 4);
    await editEvent(team.id, 4); // the newest event the previous check verified
    const v = await verifyTeamChainRecent(systemContext(team.id, "job"), t0 + 1000);
    expect(v).toMatchObject({ intact: false, brokenAt: { seq: 4 } });
    // Still reported on the next view: a broken chain is never remembered as verified.
    expect(await verifyTeamChainRecent(systemContext(team.id, "job"), t0 + 2000)).toMatchObject({ intact: false, brokenAt: { seq: 4 } });
  });

  it("catches an edit of an older event at the next full re-check", async () => {
    const { team, t0 } = await verifiedChainOfFour();
    await editEvent(team.id, 2);
    expect((await verifyTeamChain(systemContext(team.id, "job"))).intact).toBe(false); // the audit page and reports see it at once
    expect(await verifyTeamChainRecent(systemContext(team.id, "job"), t0 + 6 * 60_000)).toMatchObject({ intact: false, brokenAt: { seq: 2 } });
  });

  it("reads the full check in slices and agrees with the one-pass check, a break in a later slice included", async () => {
    const { team } = await makeTeam();
    for (let i = 0; i < 5; i++) await add(team.id, i);
    const scope = systemContext(team.id, "job");
    // Slices of 2 events: 1-2, 3-4, 5 (a short last slice) and, for 6 events, an empty one after 5-6.
    expect(await verifyTeamChainRecent(scope, Date.now(), 2)).toEqual(await verifyTeamChain(scope));
    await add(team.id, 5);
    expect(await verifyTeamChainRecent(scope, Date.now() + 6 * 60_000, 2)).toEqual(await verifyTeamChain(scope));
    await editEvent(team.id, 4);
    const broken = await verifyTeamChainRecent(scope, Date.now() + 12 * 60_000, 2);
    expect(broken).toEqual(await verifyTeamChain(scope));
    expect(broken).toMatchObject({ intact: false, brokenAt: { seq: 4 } });
  });
});
