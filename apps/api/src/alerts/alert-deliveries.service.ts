import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { withTimeout } from '../common/with-timeout';
import { PrismaService } from '../database/prisma.service';
import type { InstanceEvent } from '../generated/prisma/client';
import { errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import { JobQueue } from '../jobs/job-queue';
import type { JobPayloads } from '../jobs/job-types';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { type AlertMessage, type AlertSender, WebhookSender } from './alert-senders';
import { AlertChannelsService } from './alert-channels.service';

/** Crashes, status changes, backups that failed or never happened and privacy drift page someone; restarts and operator actions are only history. */
const ALERTED_EVENTS = new Set(['status-change', 'crash', 'backup-failed', 'backup-missed', 'privacy-drift', 'upgrade-failed']);
export const DELIVERY_ATTEMPTS = 5;
const SEND_TIMEOUT_MS = 10_000;
const QUEUE_TIMEOUT_MS = 5_000;

/**
 * Turns instance events into alerts: one AlertDelivery per enabled channel, each sent by an
 * `alert.deliver` job that BullMQ retries with exponential backoff. The delivery row is the
 * record (attempts, last error); these jobs have no JobRun.
 */
@Injectable()
export class AlertDeliveriesService implements OnModuleInit {
  private readonly logger = new Logger('Alerts');
  private readonly senders: Map<string, AlertSender>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly jobQueue: JobQueue,
    private readonly events: InstanceEventsService,
    private readonly channels: AlertChannelsService,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {
    const senders: AlertSender[] = [new WebhookSender({ timeoutMs: SEND_TIMEOUT_MS, userAgent: `Hearth/${config.version}` })];
    this.senders = new Map(senders.map((sender) => [sender.kind, sender]));
  }

  onModuleInit(): void {
    this.events.onEvent((event) => this.dispatch(event));
  }

  async dispatch(event: InstanceEvent): Promise<void> {
    if (!ALERTED_EVENTS.has(event.type)) return;
    const channels = await this.prisma.alertChannel.findMany({ where: { enabled: true }, select: { id: true } });
    if (!channels.length) return;
    const deliveries = await this.prisma.alertDelivery.createManyAndReturn({
      data: channels.map((channel) => ({ channelId: channel.id, eventId: event.id })),
      skipDuplicates: true,
      select: { id: true },
    });
    const options: JobsOptions = {
      attempts: DELIVERY_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.alertRetryDelayMs },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    };
    try {
      await withTimeout(
        this.jobQueue.queue.addBulk(deliveries.map(({ id }) => ({ name: 'alert.deliver', data: { deliveryId: id }, opts: { ...options, jobId: id } }))),
        QUEUE_TIMEOUT_MS,
        'Redis did not accept the alerts in time',
      );
    } catch (error) {
      this.logger.error({ msg: 'could not queue alerts', eventId: event.id, error: errorMessage(error) });
      await this.prisma.alertDelivery.updateMany({
        where: { id: { in: deliveries.map((d) => d.id) } },
        data: { status: 'failed', lastError: 'Could not queue the alert: Redis is unavailable' },
      });
    }
  }

  /** A test alert, whatever the channel's enabled state: one attempt, the receiver tells the result. */
  async queueTest(channelId: string): Promise<void> {
    await this.channels.find(channelId);
    await withTimeout(
      this.jobQueue.queue.add('alert.deliver', { channelId, test: true }, { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } }),
      QUEUE_TIMEOUT_MS,
      'Redis did not accept the test alert in time',
    );
  }

  @JobHandler('alert.deliver', { recorded: false })
  async deliver(payload: JobPayloads['alert.deliver']): Promise<void> {
    if ('test' in payload) return this.sendTest(payload.channelId);
    const delivery = await this.prisma.alertDelivery.findUnique({
      where: { id: payload.deliveryId },
      include: { channel: true, event: { include: { instance: { select: { id: true, name: true, kind: true, domain: true, status: true } } } } },
    });
    if (!delivery || delivery.status !== 'pending') return;
    const { event } = delivery;
    const { status, ...instance } = event.instance;
    const message: AlertMessage = {
      id: event.id,
      event: event.type as AlertMessage['event'],
      instance,
      status: event.toStatus ?? status,
      previousStatus: event.fromStatus,
      // The first line only: a crash's reason goes on with the server's last output, which stays in Hearth.
      reason: event.reason.split('\n')[0]!,
      at: event.at.toISOString(),
    };
    try {
      await this.send(delivery.channel, message);
    } catch (error) {
      const final = delivery.attempts + 1 >= DELIVERY_ATTEMPTS;
      await this.prisma.alertDelivery.update({
        where: { id: delivery.id },
        data: { attempts: { increment: 1 }, lastError: errorMessage(error), status: final ? 'failed' : 'pending' },
      });
      // Thrown, BullMQ retries it after the backoff; after the last attempt there is nothing to retry.
      if (!final) throw error;
      this.logger.warn({ msg: 'alert not delivered', deliveryId: delivery.id, channelId: delivery.channelId, error: errorMessage(error) });
      return;
    }
    await this.prisma.alertDelivery.update({
      where: { id: delivery.id },
      data: { attempts: { increment: 1 }, status: 'delivered', deliveredAt: new Date(), lastError: null },
    });
  }

  private async sendTest(channelId: string): Promise<void> {
    const channel = await this.prisma.alertChannel.findUnique({ where: { id: channelId } });
    if (!channel) return;
    const message: AlertMessage = {
      id: randomUUID(),
      event: 'test',
      instance: null,
      status: null,
      previousStatus: null,
      reason: `A test alert from Hearth for the channel "${channel.name}"`,
      at: new Date().toISOString(),
    };
    await this.send(channel, message).catch((error: unknown) =>
      this.logger.warn({ msg: 'test alert not delivered', channelId, error: errorMessage(error) }),
    );
  }

  private async send(channel: Parameters<AlertChannelsService['target']>[0], message: AlertMessage): Promise<void> {
    const sender = this.senders.get(channel.kind);
    if (!sender) throw new Error(`Hearth cannot send ${channel.kind} alerts`);
    await sender.send(this.channels.target(channel), message);
  }
}
