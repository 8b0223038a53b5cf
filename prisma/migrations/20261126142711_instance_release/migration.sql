-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "release" JSONB;
