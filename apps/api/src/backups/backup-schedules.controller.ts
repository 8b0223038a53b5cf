import { Controller, Delete, Get, HttpCode, Patch, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BackupSchedule, CreateBackupScheduleRequest, IdParams, UpdateBackupScheduleRequest, Uuid } from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { BackupSchedulesService } from './backup-schedules.service';

const ScheduleListQuery = z.object({ instanceId: Uuid.optional() });

function auditDetail(schedule: BackupSchedule): Record<string, unknown> {
  const { instanceName, targetName, cron, timezone, enabled, keepLast, keepDaily, keepWeekly, keepMonthly } = schedule;
  return { instanceName, targetName, cron, timezone, enabled, keepLast, keepDaily, keepWeekly, keepMonthly };
}

@Controller('backup-schedules')
export class BackupSchedulesController {
  constructor(private readonly schedules: BackupSchedulesService) {}

  @Get()
  @RequirePermission('backups.read')
  @Doc('Backup schedules, optionally of one instance', z.object({ data: z.array(BackupSchedule), total: z.number() }))
  async list(@ValidQuery(ScheduleListQuery) query: z.output<typeof ScheduleListQuery>) {
    const data = await this.schedules.list(query.instanceId);
    return { data, total: data.length };
  }

  @Get(':id')
  @RequirePermission('backups.read')
  @Doc('One backup schedule, with its next run', BackupSchedule)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.schedules.get(params.id);
  }

  @Post()
  @RequirePermission('backups.manage')
  @Audit('backup_schedule.create', 'backup-schedule')
  @Doc('Schedule backups of an instance (cron, time zone, target, recipients, keep rules)', BackupSchedule, 201)
  async create(@ValidBody(CreateBackupScheduleRequest) body: z.output<typeof CreateBackupScheduleRequest>, @Req() request: FastifyRequest) {
    const created = await this.schedules.create(body);
    request.audit = { ...request.audit, targetId: created.id, detail: auditDetail(created) };
    return created;
  }

  @Patch(':id')
  @RequirePermission('backups.manage')
  @Audit('backup_schedule.update', 'backup-schedule')
  @Doc('Change a schedule', BackupSchedule)
  async update(@ValidParams(IdParams) params: { id: string }, @ValidBody(UpdateBackupScheduleRequest) body: z.output<typeof UpdateBackupScheduleRequest>, @Req() request: FastifyRequest) {
    const updated = await this.schedules.update(params.id, body);
    request.audit = { ...request.audit, detail: { ...auditDetail(updated), changed: Object.keys(body).sort() } };
    return updated;
  }

  @Delete(':id')
  @RequirePermission('backups.manage')
  @HttpCode(204)
  @Audit('backup_schedule.delete', 'backup-schedule')
  @Doc('Stop scheduling these backups; the backups made stay')
  async remove(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const removed = await this.schedules.delete(params.id);
    request.audit = { ...request.audit, detail: auditDetail(removed) };
  }
}
