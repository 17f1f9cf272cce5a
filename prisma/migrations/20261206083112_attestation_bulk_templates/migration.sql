-- AlterTable
ALTER TABLE "Attestation" ADD COLUMN     "batchId" TEXT,
ADD COLUMN     "evidenceUrl" TEXT;

-- CreateTable
CREATE TABLE "AttestationTemplate" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "validDays" INTEGER NOT NULL,
    "evidenceUrl" TEXT,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AttestationTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AttestationTemplate_teamId_name_key" ON "AttestationTemplate"("teamId", "name");
