-- CreateIndex
CREATE INDEX "Evaluation_teamId_status_finishedAt_idx" ON "Evaluation"("teamId", "status", "finishedAt");
