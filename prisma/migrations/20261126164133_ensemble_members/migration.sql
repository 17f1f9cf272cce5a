-- CreateTable
CREATE TABLE "EnsembleMember" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "ensembleVersionId" TEXT NOT NULL,
    "memberVersionId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "EnsembleMember_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EnsembleMember_teamId_idx" ON "EnsembleMember"("teamId");

-- CreateIndex
CREATE INDEX "EnsembleMember_memberVersionId_idx" ON "EnsembleMember"("memberVersionId");

-- CreateIndex
CREATE UNIQUE INDEX "EnsembleMember_ensembleVersionId_position_key" ON "EnsembleMember"("ensembleVersionId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "EnsembleMember_ensembleVersionId_memberVersionId_key" ON "EnsembleMember"("ensembleVersionId", "memberVersionId");

-- AddForeignKey
ALTER TABLE "EnsembleMember" ADD CONSTRAINT "EnsembleMember_ensembleVersionId_fkey" FOREIGN KEY ("ensembleVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnsembleMember" ADD CONSTRAINT "EnsembleMember_memberVersionId_fkey" FOREIGN KEY ("memberVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
