-- CreateEnum
CREATE TYPE "RiskTier" AS ENUM ('MINIMAL', 'LIMITED', 'HIGH', 'UNACCEPTABLE');

-- CreateEnum
CREATE TYPE "VersionStatus" AS ENUM ('ACTIVE', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "DatasetFormat" AS ENUM ('IMAGE_ZIP', 'IDX', 'CSV');

-- CreateEnum
CREATE TYPE "DatasetSplit" AS ENUM ('TRAIN', 'VALIDATION', 'TEST');

-- CreateTable
CREATE TABLE "Artifact" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Artifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Model" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "archivedAt" TIMESTAMP(3),

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModelVersion" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "card" JSONB NOT NULL,
    "riskTier" "RiskTier" NOT NULL,
    "owner" TEXT NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'tfjs-layers',
    "manifestDigest" TEXT NOT NULL,
    "totalBytes" INTEGER NOT NULL,
    "engineInfo" JSONB NOT NULL,
    "trainingDatasetVersionId" TEXT,
    "status" "VersionStatus" NOT NULL DEFAULT 'ACTIVE',
    "storedAt" TIMESTAMP(3),
    "evaluatedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ModelVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModelVersionFile" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "artifactId" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,

    CONSTRAINT "ModelVersionFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dataset" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "archivedAt" TIMESTAMP(3),

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetVersion" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "format" "DatasetFormat" NOT NULL,
    "card" JSONB NOT NULL,
    "licence" TEXT NOT NULL,
    "personalData" TEXT NOT NULL,
    "split" "DatasetSplit" NOT NULL,
    "sampleCount" INTEGER NOT NULL,
    "sampleShape" INTEGER[],
    "classLabels" TEXT[],
    "classCounts" INTEGER[],
    "valueMin" DOUBLE PRECISION NOT NULL,
    "valueMax" DOUBLE PRECISION NOT NULL,
    "featureNames" TEXT[],
    "preview" JSONB NOT NULL,
    "tensorDigest" TEXT NOT NULL,
    "manifestDigest" TEXT NOT NULL,
    "totalBytes" INTEGER NOT NULL,
    "warnings" TEXT[],
    "status" "VersionStatus" NOT NULL DEFAULT 'ACTIVE',
    "storedAt" TIMESTAMP(3),
    "evaluatedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DatasetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetVersionFile" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,
    "artifactId" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,

    CONSTRAINT "DatasetVersionFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Artifact_sha256_idx" ON "Artifact"("sha256");

-- CreateIndex
CREATE UNIQUE INDEX "Artifact_teamId_sha256_key" ON "Artifact"("teamId", "sha256");

-- CreateIndex
CREATE INDEX "Model_teamId_updatedAt_idx" ON "Model"("teamId", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Model_teamId_name_key" ON "Model"("teamId", "name");

-- CreateIndex
CREATE INDEX "ModelVersion_teamId_idx" ON "ModelVersion"("teamId");

-- CreateIndex
CREATE INDEX "ModelVersion_trainingDatasetVersionId_idx" ON "ModelVersion"("trainingDatasetVersionId");

-- CreateIndex
CREATE UNIQUE INDEX "ModelVersion_modelId_version_key" ON "ModelVersion"("modelId", "version");

-- CreateIndex
CREATE INDEX "ModelVersionFile_teamId_idx" ON "ModelVersionFile"("teamId");

-- CreateIndex
CREATE INDEX "ModelVersionFile_artifactId_idx" ON "ModelVersionFile"("artifactId");

-- CreateIndex
CREATE UNIQUE INDEX "ModelVersionFile_modelVersionId_path_key" ON "ModelVersionFile"("modelVersionId", "path");

-- CreateIndex
CREATE INDEX "Dataset_teamId_updatedAt_idx" ON "Dataset"("teamId", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_teamId_name_key" ON "Dataset"("teamId", "name");

-- CreateIndex
CREATE INDEX "DatasetVersion_teamId_idx" ON "DatasetVersion"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "DatasetVersion_datasetId_version_key" ON "DatasetVersion"("datasetId", "version");

-- CreateIndex
CREATE INDEX "DatasetVersionFile_teamId_idx" ON "DatasetVersionFile"("teamId");

-- CreateIndex
CREATE INDEX "DatasetVersionFile_artifactId_idx" ON "DatasetVersionFile"("artifactId");

-- CreateIndex
CREATE UNIQUE INDEX "DatasetVersionFile_datasetVersionId_path_key" ON "DatasetVersionFile"("datasetVersionId", "path");

-- AddForeignKey
ALTER TABLE "ModelVersion" ADD CONSTRAINT "ModelVersion_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelVersion" ADD CONSTRAINT "ModelVersion_trainingDatasetVersionId_fkey" FOREIGN KEY ("trainingDatasetVersionId") REFERENCES "DatasetVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelVersionFile" ADD CONSTRAINT "ModelVersionFile_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModelVersionFile" ADD CONSTRAINT "ModelVersionFile_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetVersion" ADD CONSTRAINT "DatasetVersion_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetVersionFile" ADD CONSTRAINT "DatasetVersionFile_datasetVersionId_fkey" FOREIGN KEY ("datasetVersionId") REFERENCES "DatasetVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetVersionFile" ADD CONSTRAINT "DatasetVersionFile_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An evaluated version (evaluatedAt set) is immutable: only its status (archive) may change, and it
-- cannot be deleted. Enforced here as well as in lib/registry, so no code path can get around it.
CREATE FUNCTION "registry_version_immutable"() RETURNS trigger AS $$
BEGIN
  IF OLD."evaluatedAt" IS NOT NULL THEN
    IF TG_OP = 'DELETE' THEN
      RAISE EXCEPTION '% % has been evaluated: it is immutable and cannot be deleted', TG_TABLE_NAME, OLD.id;
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'updatedAt') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'updatedAt') THEN
      RAISE EXCEPTION '% % has been evaluated: it is immutable (only archiving is allowed)', TG_TABLE_NAME, OLD.id;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "ModelVersion_immutable_when_evaluated" BEFORE UPDATE OR DELETE ON "ModelVersion"
  FOR EACH ROW EXECUTE FUNCTION "registry_version_immutable"();
CREATE TRIGGER "DatasetVersion_immutable_when_evaluated" BEFORE UPDATE OR DELETE ON "DatasetVersion"
  FOR EACH ROW EXECUTE FUNCTION "registry_version_immutable"();
