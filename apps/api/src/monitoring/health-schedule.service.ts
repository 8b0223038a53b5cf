import { Injectable } from '@nestjs/common';
import { JobQueue } from '../jobs/job-queue';

/** The per-instance health check, kept by a BullMQ job scheduler (one per instance, idempotent). */
@Injectable()
export class HealthScheduleService {
  constructor(private readonly jobQueue: JobQueue) {}

  static schedulerId(instanceId: string): string {
    return `health:${instanceId}`;
  }

  async schedule(instanceId: string, intervalSec: number): Promise<void> {
    await this.jobQueue.queue.upsertJobScheduler(
      HealthScheduleService.schedulerId(instanceId),
      { every: intervalSec * 1000 },
      { name: 'instance.health-check', data: { instanceId }, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  /** One check now, outside the schedule: a new or restarted instance need not wait a whole interval for its first sample. */
  async checkNow(instanceId: string): Promise<void> {
    await this.jobQueue.queue.add('instance.health-check', { instanceId }, { removeOnComplete: true, removeOnFail: 100 });
  }

  async unschedule(instanceId: string): Promise<void> {
    await this.jobQueue.queue.removeJobScheduler(HealthScheduleService.schedulerId(instanceId));
  }
}
