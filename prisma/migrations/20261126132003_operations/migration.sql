-- CreateTable
CREATE TABLE "Environment" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Environment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "gatePassed" BOOLEAN NOT NULL,
    "gate" JSONB NOT NULL,
    "evidenceHash" TEXT NOT NULL,
    "policyVersion" INTEGER,
    "overrideId" TEXT,
    "previousDeploymentId" TEXT,
    "note" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GateOverride" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "evidenceHash" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "GateOverride_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MonitoringReference" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,
    "evaluationId" TEXT,
    "stats" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MonitoringReference_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MonitoringBatch" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "referenceId" TEXT NOT NULL,
    "observedAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "count" INTEGER NOT NULL,
    "summary" JSONB NOT NULL,
    "sampleCount" INTEGER NOT NULL DEFAULT 0,
    "samples" JSONB,
    "scores" JSONB NOT NULL,
    "senderLabel" TEXT NOT NULL,

    CONSTRAINT "MonitoringBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MonitoringAlert" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "signal" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "firstBatchId" TEXT NOT NULL,
    "lastBatchId" TEXT NOT NULL,
    "batchCount" INTEGER NOT NULL DEFAULT 1,
    "cleanStreak" INTEGER NOT NULL DEFAULT 0,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedById" TEXT,
    "acknowledgedByLabel" TEXT,
    "acknowledgementNote" TEXT,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "MonitoringAlert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Environment_teamId_name_key" ON "Environment"("teamId", "name");

-- CreateIndex
CREATE INDEX "Deployment_teamId_environmentId_modelId_createdAt_idx" ON "Deployment"("teamId", "environmentId", "modelId", "createdAt");

-- CreateIndex
CREATE INDEX "Deployment_modelVersionId_idx" ON "Deployment"("modelVersionId");

-- CreateIndex
CREATE INDEX "GateOverride_teamId_environmentId_modelVersionId_idx" ON "GateOverride"("teamId", "environmentId", "modelVersionId");

-- CreateIndex
CREATE INDEX "MonitoringReference_teamId_idx" ON "MonitoringReference"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "MonitoringReference_modelVersionId_datasetVersionId_key" ON "MonitoringReference"("modelVersionId", "datasetVersionId");

-- CreateIndex
CREATE INDEX "MonitoringBatch_teamId_environmentId_modelId_observedAt_idx" ON "MonitoringBatch"("teamId", "environmentId", "modelId", "observedAt");

-- CreateIndex
CREATE INDEX "MonitoringAlert_teamId_environmentId_modelId_resolvedAt_idx" ON "MonitoringAlert"("teamId", "environmentId", "modelId", "resolvedAt");

-- CreateIndex
CREATE INDEX "MonitoringAlert_teamId_acknowledgedAt_idx" ON "MonitoringAlert"("teamId", "acknowledgedAt");
