import { Injectable } from '@nestjs/common';
import type { InstanceStatus } from '@hearth/contracts';
import { PrismaService } from '../database/prisma.service';
import type { InstanceEvent } from '../generated/prisma/client';

/**
 * backup-failed: a backup did not end verified; backup-missed: a scheduled backup did not happen
 * when due; privacy-drift: the server does something else than its retention policy says;
 * upgrade-failed: an upgrade was undone.
 */
export type InstanceEventType = 'status-change' | 'crash' | 'restart' | 'action' | 'backup-failed' | 'backup-missed' | 'privacy-drift' | 'upgrade-failed';

/**
 * Status changes and other events of instances. Every status write goes through transition(),
 * so the event history (and the alerts that follow it) can't miss a change.
 */
@Injectable()
export class InstanceEventsService {
  private readonly listeners: ((event: InstanceEvent) => Promise<void>)[] = [];

  constructor(private readonly prisma: PrismaService) {}

  /** Alerting subscribes here; a listener's failure never undoes the event. */
  onEvent(listener: (event: InstanceEvent) => Promise<void>): void {
    this.listeners.push(listener);
  }

  /**
   * Sets the status and records the change with its reason; returns the event, or undefined
   * when the status was already `to` (only the reason is refreshed then). With `only`, nothing
   * changes unless the instance still has that status and desired state: a health check's
   * conclusion must not overwrite what a job did while the check was probing.
   */
  async transition(
    instanceId: string,
    to: InstanceStatus,
    reason: string,
    only: { from?: InstanceStatus; desiredState?: 'running' | 'stopped' } = {},
  ): Promise<InstanceEvent | undefined> {
    const event = await this.prisma.$transaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ status: InstanceStatus; desiredState: string }[]>`
        SELECT status, "desiredState" FROM "Instance" WHERE id = ${instanceId}::uuid FOR UPDATE`;
      if (!current) return undefined;
      if ((only.from && current.status !== only.from) || (only.desiredState && current.desiredState !== only.desiredState)) return undefined;
      await tx.instance.update({ where: { id: instanceId }, data: { status: to, statusReason: reason } });
      if (current.status === to) return undefined;
      return tx.instanceEvent.create({ data: { instanceId, type: 'status-change', fromStatus: current.status, toStatus: to, reason } });
    });
    if (event) await this.notify(event);
    return event;
  }

  async record(instanceId: string, type: Exclude<InstanceEventType, 'status-change'>, reason: string): Promise<InstanceEvent> {
    const event = await this.prisma.instanceEvent.create({ data: { instanceId, type, reason } });
    await this.notify(event);
    return event;
  }

  private async notify(event: InstanceEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event).catch(() => undefined);
  }
}
