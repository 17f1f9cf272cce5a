-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "corruptionGallery" JSONB;
