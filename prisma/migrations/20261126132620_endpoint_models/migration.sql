-- CreateTable
CREATE TABLE "ModelEndpoint" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "method" TEXT NOT NULL DEFAULT 'POST',
    "authKind" TEXT NOT NULL DEFAULT 'none',
    "authHeader" TEXT,
    "authSecretEnc" TEXT,
    "requestTemplate" JSONB NOT NULL,
    "responseMapping" JSONB NOT NULL,
    "outputKind" TEXT NOT NULL,
    "batchSize" INTEGER NOT NULL DEFAULT 16,
    "timeoutMs" INTEGER NOT NULL DEFAULT 10000,
    "requestsPerSecond" DOUBLE PRECISION NOT NULL DEFAULT 10,
    "concurrency" INTEGER NOT NULL DEFAULT 2,
    "maxRetries" INTEGER NOT NULL DEFAULT 3,

    CONSTRAINT "ModelEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundHost" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "allowPrivate" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboundHost_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ModelEndpoint_modelVersionId_key" ON "ModelEndpoint"("modelVersionId");

-- CreateIndex
CREATE INDEX "ModelEndpoint_teamId_idx" ON "ModelEndpoint"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundHost_teamId_host_key" ON "OutboundHost"("teamId", "host");

-- AddForeignKey
ALTER TABLE "ModelEndpoint" ADD CONSTRAINT "ModelEndpoint_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
