-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "privacyDrift" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "retentionPolicyId" UUID;

-- CreateTable
CREATE TABLE "RetentionPolicy" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "preset" TEXT,
    "knobs" JSONB NOT NULL,
    "console" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RetentionPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RetentionPolicy_name_key" ON "RetentionPolicy"("name");

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_retentionPolicyId_fkey" FOREIGN KEY ("retentionPolicyId") REFERENCES "RetentionPolicy"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
