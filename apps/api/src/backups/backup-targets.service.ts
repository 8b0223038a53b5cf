import { Injectable } from '@nestjs/common';
import type { BackupTarget as BackupTargetView, BackupTargetCheck, CreateBackupTargetRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso } from '../common/list';
import { SecretBox } from '../crypto/secret-box';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type BackupTarget as BackupTargetRow } from '../generated/prisma/client';
import { errorMessage } from '../jobs/job-context';
import type { BackupTarget } from './targets/backup-target';
import { TargetError } from './targets/target-error';
import { type TargetKind, openTarget } from './targets/targets';

/** Backup targets: their records (secrets sealed), and opening one to use it. */
@Injectable()
export class BackupTargetsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<BackupTargetView[]> {
    return (await this.prisma.backupTarget.findMany({ orderBy: { name: 'asc' } })).map(view);
  }

  async get(id: string): Promise<BackupTargetView> {
    return view(await this.find(id));
  }

  async create(input: CreateBackupTargetRequest): Promise<BackupTargetView> {
    try {
      const row = await this.prisma.backupTarget.create({
        data: {
          name: input.name,
          kind: input.kind,
          config: input.config,
          secretsEnc: input.kind === 'local' ? null : this.box.seal(JSON.stringify(input.secrets)),
        },
      });
      return view(row);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new HearthError('backup_target/name_taken');
      throw error;
    }
  }

  async delete(id: string): Promise<BackupTargetView> {
    const row = await this.find(id);
    const schedules = await this.prisma.backupSchedule.count({ where: { targetId: id } });
    const backups = await this.prisma.backup.count({ where: { targetId: id, status: { not: 'pruned' } } });
    const rollouts = await this.prisma.upgradeRollout.count({ where: { targetId: id, status: { in: ['running', 'waiting'] } } });
    if (schedules || backups || rollouts) {
      throw new HearthError('backup_target/in_use', `${schedules} schedule(s) and ${rollouts} unfinished upgrade rollout(s) write to it and ${backups} backup(s) are stored on it; change the schedules, wait for the rollouts and delete the backups first`);
    }
    await this.prisma.backup.deleteMany({ where: { targetId: id } });
    await this.prisma.backupTarget.delete({ where: { id } });
    return view(row);
  }

  /**
   * Connects, writes, reads back and deletes a probe object. An SFTP server's host key is pinned
   * at the first successful check when none was given; afterwards a different key is refused.
   */
  async check(id: string): Promise<BackupTargetCheck> {
    const row = await this.find(id);
    let result: BackupTargetCheck;
    try {
      const check = await this.use(row, (target) => target.test());
      result = { ok: true, detail: check.detail, hostKeySha256: check.hostKeySha256 ?? null, freeBytes: check.freeBytes ?? null, code: null };
    } catch (error) {
      result = { ok: false, detail: errorMessage(error), hostKeySha256: null, freeBytes: null, code: error instanceof TargetError ? error.code : 'backup_target/failed' };
    }
    const config = row.config as Record<string, unknown>;
    const pin = result.ok && row.kind === 'sftp' && !config.hostKeySha256 && result.hostKeySha256 ? { hostKeySha256: result.hostKeySha256 } : {};
    await this.prisma.backupTarget.update({
      where: { id },
      data: { lastCheckAt: new Date(), lastCheckOk: result.ok, lastCheckDetail: result.detail.slice(0, 1000), config: { ...config, ...pin } as Prisma.InputJsonObject },
    });
    return result;
  }

  /** Opens the target for one piece of work and closes it after, whatever happens. */
  async use<T>(row: BackupTargetRow, work: (target: BackupTarget) => Promise<T>): Promise<T> {
    const target = openTarget(row.kind as TargetKind, row.config, row.secretsEnc ? (JSON.parse(this.box.open(row.secretsEnc)) as Record<string, string>) : {});
    try {
      return await work(target);
    } finally {
      await target.close().catch(() => undefined);
    }
  }

  async find(id: string): Promise<BackupTargetRow> {
    const row = await this.prisma.backupTarget.findUnique({ where: { id } });
    if (!row) throw new HearthError('backup_target/not_found');
    return row;
  }
}

function view(row: BackupTargetRow): BackupTargetView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as BackupTargetView['kind'],
    config: row.config as Record<string, unknown>,
    hasSecrets: row.secretsEnc !== null,
    lastCheckAt: iso(row.lastCheckAt),
    lastCheckOk: row.lastCheckOk,
    lastCheckDetail: row.lastCheckDetail,
    createdAt: row.createdAt.toISOString(),
  };
}
