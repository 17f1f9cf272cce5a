-- CreateTable
CREATE TABLE "TeamCatalog" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "frameworkId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "shortName" TEXT NOT NULL,
    "catalogVersion" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "controlCount" INTEGER NOT NULL,
    "data" JSONB NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TeamCatalog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TeamCatalog_teamId_idx" ON "TeamCatalog"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "TeamCatalog_teamId_frameworkId_version_key" ON "TeamCatalog"("teamId", "frameworkId", "version");
