import type { Backup as BackupView } from '@hearth/contracts';
import { iso } from '../common/list';
import type { Backup } from '../generated/prisma/client';

export function backupView(row: Backup & { target: { name: string } }): BackupView {
  return {
    id: row.id,
    instanceId: row.instanceId,
    instanceName: row.instanceName,
    kind: row.kind,
    domain: row.domain,
    targetId: row.targetId,
    targetName: row.target.name,
    scheduleId: row.scheduleId,
    status: row.status as BackupView['status'],
    trigger: row.trigger,
    objectKey: row.objectKey,
    sizeBytes: row.sizeBytes === null ? null : Number(row.sizeBytes),
    sha256: row.sha256,
    recipients: row.recipients,
    fileCount: row.fileCount,
    accountCount: row.accountCount,
    contentBytes: row.contentBytes === null ? null : Number(row.contentBytes),
    serverVersion: row.serverVersion,
    hearthVersion: row.hearthVersion,
    jobId: row.jobRunId,
    error: row.error,
    startedAt: row.startedAt.toISOString(),
    finishedAt: iso(row.finishedAt),
    durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    verifiedAt: iso(row.verifiedAt),
    lastCheckAt: iso(row.lastCheckAt),
    lastCheckOk: row.lastCheckOk,
    lastDrillAt: iso(row.lastDrillAt),
    lastDrillOk: row.lastDrillOk,
    lastDrillDetail: row.lastDrillDetail,
  };
}
