-- AlterEnum
ALTER TYPE "ReportStatus" ADD VALUE 'CHANGES_REQUESTED';

-- AlterTable
ALTER TABLE "Report" ADD COLUMN     "approvalComment" TEXT,
ADD COLUMN     "changesReason" TEXT,
ADD COLUMN     "changesRequestedAt" TIMESTAMP(3),
ADD COLUMN     "changesRequestedById" TEXT,
ADD COLUMN     "changesRequestedByLabel" TEXT,
ADD COLUMN     "reviewRequestedAt" TIMESTAMP(3),
ADD COLUMN     "reviewerId" TEXT,
ADD COLUMN     "reviewerLabel" TEXT,
ADD COLUMN     "revisionOfId" TEXT;

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "subjectType" TEXT NOT NULL,
    "subjectId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "readAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Notification_teamId_userId_createdAt_idx" ON "Notification"("teamId", "userId", "createdAt");

-- CreateIndex
CREATE INDEX "Report_teamId_status_reviewerId_idx" ON "Report"("teamId", "status", "reviewerId");

-- The review step (lib/reports/review.ts) widens what may happen to a recorded snapshot, and no more:
-- while it is a DRAFT, the author may name its reviewer; a DRAFT moves once, either to APPROVED (with the
-- approver, time, approved PDF hash and comment) or to CHANGES_REQUESTED (with who, when and why). After
-- either it is immutable (a revision is a new report), and it can never be deleted.
CREATE OR REPLACE FUNCTION "report_immutable"() RETURNS trigger AS $$
DECLARE
  review_keys text[] := ARRAY['reviewerId', 'reviewerLabel', 'reviewRequestedAt'];
  approval_keys text[] := ARRAY['status', 'approvedPdfSha256', 'approvedById', 'approvedByLabel', 'approvedAt', 'approvalComment'];
  changes_keys text[] := ARRAY['status', 'changesRequestedById', 'changesRequestedByLabel', 'changesRequestedAt', 'changesReason'];
BEGIN
  IF OLD."snapshotSha256" IS NOT NULL THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION 'Report % is a recorded snapshot: it cannot be deleted', OLD.id;
    END IF;
    IF OLD."approvedAt" IS NOT NULL THEN
      RAISE EXCEPTION 'Report % is approved: it is immutable', OLD.id;
    END IF;
    IF OLD.status = 'CHANGES_REQUESTED' THEN
      RAISE EXCEPTION 'Report % was sent back for changes: it is immutable (a revision is a new report)', OLD.id;
    END IF;
    IF NEW.status = 'DRAFT' THEN
      IF (to_jsonb(NEW) - review_keys) IS DISTINCT FROM (to_jsonb(OLD) - review_keys) THEN
        RAISE EXCEPTION 'Report % is a recorded snapshot: only its reviewer may be named while it is a draft', OLD.id;
      END IF;
    ELSIF NEW.status = 'APPROVED' THEN
      IF (to_jsonb(NEW) - approval_keys) IS DISTINCT FROM (to_jsonb(OLD) - approval_keys) THEN
        RAISE EXCEPTION 'Report % is a recorded snapshot: only its approval may be added', OLD.id;
      END IF;
      IF NEW."approvedAt" IS NULL OR NEW."approvedPdfSha256" IS NULL THEN
        RAISE EXCEPTION 'Report %: a recorded snapshot may only move to APPROVED with its approval', OLD.id;
      END IF;
    ELSIF NEW.status = 'CHANGES_REQUESTED' THEN
      IF (to_jsonb(NEW) - changes_keys) IS DISTINCT FROM (to_jsonb(OLD) - changes_keys) THEN
        RAISE EXCEPTION 'Report % is a recorded snapshot: only the request for changes may be added', OLD.id;
      END IF;
      IF NEW."changesRequestedAt" IS NULL OR NEW."changesReason" IS NULL THEN
        RAISE EXCEPTION 'Report %: changes may only be requested with a reason', OLD.id;
      END IF;
    ELSE
      RAISE EXCEPTION 'Report %: a recorded snapshot may only move to APPROVED or CHANGES_REQUESTED', OLD.id;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
