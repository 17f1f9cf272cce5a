import { db } from "../db/client";
import { appendAudit, SYSTEM_ACTOR } from "../audit/log";
import type { ReportJob } from "../jobs/catalog";
import { sha256Hex, snapshotText } from "./hash";
import { renderReportPdf } from "./pdf";
import { ReportScopeSchema } from "./schemas";
import { buildSnapshot } from "./snapshot";

// The report job (run by a worker): freeze the snapshot, render the draft PDF, and store both with
// their hashes and the audit event in one transaction. Nothing is stored half: either the report is a
// DRAFT with its snapshot and draft PDF, or it stays GENERATING (to be retried) or becomes FAILED.

export async function runReportJob(job: ReportJob, opts: { lastAttempt?: boolean; now?: Date } = {}): Promise<"generated" | "skipped" | "failed"> {
  const report = await db.report.findFirst({ where: { id: job.reportId, teamId: job.teamId } });
  if (!report || (report.status !== "QUEUED" && report.status !== "GENERATING")) return "skipped";
  await db.report.updateMany({ where: { id: report.id, teamId: job.teamId, status: { in: ["QUEUED", "GENERATING"] } }, data: { status: "GENERATING" } });
  try {
    const now = opts.now ?? new Date();
    const snapshot = await buildSnapshot({
      teamId: job.teamId,
      report: { id: report.id, number: report.number, title: report.title, createdById: report.createdById, createdByLabel: report.createdByLabel },
      scope: ReportScopeSchema.parse(report.scope),
      now,
    });
    const text = snapshotText(snapshot);
    const snapshotSha256 = sha256Hex(text);
    const pdf = await renderReportPdf(snapshot, { status: "draft" });
    const pdfSha256 = sha256Hex(pdf);
    const done = await db.$transaction(async (tx) => {
      const moved = await tx.report.updateMany({
        where: { id: report.id, teamId: job.teamId, status: "GENERATING" },
        data: { status: "DRAFT", generatedAt: now, snapshotVersion: snapshot.version, snapshotJson: text, snapshotSha256, draftPdfSha256: pdfSha256, failureReason: null },
      });
      if (moved.count === 0) return false;
      await tx.reportFile.create({ data: { teamId: job.teamId, reportId: report.id, edition: "draft", sha256: pdfSha256, size: pdf.byteLength, bytes: new Uint8Array(pdf) } });
      await appendAudit(tx, {
        teamId: job.teamId,
        actor: SYSTEM_ACTOR,
        action: "report.generate",
        subjectType: "Report",
        subjectId: report.id,
        details: { number: report.number, requestedBy: report.createdByLabel, snapshotSha256, draftPdfSha256: pdfSha256, size: pdf.byteLength, models: snapshot.scope.modelLabels, frameworks: snapshot.scope.frameworks, evaluations: snapshot.evaluations.map((e) => e.number) },
      });
      return true;
    });
    return done ? "generated" : "skipped";
  } catch (e) {
    const message = (e as Error).message;
    if (!opts.lastAttempt) throw e;
    await db.report.updateMany({ where: { id: report.id, teamId: job.teamId, status: { in: ["QUEUED", "GENERATING"] } }, data: { status: "FAILED", failureReason: `The report could not be generated: ${message.slice(0, 500)}` } });
    return "failed";
  }
}
