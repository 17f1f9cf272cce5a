-- CreateEnum
CREATE TYPE "EvaluationStatus" AS ENUM ('QUEUED', 'RUNNING', 'AGGREGATING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "ShardStatus" AS ENUM ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Evaluation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,
    "preset" TEXT NOT NULL,
    "suite" JSONB NOT NULL,
    "seed" INTEGER NOT NULL,
    "sampleCount" INTEGER NOT NULL,
    "sampleIndices" INTEGER[],
    "shardSize" INTEGER NOT NULL,
    "shardCount" INTEGER NOT NULL,
    "shardsDone" INTEGER NOT NULL DEFAULT 0,
    "status" "EvaluationStatus" NOT NULL DEFAULT 'QUEUED',
    "estimatedSteps" DOUBLE PRECISION NOT NULL,
    "scheduleId" TEXT,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "cancelledById" TEXT,
    "cancelledByLabel" TEXT,
    "cancelledAt" TIMESTAMP(3),
    "failureReason" TEXT,
    "metrics" JSONB,
    "reliability" JSONB,
    "verdict" TEXT,
    "cleanAccuracy" DOUBLE PRECISION,
    "headlineRobust" DOUBLE PRECISION,
    "gallery" JSONB,
    "provenance" JSONB,
    "previousEvaluationId" TEXT,
    "comparison" JSONB,

    CONSTRAINT "Evaluation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvaluationShard" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "evaluationId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    "status" "ShardStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "workerId" TEXT,
    "backend" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "result" JSONB,
    "error" TEXT,

    CONSTRAINT "EvaluationShard_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "modelVersionId" TEXT,
    "datasetVersionId" TEXT NOT NULL,
    "preset" TEXT NOT NULL,
    "suite" JSONB NOT NULL,
    "sampleCount" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastRunAt" TIMESTAMP(3),
    "lastEvaluationId" TEXT,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RegressionAlert" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "evaluationId" TEXT NOT NULL,
    "previousEvaluationId" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "summary" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedById" TEXT,
    "acknowledgedByLabel" TEXT,
    "acknowledgementNote" TEXT,

    CONSTRAINT "RegressionAlert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TeamSettings" (
    "teamId" TEXT NOT NULL,
    "regressionTolerancePp" DOUBLE PRECISION NOT NULL DEFAULT 2,
    "webhookUrl" TEXT,
    "webhookSecret" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TeamSettings_pkey" PRIMARY KEY ("teamId")
);

-- CreateIndex
CREATE INDEX "Evaluation_teamId_createdAt_idx" ON "Evaluation"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "Evaluation_teamId_modelId_status_idx" ON "Evaluation"("teamId", "modelId", "status");

-- CreateIndex
CREATE INDEX "Evaluation_modelVersionId_idx" ON "Evaluation"("modelVersionId");

-- CreateIndex
CREATE UNIQUE INDEX "Evaluation_teamId_number_key" ON "Evaluation"("teamId", "number");

-- CreateIndex
CREATE INDEX "EvaluationShard_teamId_idx" ON "EvaluationShard"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "EvaluationShard_evaluationId_index_key" ON "EvaluationShard"("evaluationId", "index");

-- CreateIndex
CREATE INDEX "Schedule_teamId_idx" ON "Schedule"("teamId");

-- CreateIndex
CREATE INDEX "RegressionAlert_teamId_acknowledgedAt_idx" ON "RegressionAlert"("teamId", "acknowledgedAt");

-- CreateIndex
CREATE INDEX "RegressionAlert_modelId_idx" ON "RegressionAlert"("modelId");

-- AddForeignKey
ALTER TABLE "EvaluationShard" ADD CONSTRAINT "EvaluationShard_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RegressionAlert" ADD CONSTRAINT "RegressionAlert_evaluationId_fkey" FOREIGN KEY ("evaluationId") REFERENCES "Evaluation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
