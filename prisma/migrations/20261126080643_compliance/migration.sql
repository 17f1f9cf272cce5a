-- CreateTable
CREATE TABLE "CompliancePolicy" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "policy" JSONB NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CompliancePolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CrosswalkOverride" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,
    "control" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "mark" TEXT,
    "scope" TEXT,
    "reason" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CrosswalkOverride_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attestation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "control" TEXT NOT NULL,
    "modelId" TEXT,
    "statement" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "attestedById" TEXT,
    "attestedByLabel" TEXT NOT NULL,
    "attestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "catalogVersion" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "revokedById" TEXT,
    "revokedByLabel" TEXT,
    "revokeReason" TEXT,

    CONSTRAINT "Attestation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AttestationFile" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "attestationId" TEXT NOT NULL,
    "artifactId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,

    CONSTRAINT "AttestationFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ControlStatusSnapshot" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "catalogVersion" TEXT NOT NULL,
    "policyVersion" INTEGER,
    "counts" JSONB NOT NULL,
    "statuses" JSONB NOT NULL,
    "trigger" TEXT NOT NULL,

    CONSTRAINT "ControlStatusSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CompliancePolicy_teamId_version_key" ON "CompliancePolicy"("teamId", "version");

-- CreateIndex
CREATE INDEX "CrosswalkOverride_teamId_idx" ON "CrosswalkOverride"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "CrosswalkOverride_teamId_evidence_control_key" ON "CrosswalkOverride"("teamId", "evidence", "control");

-- CreateIndex
CREATE INDEX "Attestation_teamId_control_idx" ON "Attestation"("teamId", "control");

-- CreateIndex
CREATE INDEX "Attestation_teamId_modelId_idx" ON "Attestation"("teamId", "modelId");

-- CreateIndex
CREATE INDEX "AttestationFile_teamId_idx" ON "AttestationFile"("teamId");

-- CreateIndex
CREATE INDEX "AttestationFile_attestationId_idx" ON "AttestationFile"("attestationId");

-- CreateIndex
CREATE INDEX "ControlStatusSnapshot_teamId_takenAt_idx" ON "ControlStatusSnapshot"("teamId", "takenAt");

-- AddForeignKey
ALTER TABLE "AttestationFile" ADD CONSTRAINT "AttestationFile_attestationId_fkey" FOREIGN KEY ("attestationId") REFERENCES "Attestation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
