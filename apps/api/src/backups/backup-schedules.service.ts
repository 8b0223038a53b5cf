import { Injectable } from '@nestjs/common';
import { CronExpressionParser } from 'cron-parser';
import type { z } from 'zod';
import type { BackupSchedule as ScheduleView, CreateBackupScheduleRequest, UpdateBackupScheduleRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso } from '../common/list';
import { PrismaService } from '../database/prisma.service';
import type { BackupSchedule, Prisma } from '../generated/prisma/client';
import { JobQueue } from '../jobs/job-queue';
import { BackupRecipientsService } from './backup-recipients.service';
import { BackupTargetsService } from './backup-targets.service';

type ScheduleRow = BackupSchedule & { instance: { name: string }; target: { name: string } };
const WITH_NAMES = { instance: { select: { name: true } }, target: { select: { name: true } } } as const;

/**
 * Backup schedules: a row each, kept by a BullMQ job scheduler (cron pattern and time zone) that
 * queues backup.scheduled when due. The rows are the truth; reconcile() repairs the schedulers.
 */
@Injectable()
export class BackupSchedulesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly jobQueue: JobQueue,
    private readonly targets: BackupTargetsService,
    private readonly recipients: BackupRecipientsService,
  ) {}

  static schedulerId(scheduleId: string): string {
    return `backup:${scheduleId}`;
  }

  async list(instanceId?: string): Promise<ScheduleView[]> {
    const rows = await this.prisma.backupSchedule.findMany({ where: instanceId ? { instanceId } : {}, include: WITH_NAMES, orderBy: { createdAt: 'asc' } });
    return Promise.all(rows.map((row) => this.view(row)));
  }

  async get(id: string): Promise<ScheduleView> {
    return this.view(await this.find(id));
  }

  async create(input: CreateBackupScheduleRequest): Promise<ScheduleView> {
    checkCron(input.cron, input.timezone);
    const instance = await this.prisma.instance.findUnique({ where: { id: input.instanceId } });
    if (!instance) throw new HearthError('instance/not_found');
    if (instance.runtime === 'external') throw new HearthError('backup/unsupported', 'Hearth does not run this adopted server, so it cannot back it up; back it up where it runs');
    await this.targets.find(input.targetId);
    await this.recipients.keys(input.recipientIds);
    const row = await this.prisma.backupSchedule.create({ data: input, include: WITH_NAMES });
    await this.sync(row);
    return this.view(row);
  }

  async update(id: string, input: z.output<typeof UpdateBackupScheduleRequest>): Promise<ScheduleView> {
    const current = await this.find(id);
    checkCron(input.cron ?? current.cron, input.timezone ?? current.timezone);
    if (input.targetId) await this.targets.find(input.targetId);
    if (input.recipientIds) await this.recipients.keys(input.recipientIds);
    const row = await this.prisma.backupSchedule.update({ where: { id }, data: input as Prisma.BackupScheduleUpdateInput, include: WITH_NAMES });
    await this.sync(row);
    return this.view(row);
  }

  async delete(id: string): Promise<ScheduleView> {
    const row = await this.find(id);
    await this.jobQueue.queue.removeJobScheduler(BackupSchedulesService.schedulerId(id));
    await this.prisma.backupSchedule.delete({ where: { id } });
    return this.view(row);
  }

  /** One scheduler per enabled schedule, none for the others; answers how many it changed. */
  async reconcile(): Promise<number> {
    const [rows, schedulers] = await Promise.all([this.prisma.backupSchedule.findMany(), this.jobQueue.queue.getJobSchedulers()]);
    const existing = new Map(schedulers.filter((s) => s.key.startsWith('backup:')).map((s) => [s.key, `${s.pattern} ${s.tz ?? ''}`]));
    let changed = 0;
    for (const row of rows) {
      const key = BackupSchedulesService.schedulerId(row.id);
      const wanted = row.enabled ? `${row.cron} ${row.timezone}` : undefined;
      if (existing.get(key) !== wanted) {
        await this.sync(row);
        changed += 1;
      }
      existing.delete(key);
    }
    for (const key of existing.keys()) {
      await this.jobQueue.queue.removeJobScheduler(key);
      changed += 1;
    }
    return changed;
  }

  private async sync(row: BackupSchedule): Promise<void> {
    const key = BackupSchedulesService.schedulerId(row.id);
    if (!row.enabled) {
      await this.jobQueue.queue.removeJobScheduler(key);
      return;
    }
    await this.jobQueue.queue.upsertJobScheduler(
      key,
      { pattern: row.cron, tz: row.timezone },
      { name: 'backup.scheduled', data: { scheduleId: row.id }, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  private async find(id: string): Promise<ScheduleRow> {
    const row = await this.prisma.backupSchedule.findUnique({ where: { id }, include: WITH_NAMES });
    if (!row) throw new HearthError('backup_schedule/not_found');
    return row;
  }

  private async view(row: ScheduleRow): Promise<ScheduleView> {
    const last = await this.prisma.backup.findFirst({ where: { scheduleId: row.id }, orderBy: { startedAt: 'desc' } });
    return {
      id: row.id,
      instanceId: row.instanceId,
      instanceName: row.instance.name,
      targetId: row.targetId,
      targetName: row.target.name,
      recipientIds: row.recipientIds,
      cron: row.cron,
      timezone: row.timezone,
      enabled: row.enabled,
      keepLast: row.keepLast,
      keepDaily: row.keepDaily,
      keepWeekly: row.keepWeekly,
      keepMonthly: row.keepMonthly,
      nextRunAt: row.enabled ? nextRun(row.cron, row.timezone).toISOString() : null,
      lastBackupAt: iso(last?.startedAt),
      lastStatus: last?.status ?? null,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

/** Five fields only: BullMQ would also take a seconds field, which no operator means. */
export function checkCron(cron: string, timezone: string): void {
  if (cron.trim().split(/\s+/).length !== 5) throw new HearthError('backup_schedule/invalid_cron', 'Use five fields: minute hour day-of-month month day-of-week (e.g. "30 3 * * *")');
  if (!Intl.supportedValuesOf('timeZone').includes(timezone) && timezone !== 'UTC') throw new HearthError('backup_schedule/invalid_cron', `Unknown time zone ${timezone}`);
  try {
    CronExpressionParser.parse(cron, { tz: timezone });
  } catch (error) {
    throw new HearthError('backup_schedule/invalid_cron', `Not a valid cron expression: ${(error as Error).message}`);
  }
}

export function nextRun(cron: string, timezone: string, after = new Date()): Date {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: after }).next().toDate();
}

export function previousRun(cron: string, timezone: string, before = new Date()): Date {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: before }).prev().toDate();
}
