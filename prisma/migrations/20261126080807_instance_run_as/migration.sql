-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "runAsId" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "Instance_runAsId_key" ON "Instance"("runAsId");
