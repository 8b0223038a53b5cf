import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Backup, BackupAccepted, BackupListQuery, DeleteBackupQuery, DrillBackupRequest, IdParams, RestoreBackupRequest, StartBackupRequest } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { operatorOf } from '../common/request-audit';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { BackupsService } from './backups.service';

/** Backups: made by jobs, verified by reading them back, restored with a key Hearth holds for one job only. */
@Controller('backups')
export class BackupsController {
  constructor(private readonly backups: BackupsService) {}

  @Get()
  @RequirePermission('backups.read')
  @Doc('Backups, newest first', z.object({ data: z.array(Backup), total: z.number() }))
  list(@ValidQuery(BackupListQuery) query: z.output<typeof BackupListQuery>) {
    return this.backups.list(query);
  }

  @Get(':id')
  @RequirePermission('backups.read')
  @Doc('One backup', Backup)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.backups.get(params.id);
  }

  @Post()
  @RequirePermission('backups.manage')
  @HttpCode(202)
  @Audit('backup.start', 'instance')
  @Doc('Back an instance up now (a job): snapshot, archive, encrypt to the recipients, upload, verify', BackupAccepted, 202)
  async start(@ValidBody(StartBackupRequest) body: z.output<typeof StartBackupRequest>, @Req() request: FastifyRequest) {
    const accepted = await this.backups.start({ ...body, trigger: 'manual', createdById: operatorOf(request) });
    request.audit = { ...request.audit, targetId: body.instanceId, detail: { backupId: accepted.id, jobId: accepted.jobId, reason: body.reason } };
    return accepted;
  }

  @Post(':id/verify')
  @RequirePermission('backups.manage')
  @HttpCode(202)
  @Audit('backup.verify', 'backup')
  @Doc('Read the stored object back and compare its size and sha256 with the record (a job; no key needed)', BackupAccepted, 202)
  verify(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    return this.backups.verify(params.id, operatorOf(request));
  }

  @Post(':id/restore')
  @RequirePermission('backups.manage')
  @HttpCode(202)
  @Audit('backup.restore', 'backup')
  @Doc("Restore into the same instance (its state is set aside and comes back on failure) or a new one; the identity is checked first and held for this job only", z.object({ id: z.string(), jobId: z.string(), instanceId: z.string() }), 202)
  async restore(@ValidParams(IdParams) params: { id: string }, @ValidBody(RestoreBackupRequest) body: z.output<typeof RestoreBackupRequest>, @Req() request: FastifyRequest) {
    const { operatorId, email } = request.actor as Actor;
    const accepted = await this.backups.restore(params.id, body, { operatorId, email });
    request.audit = { ...request.audit, detail: { mode: body.mode, instanceId: accepted.instanceId, jobId: accepted.jobId, reason: body.reason } };
    return accepted;
  }

  @Post(':id/drill')
  @RequirePermission('backups.manage')
  @HttpCode(202)
  @Audit('backup.drill', 'backup')
  @Doc('Restore drill (a job): restore into a scratch server, start it, count its accounts, remove it', BackupAccepted, 202)
  async drill(@ValidParams(IdParams) params: { id: string }, @ValidBody(DrillBackupRequest) body: z.output<typeof DrillBackupRequest>, @Req() request: FastifyRequest) {
    const accepted = await this.backups.drill(params.id, body.identity, operatorOf(request));
    request.audit = { ...request.audit, detail: { jobId: accepted.jobId } };
    return accepted;
  }

  @Delete(':id')
  @RequirePermission('backups.manage')
  @HttpCode(204)
  @Audit('backup.delete', 'backup')
  @Doc("Delete a backup's stored object and its record; confirm with the first 8 characters of its id")
  async remove(@ValidParams(IdParams) params: { id: string }, @ValidQuery(DeleteBackupQuery) query: z.output<typeof DeleteBackupQuery>, @Req() request: FastifyRequest) {
    const removed = await this.backups.delete(params.id, query.confirm);
    request.audit = { ...request.audit, detail: { instanceName: removed.instanceName, objectKey: removed.objectKey, reason: query.reason } };
  }
}
