-- CreateEnum
CREATE TYPE "RolloutStatus" AS ENUM ('running', 'waiting', 'succeeded', 'halted', 'cancelled');

-- CreateTable
CREATE TABLE "UpgradeRollout" (
    "id" UUID NOT NULL,
    "kind" "InstanceKind" NOT NULL,
    "to" TEXT NOT NULL,
    "targetId" UUID,
    "recipientIds" UUID[],
    "window" JSONB,
    "instances" JSONB NOT NULL,
    "status" "RolloutStatus" NOT NULL DEFAULT 'running',
    "statusReason" TEXT,
    "nextWindowAt" TIMESTAMP(3),
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "UpgradeRollout_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "UpgradeRollout" ADD CONSTRAINT "UpgradeRollout_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "BackupTarget"("id") ON DELETE SET NULL ON UPDATE CASCADE;
