-- CreateEnum
CREATE TYPE "ReportStatus" AS ENUM ('QUEUED', 'GENERATING', 'DRAFT', 'APPROVED', 'FAILED');

-- CreateTable
CREATE TABLE "Report" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "scope" JSONB NOT NULL,
    "status" "ReportStatus" NOT NULL DEFAULT 'QUEUED',
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "generatedAt" TIMESTAMP(3),
    "failureReason" TEXT,
    "snapshotVersion" INTEGER,
    "snapshotJson" TEXT,
    "snapshotSha256" TEXT,
    "draftPdfSha256" TEXT,
    "approvedPdfSha256" TEXT,
    "approvedById" TEXT,
    "approvedByLabel" TEXT,
    "approvedAt" TIMESTAMP(3),

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportFile" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "edition" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReportFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Report_teamId_createdAt_idx" ON "Report"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "Report_teamId_snapshotSha256_idx" ON "Report"("teamId", "snapshotSha256");

-- CreateIndex
CREATE UNIQUE INDEX "Report_teamId_number_key" ON "Report"("teamId", "number");

-- CreateIndex
CREATE INDEX "ReportFile_teamId_sha256_idx" ON "ReportFile"("teamId", "sha256");

-- CreateIndex
CREATE UNIQUE INDEX "ReportFile_reportId_edition_key" ON "ReportFile"("reportId", "edition");

-- AddForeignKey
ALTER TABLE "ReportFile" ADD CONSTRAINT "ReportFile_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- A report is immutable once its snapshot is written: nothing of it may change but the approval,
-- which may be recorded once (DRAFT -> APPROVED with the approver, time and approved PDF hash), and it
-- cannot be deleted. Enforced here as well as in lib/reports, so no code path can get around it.
CREATE FUNCTION "report_immutable"() RETURNS trigger AS $$
BEGIN
  IF OLD."snapshotSha256" IS NOT NULL THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION 'Report % is a recorded snapshot: it cannot be deleted', OLD.id;
    END IF;
    IF OLD."approvedAt" IS NOT NULL THEN
      RAISE EXCEPTION 'Report % is approved: it is immutable', OLD.id;
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'approvedPdfSha256' - 'approvedById' - 'approvedByLabel' - 'approvedAt')
       IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'approvedPdfSha256' - 'approvedById' - 'approvedByLabel' - 'approvedAt') THEN
      RAISE EXCEPTION 'Report % is a recorded snapshot: only its approval may be added', OLD.id;
    END IF;
    IF NEW.status <> 'APPROVED' OR NEW."approvedAt" IS NULL OR NEW."approvedPdfSha256" IS NULL THEN
      RAISE EXCEPTION 'Report %: a recorded snapshot may only move to APPROVED with its approval', OLD.id;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Report_immutable_after_snapshot" BEFORE UPDATE OR DELETE ON "Report"
  FOR EACH ROW EXECUTE FUNCTION "report_immutable"();

-- The PDF files of a report are append-only.
CREATE FUNCTION "report_file_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ReportFile is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "ReportFile_append_only" BEFORE UPDATE OR DELETE ON "ReportFile"
  FOR EACH ROW EXECUTE FUNCTION "report_file_append_only"();
