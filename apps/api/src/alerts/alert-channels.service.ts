import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { AlertChannel, AlertChannelListQuery, CreateAlertChannelRequest, UpdateAlertChannelRequest } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { pageArgs } from '../common/list';
import { SecretBox } from '../crypto/secret-box';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type AlertChannel as AlertChannelRow } from '../generated/prisma/client';
import type { ChannelTarget } from './alert-senders';

type ChannelSecrets = Record<string, string>;

/**
 * Alert channels: a kind, non-secret `config` and secrets sealed with the master key. Secrets
 * go in and are used by the senders; they never come back out of the API.
 */
@Injectable()
export class AlertChannelsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly box: SecretBox,
  ) {}

  async list(query: z.output<typeof AlertChannelListQuery>): Promise<{ data: AlertChannel[]; total: number }> {
    const where: Prisma.AlertChannelWhereInput = query.q ? { name: { contains: query.q, mode: 'insensitive' } } : {};
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.alertChannel.findMany({ where, ...pageArgs(query, query.sort) }),
      this.prisma.alertChannel.count({ where }),
    ]);
    return { data: rows.map((row) => this.toAlertChannel(row)), total };
  }

  async get(id: string): Promise<AlertChannel> {
    return this.toAlertChannel(await this.find(id));
  }

  async create(input: z.output<typeof CreateAlertChannelRequest>): Promise<AlertChannel> {
    const secrets: ChannelSecrets = input.secret ? { signingSecret: input.secret } : {};
    const row = await this.uniqueName(input.name, () =>
      this.prisma.alertChannel.create({
        data: { name: input.name, kind: input.kind, enabled: input.enabled, config: { url: input.url }, secretsEnc: this.seal(secrets) },
      }),
    );
    return this.toAlertChannel(row);
  }

  async update(id: string, input: z.output<typeof UpdateAlertChannelRequest>): Promise<AlertChannel> {
    const current = await this.find(id);
    const secrets = this.open(current);
    if (input.secret === null) delete secrets.signingSecret;
    else if (input.secret !== undefined) secrets.signingSecret = input.secret;
    const config = { ...(current.config as Record<string, unknown>), ...(input.url !== undefined ? { url: input.url } : {}) };
    const row = await this.uniqueName(input.name ?? current.name, () =>
      this.prisma.alertChannel.update({
        where: { id },
        data: { name: input.name, enabled: input.enabled, config: config as Prisma.InputJsonObject, secretsEnc: this.seal(secrets) },
      }),
    );
    return this.toAlertChannel(row);
  }

  async remove(id: string): Promise<AlertChannel> {
    const channel = this.toAlertChannel(await this.find(id));
    await this.prisma.alertChannel.delete({ where: { id } });
    return channel;
  }

  async find(id: string): Promise<AlertChannelRow> {
    const row = await this.prisma.alertChannel.findUnique({ where: { id } });
    if (!row) throw new HearthError('alert_channel/not_found');
    return row;
  }

  /** What a sender needs; called in the worker, for one delivery. */
  target(row: AlertChannelRow): ChannelTarget {
    return { config: row.config as Record<string, unknown>, secrets: this.open(row) };
  }

  private toAlertChannel(row: AlertChannelRow): AlertChannel {
    const config = row.config as { url?: string };
    return {
      id: row.id,
      name: row.name,
      kind: row.kind as AlertChannel['kind'],
      enabled: row.enabled,
      config: { url: config.url ?? '' },
      signed: Boolean(this.open(row).signingSecret),
      createdAt: row.createdAt.toISOString(),
    };
  }

  private seal(secrets: ChannelSecrets): string | null {
    return Object.keys(secrets).length ? this.box.seal(JSON.stringify(secrets)) : null;
  }

  private open(row: AlertChannelRow): ChannelSecrets {
    return row.secretsEnc ? (JSON.parse(this.box.open(row.secretsEnc)) as ChannelSecrets) : {};
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new HearthError('alert_channel/name_taken', `An alert channel named "${name}" exists`);
      }
      throw error;
    }
  }
}
