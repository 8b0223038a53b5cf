import { Injectable } from '@nestjs/common';
import type { UpgradeRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { BackupsService } from '../backups/backups.service';
import { InstancesService, type Requester } from '../instances/instances.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { PrismaService } from '../database/prisma.service';
import { ServerVersionsService, currentId } from './server-versions.service';

/** Asks for an upgrade: checks what can be checked now, records its backup, queues the job. */
@Injectable()
export class UpgradesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly versions: ServerVersionsService,
    private readonly instances: InstancesService,
    private readonly backups: BackupsService,
    private readonly events: InstanceEventsService,
  ) {}

  /** `rolloutId`: the rollout this upgrade is part of, which moves on when it ends. */
  async upgrade(instanceId: string, request: UpgradeRequest, requester: Requester, rolloutId?: string): Promise<{ id: string; jobId: string; backupId: string }> {
    const row = await this.versions.find(instanceId);
    const versions = await this.versions.versionsOf(row);
    const target = versions.find((v) => v.id === request.versionId);
    if (!target || target.state === 'unavailable') {
      throw new HearthError('request/invalid', `No version ${request.versionId} for this server; GET /api/instances/${instanceId}/versions lists them`);
    }
    if (target.id === currentId(row, versions)) throw new HearthError('request/invalid', `${row.name} already runs ${target.version ?? target.id}`);
    if (row.status !== 'running') throw new HearthError('homeserver/unavailable', `${row.name} is ${row.status}: Hearth upgrades a server that runs, after backing it up`);
    const backup = await this.backups.record({ instanceId, targetId: request.targetId, recipientIds: request.recipientIds, trigger: 'pre-upgrade', createdById: requester.operatorId });
    try {
      const jobId = await this.instances.enqueueUpgrade({ instanceId, versionId: target.id, backupId: backup.id, ...(rolloutId ? { rolloutId } : {}) }, requester.operatorId);
      await this.prisma.backup.update({ where: { id: backup.id }, data: { jobRunId: jobId } });
      await this.events.record(instanceId, 'action', `Upgrade to ${target.version ?? target.id} requested by ${requester.email}`);
      return { id: instanceId, jobId, backupId: backup.id };
    } catch (error) {
      await this.prisma.backup.delete({ where: { id: backup.id } });
      throw error;
    }
  }
}
