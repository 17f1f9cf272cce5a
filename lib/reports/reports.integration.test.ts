import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryCommand } from "../process/entries";
import { db } from "../db/client";
import { verifyTeamChain } from "../audit/log";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { stopQueue } from "../jobs/queue";
import { makeTeam } from "../../test/fixtures";
import { testDatabaseUrl } from "../../test/db-per-file";
import { useTempStore } from "../registry/test-helpers";
import { seedDemoRegistry } from "../seed/registry";
import { completedQuickEvaluation } from "../../test/seeded-team";
import { createAttestation } from "../compliance/attestations";
import type { EngineMetrics } from "../engine/aggregate";
import { approveReport, createReport, getReport, getReportSnapshot, listReports, reportPdf, verifyPdf } from "./index";
import { renderReportPdf } from "./pdf";
import { pdfText } from "./test-helpers";
import { pct } from "./format";
import { verdictLabel } from "../engine/verdict-words";
import { waitFor } from "../../test/workers";
import { systemContext } from "../teams/context";

// Reports end to end on a real database with a real worker process (pg-boss): the demo model is
// evaluated by the worker, the report job freezes the snapshot and renders the draft, a reviewer approves.

const { dir } = useTempStore();
let worker: ChildProcess | null = null;
let team: Awaited<ReturnType<typeof makeTeam>>;
let evaluationId: string;

const generated = (id: string) => waitFor(`report ${id} to be generated`, async () => {
  const r = await db.report.findUniqueOrThrow({ where: { id } });
  return r.status === "DRAFT" || r.status === "FAILED" ? r : null;
}, 600_000);

beforeAll(async () => {
  team = await makeTeam("reports");
  await seedDemoRegistry(systemContext(team.team.id, "seed"));
  const entry = entryCommand("workers/main.ts");
  worker = spawn(process.execPath, [...entry.execArgv, entry.file], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl, BULWARK_DATA_DIR: dir, BULWARK_SUPERVISED: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  evaluationId = (await completedQuickEvaluation(team, { seed: 3, shardSize: 40 })).id;
}, 600_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    await new Promise<void>((r) => {
      worker!.once("exit", () => r());
      worker!.kill("SIGTERM");
    });
  }
  await stopQueue();
});

describe("audit reports on a real database and worker", () => {
  let reportId: string;
  let draft: Uint8Array;

  it("an engineer generates a report: the worker freezes the snapshot and renders the draft with the exact stored metrics", { timeout: 300_000 }, async () => {
    const created = await createReport(team.ctx("ENGINEER"), { title: "Q4 robustness audit", frameworks: ["nist-ai-rmf", "iso-42001"] });
    reportId = created.id;
    expect(created).toMatchObject({ number: 1, status: "queued" });
    const row = await generated(reportId);
    expect(row.failureReason).toBeNull();
    const view = await getReport(team.ctx("VIEWER"), reportId);
    expect(view).toMatchObject({ status: "draft", label: "R-1", createdBy: team.users.ENGINEER.email, approvedBy: null });
    expect(view.snapshotSha256).toMatch(/^[0-9a-f]{64}$/);

    const file = await reportPdf(team.ctx("VIEWER"), reportId);
    expect(file.edition).toBe("draft");
    expect(file.sha256).toBe(view.draftPdfSha256);
    draft = file.bytes;

    // Same snapshot → byte-identical PDF.
    const { snapshot, sha256 } = await getReportSnapshot(team.ctx("VIEWER"), reportId);
    expect(sha256).toBe(view.snapshotSha256);
    expect(Buffer.compare(await renderReportPdf(snapshot, { status: "draft" }), Buffer.from(draft))).toBe(0);

    // The text has the sections and the exact metrics stored in the database.
    const text = pdfText(draft);
    for (const s of ["1 Executive summary", "2 Methodology", "3 Models and their evaluations", "4 Control status per framework", "5 Attestations", "7 Sign-off", "Appendix A: Attack suites", "DRAFT", "NIST AI RMF", "ISO/IEC 42001"]) expect(text).toContain(s);
    const ev = await db.evaluation.findUniqueOrThrow({ where: { id: evaluationId } });
    const m = ev.metrics as unknown as EngineMetrics;
    expect(text).toContain(`Evaluation #${ev.number}`);
    expect(text).toContain(`${m.cleanCorrect}/${m.samples}`);
    expect(text).toContain(pct(m.cleanAccuracy));
    for (const w of m.worstCase) expect(text).toContain(`${w.robust}/${m.samples} robust`);
    for (const a of m.attacks) expect(text).toContain(`${a.broken}/${a.attacked}`);
    expect(text).toContain(verdictLabel(ev.verdict));
    expect(text).toContain(`Snapshot SHA-256 ${view.snapshotSha256}`);

    const events = await db.auditEvent.findMany({ where: { teamId: team.team.id, subjectId: reportId }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["report.create", "report.generate"]);
    expect(events[1]!.details).toMatchObject({ snapshotSha256: view.snapshotSha256, draftPdfSha256: view.draftPdfSha256 });
  });

  it("the engineer cannot approve; a reviewer who generated a report cannot approve it under segregation of duties", { timeout: 300_000 }, async () => {
    await expect(approveReport(team.ctx("ENGINEER"), reportId)).rejects.toThrow(ForbiddenError);
    const own = await createReport(team.ctx("REVIEWER"), { frameworks: ["iso-42001"] });
    await generated(own.id);
    await expect(approveReport(team.ctx("REVIEWER"), own.id)).rejects.toThrow(/segregation of duties/);
    await expect(approveReport(team.ctx("ADMIN"), { reportId: own.id, snapshotSha256: "0".repeat(64) })).rejects.toThrow(ConflictError);
    expect((await getReport(team.ctx("ADMIN"), own.id)).status).toBe("draft");
  });

  it("a reviewer approves: both hashes are bound in the audit log, the chain verifies, the approved edition has the sign-off", { timeout: 120_000 }, async () => {
    const before = await getReport(team.ctx("REVIEWER"), reportId);
    const approved = await approveReport(team.ctx("REVIEWER"), { reportId, snapshotSha256: before.snapshotSha256! });
    expect(approved).toMatchObject({ status: "approved", snapshotSha256: before.snapshotSha256, draftPdfSha256: before.draftPdfSha256 });
    expect(approved.approvedBy).toContain(team.users.REVIEWER.email);
    expect(approved.approvedPdfSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(approved.approvedPdfSha256).not.toBe(before.draftPdfSha256);

    const ev = await db.auditEvent.findFirstOrThrow({ where: { teamId: team.team.id, action: "report.approve", subjectId: reportId } });
    expect(ev.details).toMatchObject({ snapshotSha256: before.snapshotSha256, draftPdfSha256: before.draftPdfSha256, approvedPdfSha256: approved.approvedPdfSha256 });
    expect(ev.actorLabel).toBe(team.users.REVIEWER.email);
    expect((await verifyTeamChain(systemContext(team.team.id, "job"))).intact).toBe(true);

    const file = await reportPdf(team.ctx("VIEWER"), reportId);
    expect(file).toMatchObject({ edition: "approved", sha256: approved.approvedPdfSha256 });
    const text = pdfText(file.bytes);
    expect(text).toContain("APPROVED");
    expect(text).toContain(`Draft PDF SHA-256`);
    expect(text).toContain(before.draftPdfSha256!);
    await expect(approveReport(team.ctx("ADMIN"), reportId)).rejects.toThrow(/already approved/);
  });

  it("verification: the approved file and the draft match, one changed byte does not, by file or by hash, for any member", async () => {
    const approved = await reportPdf(team.ctx("VIEWER"), reportId);
    const v = await verifyPdf(team.ctx("VIEWER"), { bytes: approved.bytes });
    expect(v).toMatchObject({ match: true, sha256: approved.sha256, report: { id: reportId, edition: "approved", status: "approved", recordedInAuditLog: true }, chain: { intact: true } });
    expect(v.report!.approvedBy).toContain(team.users.REVIEWER.email);
    expect(v.message).toMatch(/approved edition of R-1/);

    const d = await verifyPdf(team.ctx("VIEWER"), { bytes: draft });
    expect(d).toMatchObject({ match: true, report: { edition: "draft", recordedInAuditLog: true } });

    const tampered = Uint8Array.from(approved.bytes);
    tampered[Math.floor(tampered.length / 2)]! ^= 0x01;
    const t = await verifyPdf(team.ctx("VIEWER"), { bytes: tampered });
    expect(t).toMatchObject({ match: false, report: null, chain: { intact: true } });
    expect(t.message).toBe("This file does not match any report of this team.");

    expect((await verifyPdf(team.ctx("VIEWER"), { sha256: approved.sha256.toUpperCase() })).match).toBe(true);
    expect((await verifyPdf(team.ctx("VIEWER"), { sha256: approved.sha256 }, { reportId })).match).toBe(true);
    await expect(verifyPdf(team.ctx("VIEWER"), { sha256: "not-a-hash" })).rejects.toThrow(ValidationError);
  });

  it("an approved report is frozen: later evidence does not change it, and the database refuses edits and deletes", { timeout: 120_000 }, async () => {
    const before = await reportPdf(team.ctx("VIEWER"), reportId);
    const snap = await getReportSnapshot(team.ctx("VIEWER"), reportId);
    await createAttestation(team.ctx("REVIEWER"), { control: "nist-ai-rmf:GOVERN 1.1", statement: "Legal register reviewed with counsel on 2026-11-20.", expiresOn: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10) });
    const after = await reportPdf(team.ctx("VIEWER"), reportId);
    expect(after.sha256).toBe(before.sha256);
    expect((await getReportSnapshot(team.ctx("VIEWER"), reportId)).sha256).toBe(snap.sha256);

    await expect(db.report.update({ where: { id: reportId }, data: { title: "edited" } })).rejects.toThrow(/immutable/);
    await expect(db.report.delete({ where: { id: reportId } })).rejects.toThrow();
    await expect(db.$executeRaw`UPDATE "ReportFile" SET "sha256" = 'x' WHERE "reportId" = ${reportId}`).rejects.toThrow(/append-only/);

    // A new report is needed to show the new evidence; it says what changed since the last one.
    const next = await createReport(team.ctx("ENGINEER"), { frameworks: ["nist-ai-rmf"] });
    await generated(next.id);
    const s = (await getReportSnapshot(team.ctx("VIEWER"), next.id)).snapshot;
    expect(s.changes.previous).toMatchObject({ number: 2 });
    expect(s.attestations.some((a) => a.controlId === "GOVERN 1.1" && a.state === "valid")).toBe(true);
  });

  it("bad input is refused with a clear message and nothing is stored", async () => {
    const count = await db.report.count({ where: { teamId: team.team.id } });
    await expect(createReport(team.ctx("ENGINEER"), { frameworks: ["iso-24029"] })).rejects.toThrow(/reference only/);
    await expect(createReport(team.ctx("ENGINEER"), { periodFrom: "2026-12-01", periodTo: "2026-11-01" })).rejects.toThrow(ValidationError);
    await expect(createReport(team.ctx("ENGINEER"), { frameworks: ["nist-ai-rmf", "made-up" as never] })).rejects.toThrow(ValidationError);
    await expect(createReport(team.ctx("ENGINEER"), { modelIds: ["no-such-model"] })).rejects.toThrow(NotFoundError);
    await expect(createReport(team.ctx("VIEWER"), {})).rejects.toThrow(ForbiddenError);
    expect(await db.report.count({ where: { teamId: team.team.id } })).toBe(count);
    const list = await listReports(team.ctx("VIEWER"), { limit: 2 });
    expect(list.items.map((r) => r.number)).toEqual([3, 2]);
    const rest = await listReports(team.ctx("VIEWER"), { limit: 2, cursor: list.nextCursor! });
    expect(rest).toMatchObject({ items: [{ number: 1 }], nextCursor: null });
  });
});
