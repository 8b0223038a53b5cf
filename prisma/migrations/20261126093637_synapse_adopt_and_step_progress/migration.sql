-- AlterEnum
ALTER TYPE "RuntimeKind" ADD VALUE 'external';

-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "baseUrl" TEXT,
ADD COLUMN     "capabilities" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "JobStep" ADD COLUMN     "detail" TEXT,
ADD COLUMN     "progress" INTEGER;
