import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BackupTarget, BackupTargetCheck, CreateBackupTargetRequest, IdParams } from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { BackupTargetsService } from './backup-targets.service';

/** The audit detail of a target: where backups go, never its password or key. */
function auditDetail(target: BackupTarget): Record<string, unknown> {
  const { host, username, path } = target.config as { host?: string; username?: string; path?: string };
  return { name: target.name, kind: target.kind, host, username, path };
}

@Controller('backup-targets')
export class BackupTargetsController {
  constructor(private readonly targets: BackupTargetsService) {}

  @Get()
  @RequirePermission('backups.read')
  @Doc('Backup targets (their secrets are never shown)', z.object({ data: z.array(BackupTarget), total: z.number() }))
  async list() {
    const data = await this.targets.list();
    return { data, total: data.length };
  }

  @Get(':id')
  @RequirePermission('backups.read')
  @Doc('One backup target', BackupTarget)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.targets.get(params.id);
  }

  @Post()
  @RequirePermission('backups.manage')
  @Audit('backup_target.create', 'backup-target')
  @Doc('Add a target: a local directory, or an SFTP server (password or private key, kept encrypted)', BackupTarget, 201)
  async create(@ValidBody(CreateBackupTargetRequest) body: z.output<typeof CreateBackupTargetRequest>, @Req() request: FastifyRequest) {
    const created = await this.targets.create(body);
    request.audit = { ...request.audit, targetId: created.id, detail: auditDetail(created) };
    return created;
  }

  @Post(':id/check')
  @RequirePermission('backups.manage')
  @HttpCode(200)
  @Audit('backup_target.check', 'backup-target')
  @Doc("Test the connection: write, read back and delete a probe object; an SFTP server's host key is pinned at the first success", BackupTargetCheck)
  async check(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const result = await this.targets.check(params.id);
    request.audit = { ...request.audit, detail: { ok: result.ok, code: result.code } };
    return result;
  }

  @Delete(':id')
  @RequirePermission('backups.manage')
  @HttpCode(204)
  @Audit('backup_target.delete', 'backup-target')
  @Doc('Remove a target no schedule uses and no kept backup is stored on')
  async remove(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const removed = await this.targets.delete(params.id);
    request.audit = { ...request.audit, detail: auditDetail(removed) };
  }
}
