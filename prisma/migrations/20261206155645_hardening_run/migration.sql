-- CreateTable
CREATE TABLE "HardeningRun" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "parentVersionId" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "trainCount" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'QUEUED',
    "epochsDone" INTEGER NOT NULL DEFAULT 0,
    "examplesDone" INTEGER NOT NULL DEFAULT 0,
    "estimate" JSONB NOT NULL,
    "checkpointDigest" TEXT,
    "cost" JSONB,
    "resultVersionId" TEXT,
    "error" TEXT,
    "workerId" TEXT,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "HardeningRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HardeningRun_teamId_createdAt_idx" ON "HardeningRun"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "HardeningRun_parentVersionId_idx" ON "HardeningRun"("parentVersionId");
