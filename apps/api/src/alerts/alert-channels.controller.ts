import { Controller, Delete, Get, HttpCode, Patch, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AlertChannel,
  AlertChannelListQuery,
  AlertTestAccepted,
  CreateAlertChannelRequest,
  DeleteAlertChannelQuery,
  IdParams,
  UpdateAlertChannelRequest,
} from '@hearth/contracts';
import { Audit, Doc, RequirePermission, ValidBody, ValidParams, ValidQuery } from '../common/route-meta';
import { AlertChannelsService } from './alert-channels.service';
import { AlertDeliveriesService } from './alert-deliveries.service';

/** The audit detail of a channel: where alerts go, never a secret or the full URL (it may carry a token). */
function auditDetail(channel: AlertChannel): Record<string, unknown> {
  return { name: channel.name, kind: channel.kind, host: new URL(channel.config.url).host, enabled: channel.enabled, signed: channel.signed };
}

@Controller('alert-channels')
export class AlertChannelsController {
  constructor(
    private readonly channels: AlertChannelsService,
    private readonly deliveries: AlertDeliveriesService,
  ) {}

  @Get()
  @RequirePermission('alerts.read')
  @Doc('Alert channels', z.object({ data: z.array(AlertChannel), total: z.number() }))
  list(@ValidQuery(AlertChannelListQuery) query: z.output<typeof AlertChannelListQuery>) {
    return this.channels.list(query);
  }

  @Get(':id')
  @RequirePermission('alerts.read')
  @Doc('One alert channel (its secret is never shown)', AlertChannel)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.channels.get(params.id);
  }

  @Post()
  @RequirePermission('alerts.manage')
  @Audit('alert_channel.create', 'alert-channel')
  @Doc('Create an alert channel (a webhook: JSON POST, signed when a secret is given)', AlertChannel, 201)
  async create(@ValidBody(CreateAlertChannelRequest) body: z.output<typeof CreateAlertChannelRequest>, @Req() request: FastifyRequest) {
    const created = await this.channels.create(body);
    request.audit = { ...request.audit, targetId: created.id, detail: auditDetail(created) };
    return created;
  }

  @Patch(':id')
  @RequirePermission('alerts.manage')
  @Audit('alert_channel.update', 'alert-channel')
  @Doc('Change name, URL, secret (null removes it) or enabled state', AlertChannel)
  async update(
    @ValidParams(IdParams) params: { id: string },
    @ValidBody(UpdateAlertChannelRequest) body: z.output<typeof UpdateAlertChannelRequest>,
    @Req() request: FastifyRequest,
  ) {
    const updated = await this.channels.update(params.id, body);
    request.audit = { ...request.audit, detail: { ...auditDetail(updated), changed: Object.keys(body).sort() } };
    return updated;
  }

  @Delete(':id')
  @RequirePermission('alerts.manage')
  @HttpCode(204)
  @Audit('alert_channel.delete', 'alert-channel')
  @Doc('Delete an alert channel and its delivery history')
  async remove(@ValidParams(IdParams) params: { id: string }, @ValidQuery(DeleteAlertChannelQuery) _query: z.output<typeof DeleteAlertChannelQuery>, @Req() request: FastifyRequest) {
    const removed = await this.channels.remove(params.id);
    request.audit = { ...request.audit, detail: auditDetail(removed) };
  }

  @Post(':id/test')
  @RequirePermission('alerts.manage')
  @HttpCode(202)
  @Audit('alert_channel.test', 'alert-channel')
  @Doc('Send a test alert through the channel (one attempt, even when the channel is disabled)', AlertTestAccepted, 202)
  async test(@ValidParams(IdParams) params: { id: string }) {
    await this.deliveries.queueTest(params.id);
    return { queued: true as const };
  }
}
