-- CreateEnum
CREATE TYPE "InstanceKind" AS ENUM ('prosody', 'ejabberd', 'synapse');

-- CreateEnum
CREATE TYPE "RuntimeKind" AS ENUM ('process', 'container');

-- CreateEnum
CREATE TYPE "InstanceStatus" AS ENUM ('provisioning', 'running', 'degraded', 'down', 'stopped', 'failed', 'upgrading');

-- CreateTable
CREATE TABLE "Instance" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "InstanceKind" NOT NULL,
    "domain" TEXT NOT NULL,
    "runtime" "RuntimeKind" NOT NULL,
    "bindAddress" TEXT NOT NULL,
    "version" TEXT,
    "status" "InstanceStatus" NOT NULL DEFAULT 'provisioning',
    "statusReason" TEXT,
    "desiredState" TEXT NOT NULL DEFAULT 'running',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "ports" JSONB NOT NULL DEFAULT '{}',
    "secretsEnc" TEXT,
    "dir" TEXT NOT NULL,
    "healthIntervalSec" INTEGER NOT NULL DEFAULT 30,
    "recentCrashes" TIMESTAMP(3)[] DEFAULT ARRAY[]::TIMESTAMP(3)[],
    "lastHealthAt" TIMESTAMP(3),
    "lastHealthyAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "createdById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InstancePort" (
    "port" INTEGER NOT NULL,
    "instanceId" UUID NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "InstancePort_pkey" PRIMARY KEY ("port")
);

-- CreateTable
CREATE TABLE "HealthSample" (
    "id" BIGSERIAL NOT NULL,
    "instanceId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ok" BOOLEAN NOT NULL,
    "latencyMs" INTEGER,
    "checks" JSONB NOT NULL,

    CONSTRAINT "HealthSample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InstanceEvent" (
    "id" UUID NOT NULL,
    "instanceId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT NOT NULL,
    "fromStatus" "InstanceStatus",
    "toStatus" "InstanceStatus",
    "reason" TEXT NOT NULL,

    CONSTRAINT "InstanceEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertChannel" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "config" JSONB NOT NULL,
    "secretsEnc" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "eventId" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Instance_name_key" ON "Instance"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Instance_domain_key" ON "Instance"("domain");

-- CreateIndex
CREATE UNIQUE INDEX "InstancePort_instanceId_name_key" ON "InstancePort"("instanceId", "name");

-- CreateIndex
CREATE INDEX "HealthSample_instanceId_at_idx" ON "HealthSample"("instanceId", "at");

-- CreateIndex
CREATE INDEX "HealthSample_at_idx" ON "HealthSample"("at");

-- CreateIndex
CREATE INDEX "InstanceEvent_instanceId_at_idx" ON "InstanceEvent"("instanceId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "AlertChannel_name_key" ON "AlertChannel"("name");

-- CreateIndex
CREATE UNIQUE INDEX "AlertDelivery_channelId_eventId_key" ON "AlertDelivery"("channelId", "eventId");

-- AddForeignKey
ALTER TABLE "InstancePort" ADD CONSTRAINT "InstancePort_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HealthSample" ADD CONSTRAINT "HealthSample_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstanceEvent" ADD CONSTRAINT "InstanceEvent_instanceId_fkey" FOREIGN KEY ("instanceId") REFERENCES "Instance"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "AlertChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "InstanceEvent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
