import { Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BackupRecipient, CreateBackupRecipientRequest, IdParams } from '@hearth/contracts';
import { operatorOf } from '../common/request-audit';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams } from '../common/route-meta';
import { BackupRecipientsService } from './backup-recipients.service';

/** The age public keys backups are encrypted to; their identities never reach Hearth. */
@Controller('backup-recipients')
export class BackupRecipientsController {
  constructor(private readonly recipients: BackupRecipientsService) {}

  @Get()
  @RequirePermission('backups.read')
  @Doc('Backup recipients (age public keys)', z.object({ data: z.array(BackupRecipient), total: z.number() }))
  async list() {
    const data = await this.recipients.list();
    return { data, total: data.length };
  }

  @Post()
  @RequirePermission('backups.manage')
  @Audit('backup_recipient.create', 'backup-recipient')
  @Doc('Add a recipient: an age public key (age1...); keep its identity (private key) away from Hearth', BackupRecipient, 201)
  async create(@ValidBody(CreateBackupRecipientRequest) body: z.output<typeof CreateBackupRecipientRequest>, @Req() request: FastifyRequest) {
    const created = await this.recipients.create(body, operatorOf(request));
    request.audit = { ...request.audit, targetId: created.id, detail: { name: created.name, publicKey: created.publicKey } };
    return created;
  }

  @Delete(':id')
  @RequirePermission('backups.manage')
  @HttpCode(204)
  @Audit('backup_recipient.delete', 'backup-recipient')
  @Doc('Remove a recipient no schedule uses; backups already encrypted to it stay readable with its identity')
  async remove(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const removed = await this.recipients.delete(params.id);
    request.audit = { ...request.audit, detail: { name: removed.name, publicKey: removed.publicKey } };
  }
}
