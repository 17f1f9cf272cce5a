-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "rateCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "rateWindowStart" TIMESTAMP(3);
