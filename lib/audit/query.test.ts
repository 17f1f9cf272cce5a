import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { db } from "../db/client";
import { ForbiddenError } from "../errors";
import { makeTeam } from "../../test/fixtures";
import { recordAudit, verifyTeamChain } from "./log";
import { AuditQuerySchema, exportAuditLog, findAuditPage, auditFacets, AUDIT_PAGE_SIZE } from "./query";
import { verifyExport } from "./export";
import { describeEvent } from "./describe";
import { systemContext } from "../teams/context";

// The audit log as an auditor reads and exports it, on a real database; the export checked with the
// documented command (npm run audit:verify, run here as the same node + tsx line).

const ROOT = resolve(import.meta.dirname, "../..");
const verifyCommand = (file: string) => {
  try {
    return { code: 0, out: execFileSync(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts", file], { cwd: ROOT, encoding: "utf8", stdio: "pipe" }) };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: `${err.stdout}${err.stderr}` };
  }
};
const q = (raw: Record<string, string>) => AuditQuerySchema.parse(raw);

async function teamWithLog() {
  const t = await makeTeam("audit");
  const eng = t.ctx("ENGINEER");
  const rev = t.ctx("REVIEWER");
  const ev = await db.evaluation.findFirst({ where: { teamId: t.team.id } });
  expect(ev).toBeNull();
  await recordAudit({ teamId: t.team.id, actor: eng.actor, action: "schedule.create", subjectType: "Schedule", subjectId: "s1", details: { name: "nightly" } });
  await recordAudit({ teamId: t.team.id, actor: rev.actor, action: "report.request_changes", subjectType: "Report", subjectId: "r1", details: { number: 4, reason: "Add the v2 model" } });
  await recordAudit({ teamId: t.team.id, actor: rev.actor, action: "report.approve", subjectType: "Report", subjectId: "r2", details: { number: 5, comment: "Fine for Q4" } });
  await recordAudit({ teamId: t.team.id, actor: eng.actor, action: "evaluation.cancel", subjectType: "Evaluation", subjectId: "e1", details: { number: 96, was: "RUNNING" } });
  return t;
}

describe("audit log: read, filter, export, verify", () => {
  it("summarises events in words with the subject named, and filters by actor, action, subject and dates", async () => {
    const t = await teamWithLog();
    const viewer = t.ctx("VIEWER");
    const all = await findAuditPage(viewer, q({}));
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => r.summary)).toEqual([
      "cancelled Evaluation #96",
      "approved Report R-5 — “Fine for Q4”",
      "requested changes to Report R-4 — “Add the v2 model”",
      "created schedule nightly",
    ]);
    expect(all.rows[0]!.subject).toEqual({ label: "Evaluation #96", path: null });
    expect((await findAuditPage(viewer, q({ actor: t.users.REVIEWER.email.toUpperCase() }))).total).toBe(2);
    expect((await findAuditPage(viewer, q({ action: "report." }))).rows.map((r) => r.action)).toEqual(["report.approve", "report.request_changes"]);
    expect((await findAuditPage(viewer, q({ action: "report.approve" }))).total).toBe(1);
    expect((await findAuditPage(viewer, q({ subject: "Report:r1" }))).rows.map((r) => r.seq)).toEqual([2]);
    expect((await findAuditPage(viewer, q({ subject: "Evaluation" }))).total).toBe(1);
    const today = new Date().toISOString().slice(0, 10);
    expect((await findAuditPage(viewer, q({ from: today, to: today }))).total).toBe(4);
    expect((await findAuditPage(viewer, q({ to: "2020-01-01" }))).total).toBe(0);
    expect(AuditQuerySchema.safeParse({ from: "2026-02-01", to: "2026-01-01" }).success).toBe(false);
    expect(await auditFacets(viewer)).toEqual({ actions: ["evaluation.cancel", "report.approve", "report.request_changes", "schedule.create"], subjectTypes: ["Evaluation", "Report", "Schedule"] });
    // Another team's log is not readable through these: its own is empty of this team's events.
    const other = await makeTeam("other");
    expect((await findAuditPage(other.ctx("VIEWER"), q({}))).total).toBe(0);
  });

  it("jumps to a date: the page holding the newest event on or before that day", async () => {
    const t = await makeTeam("jump");
    const ctx = t.ctx("ADMIN");
    // The 10 oldest events written a year ago (the clock set back), the others now.
    const lastYear = new Date(Date.now() - 365 * 86_400_000);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(lastYear);
      for (let i = 0; i < 10; i++) await recordAudit({ teamId: t.team.id, actor: ctx.actor, action: "schedule.pause", subjectType: "Schedule", subjectId: `s${i}`, details: {} });
    } finally {
      vi.useRealTimers();
    }
    for (let i = 10; i < AUDIT_PAGE_SIZE + 15; i++) await recordAudit({ teamId: t.team.id, actor: ctx.actor, action: "schedule.pause", subjectType: "Schedule", subjectId: `s${i}`, details: {} });
    expect((await verifyTeamChain(systemContext(t.team.id, "job"))).intact).toBe(true);
    const jumped = await findAuditPage(ctx, q({ at: lastYear.toISOString().slice(0, 10) }));
    expect(jumped).toMatchObject({ page: 2, jumpedTo: 10 });
    expect(jumped.rows.map((r) => r.seq)).toContain(10);
  });

  it("exports the filtered log as JSON Lines and CSV with hashes and the chain head, for the read-only auditor; the documented command verifies it and names the first tampered event", async () => {
    const t = await teamWithLog();
    const viewer = t.ctx("VIEWER");
    const head = await verifyTeamChain(systemContext(t.team.id, "job"));
    expect(head.intact).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "audit-export-"));

    const whole = await exportAuditLog(viewer, q({}), "jsonl");
    expect(whole).toMatchObject({ events: 4, chainHead: head.intact ? head.head : null, filename: expect.stringMatching(/^bulwark-audit-[0-9a-f]+-audit-\d{8}-\d{6}\.jsonl$/) });
    const wholeFile = join(dir, "whole.jsonl");
    writeFileSync(wholeFile, whole.body);
    const ok = verifyCommand(wholeFile);
    expect(ok).toMatchObject({ code: 0, out: expect.stringContaining("OK: Verified the whole log") });
    expect(ok.out).toContain(head.intact ? head.head : "");

    const filtered = await exportAuditLog(viewer, q({ action: "report." }), "jsonl");
    expect(filtered.events).toBe(2);
    const lines = filtered.body.trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ schema: "bulwark.audit-export", filters: { action: "report." }, chain: { intact: true, count: 4, head: whole.chainHead }, events: 2 });
    expect(JSON.parse(lines[1]!)).toMatchObject({ seq: 2, action: "report.request_changes", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const filteredFile = join(dir, "filtered.jsonl");
    writeFileSync(filteredFile, filtered.body);
    expect(verifyCommand(filteredFile)).toMatchObject({ code: 0, out: expect.stringContaining("2 events of team") });

    // One changed word in the second event: the command fails and names it.
    const tampered = [lines[0], lines[1], lines[2]!.replace("Fine for Q4", "Fine for Q1")].join("\n");
    const tamperedFile = join(dir, "tampered.jsonl");
    writeFileSync(tamperedFile, tampered);
    const bad = verifyCommand(tamperedFile);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("FAILED: Event #3 (line 3) was changed: its hash does not match its content.");
    // A removed event, in the whole log: the count and the head no longer agree.
    const wl = whole.body.trim().split("\n");
    expect(verifyExport([wl[0], wl[1], wl[2], wl[3]].join("\n"))).toMatchObject({ ok: false, message: expect.stringMatching(/announces 4 events; the file has 3/) });
    expect(verifyExport([wl[0]!.replace('"events":4', '"events":3'), wl[1], wl[2], wl[4]].join("\n"))).toMatchObject({ ok: false, seq: 4, message: "Event #3 is missing: line 4 holds #4." });
    expect(verifyCommand(join(dir, "missing.jsonl"))).toMatchObject({ code: 2 });

    const csv = await exportAuditLog(viewer, q({ subject: "Report" }), "csv");
    const rows = csv.body.trim().split("\r\n");
    expect(rows[0]).toBe('"seq","created_at","actor","actor_id","action","subject_type","subject_id","summary","details_json","prev_hash","hash","chain_head"');
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain('"approved Report R-5 — “Fine for Q4”"');
    expect(rows[2]).toContain(`"${whole.chainHead}"`);
    expect(rows[2]).toContain('"{""comment"":""Fine for Q4"",""number"":5}"');
  });

  it("needs audit.read (every role has it) and neutralises formulas in CSV cells", async () => {
    const t = await makeTeam("csv");
    await recordAudit({ teamId: t.team.id, actor: { userId: null, label: "=HYPERLINK(\"http://x\")" }, action: "schedule.create", subjectType: "Schedule", subjectId: "s", details: { name: "+cmd" } });
    const csv = await exportAuditLog(t.ctx("VIEWER"), q({}), "csv");
    expect(csv.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    await expect(exportAuditLog({ ...t.ctx("VIEWER"), role: "NOPE" as never }, q({}), "csv")).rejects.toThrow(ForbiddenError);
  });
});

describe("describeEvent", () => {
  it("reads as a sentence for known actions and stays honest for unknown ones", () => {
    expect(describeEvent("member.add", { email: "a@b.c", role: "VIEWER" }, "membership")).toBe("added a member: a@b.c, VIEWER");
    expect(describeEvent("report.request_review", { number: 3, reviewer: "Rae <r@x>" }, "Report R-3")).toBe("asked for a review of Report R-3 (Rae <r@x>)");
    expect(describeEvent("something.new", {}, "Report R-1")).toBe("something.new on Report R-1");
    expect(describeEvent("alert.acknowledge", { note: "x".repeat(300) }, "regression alert").length).toBeLessThan(200);
  });
});
