import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { type Backup as BackupView, type BackupAccepted, type BackupListQuery, CreateInstanceRequest, type RestoreBackupRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { pageArgs } from '../common/list';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { Backup, Prisma } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { InstancesService, type Requester } from '../instances/instances.service';
import { JobsService } from '../jobs/jobs.service';
import { AgeError } from './age/age-error';
import { parseIdentities } from './age/age-keys';
import { identitiesOpen } from './backup-reader';
import { BackupRecipientsService } from './backup-recipients.service';
import { BackupTargetsService } from './backup-targets.service';
import { backupView } from './backup-view';
import { RestoreIdentities } from './restore-identities';
import { TargetError } from './targets/target-error';

export interface NewBackup {
  readonly instanceId: string;
  readonly targetId: string;
  readonly recipientIds: readonly string[];
  readonly scheduleId?: string;
  readonly trigger: 'manual' | 'schedule' | 'pre-upgrade';
  readonly createdById?: string;
}

/** Backups as records: starting one, listing, checking, restoring, drilling and deleting them. */
@Injectable()
export class BackupsService {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly jobs: JobsService,
    private readonly instances: InstancesService,
    private readonly targets: BackupTargetsService,
    private readonly recipients: BackupRecipientsService,
    private readonly identities: RestoreIdentities,
  ) {}

  async list(query: z.output<typeof BackupListQuery>): Promise<{ data: BackupView[]; total: number }> {
    const where: Prisma.BackupWhereInput = {
      ...(query.instanceId ? { instanceId: query.instanceId } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.q ? { instanceName: { contains: query.q, mode: 'insensitive' } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.prisma.backup.findMany({ where, include: { target: { select: { name: true } } }, ...pageArgs(query, query.sort) }),
      this.prisma.backup.count({ where }),
    ]);
    return { data: rows.map(backupView), total };
  }

  async get(id: string): Promise<BackupView> {
    return backupView(await this.findWithTarget(id));
  }

  /** Records the backup (status running) and queues the job that makes it. */
  async start(input: NewBackup): Promise<BackupAccepted> {
    const backup = await this.record(input);
    try {
      const jobId = await this.jobs.enqueue('backup.run', { backupId: backup.id }, { createdById: input.createdById, targetType: 'instance', targetId: input.instanceId });
      await this.prisma.backup.update({ where: { id: backup.id }, data: { jobRunId: jobId } });
      return { id: backup.id, jobId };
    } catch (error) {
      await this.prisma.backup.update({ where: { id: backup.id }, data: { status: 'failed', error: 'Could not queue the backup job', finishedAt: new Date() } });
      throw error;
    }
  }

  /** The backup's record (status running), for a job to make it: its own, or another's step. */
  async record(input: NewBackup): Promise<Backup> {
    const instance = await this.prisma.instance.findUnique({ where: { id: input.instanceId } });
    if (!instance) throw new HearthError('instance/not_found');
    if (instance.runtime === 'external' || !this.host.driver(instance.kind).backupLayout) {
      throw new HearthError('backup/unsupported', 'Hearth does not run this adopted server, so it cannot back it up; back it up where it runs');
    }
    await this.targets.find(input.targetId);
    const keys = await this.recipients.keys(input.recipientIds);
    return this.prisma.backup.create({
      data: {
        instanceId: instance.id,
        instanceName: instance.name,
        kind: instance.kind,
        domain: instance.domain,
        targetId: input.targetId,
        scheduleId: input.scheduleId,
        trigger: input.trigger,
        recipients: keys,
        serverVersion: instance.version,
        hearthVersion: this.config.version,
      },
    });
  }

  async verify(id: string, createdById: string): Promise<BackupAccepted> {
    const backup = await this.find(id);
    if (!backup.objectKey) throw new HearthError('backup/not_verified', 'This backup never reached its target; there is nothing to check');
    if (backup.status === 'pruned') throw new HearthError('backup/not_verified', 'This backup was pruned by its keep rules: its object is deleted');
    return { id, jobId: await this.jobs.enqueue('backup.verify', { backupId: id }, { createdById, targetType: 'backup', targetId: id }) };
  }

  /**
   * The identity is checked against the stored object's header before anything is queued: a
   * wrong key is answered at once and changes nothing.
   */
  async restore(id: string, input: RestoreBackupRequest, requester: Requester): Promise<BackupAccepted & { instanceId: string }> {
    const backup = await this.restorable(id);
    const identities = await this.openWith(backup, input.identity);
    if (input.mode === 'same') {
      if (!backup.instanceId) throw new HearthError('instance/not_found', 'The instance this backup came from no longer exists; restore it into a new instance');
      const instance = await this.prisma.instance.findUnique({ where: { id: backup.instanceId } });
      if (!instance) throw new HearthError('instance/not_found');
      if (input.confirm !== instance.name) throw new HearthError('backup/confirmation_mismatch', `Type the instance's name (${instance.name}) to replace its data with this backup`);
      const identityRef = await this.identities.hold(identities);
      const jobId = await this.instances.enqueueRestore({ backupId: id, instanceId: instance.id, mode: 'same', identityRef }, requester.operatorId);
      return { id, jobId, instanceId: instance.id };
    }
    const created = await this.instances.create(CreateInstanceRequest.parse({ name: input.name, kind: backup.kind, domain: backup.domain }), requester.operatorId);
    const identityRef = await this.identities.hold(identities);
    // Queued behind the provisioning, which it waits for: the lifecycle lock would refuse it now.
    const jobId = await this.jobs.enqueue('backup.restore', { backupId: id, instanceId: created.id, mode: 'new', identityRef }, { createdById: requester.operatorId, targetType: 'instance', targetId: created.id });
    return { id, jobId, instanceId: created.id };
  }

  async drill(id: string, identity: string, createdById: string): Promise<BackupAccepted> {
    const backup = await this.restorable(id);
    const identities = await this.openWith(backup, identity);
    const identityRef = await this.identities.hold(identities);
    return { id, jobId: await this.jobs.enqueue('backup.drill', { backupId: id, identityRef }, { createdById, targetType: 'backup', targetId: id }) };
  }

  /** Deletes the stored object and its sidecar, then the record; `confirm` is the backup id's first 8 characters. */
  async delete(id: string, confirm: string): Promise<BackupView> {
    const backup = await this.findWithTarget(id);
    if (confirm !== id.slice(0, 8)) throw new HearthError('backup/confirmation_mismatch', `Type ${id.slice(0, 8)} (the start of the backup's id) to delete it`);
    if (backup.status === 'running') throw new HearthError('backup/not_verified', 'This backup is still being written; wait for its job to end');
    if (backup.objectKey) {
      const key = backup.objectKey;
      await this.asTargetCall(() => this.targets.use(backup.target, async (target) => {
        await target.delete(key);
        await target.delete(`${key}.json`);
      }));
    }
    await this.prisma.backup.delete({ where: { id } });
    return backupView(backup);
  }

  private async restorable(id: string): Promise<Backup & { target: { name: string } }> {
    const backup = await this.findWithTarget(id);
    if (backup.status !== 'verified' || !backup.objectKey || backup.sizeBytes === null || !backup.sha256) {
      throw new HearthError('backup/not_verified', `This backup is ${backup.status}; only a verified backup can be restored`);
    }
    return backup;
  }

  private async openWith(backup: Backup, identityText: string): Promise<string[]> {
    let identities: string[];
    try {
      identities = parseIdentities(identityText);
    } catch (error) {
      if (error instanceof AgeError) throw new HearthError('restore/identity_invalid', error.message);
      throw error;
    }
    const row = await this.targets.find(backup.targetId);
    await this.asTargetCall(() =>
      this.targets.use(row, (target) => identitiesOpen(target, backup.objectKey!, identities)).catch((error: unknown) => {
        if (error instanceof AgeError && error.code === 'age/no-identity-matched') {
          throw new HearthError('restore/identity_mismatch', `None of the given identities is one of this backup's recipients (${backup.recipients.map(short).join(', ')})`);
        }
        if (error instanceof AgeError) throw new HearthError('backup_target/failed', `The stored object is not a readable age file: ${error.message}`);
        throw error;
      }),
    );
    return identities;
  }

  private async asTargetCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof TargetError) throw new HearthError(error.code, error.message);
      throw error;
    }
  }

  private async find(id: string): Promise<Backup> {
    const row = await this.prisma.backup.findUnique({ where: { id } });
    if (!row) throw new HearthError('backup/not_found');
    return row;
  }

  private async findWithTarget(id: string) {
    const row = await this.prisma.backup.findUnique({ where: { id }, include: { target: true } });
    if (!row) throw new HearthError('backup/not_found');
    return row;
  }
}

/** age1abcd…wxyz: enough to tell recipients apart. */
function short(key: string): string {
  return `${key.slice(0, 10)}…${key.slice(-4)}`;
}
