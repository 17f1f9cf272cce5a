-- AlterTable
ALTER TABLE "TeamCatalog" ADD COLUMN     "restoredFrom" INTEGER;
