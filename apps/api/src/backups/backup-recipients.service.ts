import { Injectable } from '@nestjs/common';
import type { BackupRecipient as RecipientView } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type BackupRecipient } from '../generated/prisma/client';
import { AgeError } from './age/age-error';
import { parseRecipient } from './age/age-keys';

/** The age public keys backups are encrypted to. Hearth never sees the matching identities. */
@Injectable()
export class BackupRecipientsService {
  constructor(private readonly prisma: PrismaService) {}

  async list(): Promise<RecipientView[]> {
    const rows = await this.prisma.backupRecipient.findMany({ orderBy: { name: 'asc' } });
    return Promise.all(rows.map((row) => this.view(row)));
  }

  async create(input: { name: string; publicKey: string }, createdById: string): Promise<RecipientView> {
    try {
      // The checksum and the curve point, not only the shape the request schema checked.
      parseRecipient(input.publicKey);
    } catch (error) {
      if (error instanceof AgeError) throw new HearthError('backup_recipient/invalid', error.message);
      throw error;
    }
    try {
      return await this.view(await this.prisma.backupRecipient.create({ data: { name: input.name, publicKey: input.publicKey, createdById } }));
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new HearthError('backup_recipient/invalid', 'A recipient with this name or key exists');
      }
      throw error;
    }
  }

  async delete(id: string): Promise<RecipientView> {
    const row = await this.find(id);
    const schedules = await this.prisma.backupSchedule.count({ where: { recipientIds: { has: id } } });
    if (schedules) throw new HearthError('backup_recipient/in_use', `${schedules} backup schedule(s) encrypt to it; change them first`);
    await this.prisma.backupRecipient.delete({ where: { id } });
    return this.view(row, 0);
  }

  /** The public keys of these recipients, all of which must exist. */
  async keys(ids: readonly string[]): Promise<string[]> {
    const rows = await this.prisma.backupRecipient.findMany({ where: { id: { in: [...ids] } } });
    const missing = ids.filter((id) => !rows.some((row) => row.id === id));
    if (missing.length) throw new HearthError('backup_recipient/not_found', `No such backup recipient: ${missing.join(', ')}`);
    return rows.map((row) => row.publicKey);
  }

  private async find(id: string): Promise<BackupRecipient> {
    const row = await this.prisma.backupRecipient.findUnique({ where: { id } });
    if (!row) throw new HearthError('backup_recipient/not_found');
    return row;
  }

  private async view(row: BackupRecipient, schedules?: number): Promise<RecipientView> {
    return {
      id: row.id,
      name: row.name,
      publicKey: row.publicKey,
      schedules: schedules ?? (await this.prisma.backupSchedule.count({ where: { recipientIds: { has: row.id } } })),
      createdAt: row.createdAt.toISOString(),
    };
  }
}
