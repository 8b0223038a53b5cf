import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { JobQueue } from '../jobs/job-queue';
import { HealthScheduleService } from './health-schedule.service';

/**
 * At worker start: one health-check scheduler per instance, with its interval. The schedulers
 * live in Redis and survive a worker restart by themselves; this repairs what a lost or
 * flushed Redis, or a crash between a database write and its scheduler, left behind.
 */
@Injectable()
export class HealthScheduleReconciler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Monitoring');

  constructor(
    private readonly prisma: PrismaService,
    private readonly jobQueue: JobQueue,
    private readonly schedules: HealthScheduleService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const { added, removed } = await this.reconcile();
      if (added || removed) this.logger.log({ msg: 'health-check schedulers repaired', added, removed });
    } catch (error) {
      // The existing schedulers keep running; the next worker start tries again.
      this.logger.warn({ msg: 'could not check the health-check schedulers', error: (error as Error).message });
    }
  }

  async reconcile(): Promise<{ added: number; removed: number }> {
    const [instances, schedulers] = await Promise.all([
      this.prisma.instance.findMany({ select: { id: true, healthIntervalSec: true, status: true } }),
      this.jobQueue.queue.getJobSchedulers(),
    ]);
    const known = new Map(instances.map((i) => [HealthScheduleService.schedulerId(i.id), i]));
    const existing = new Map(schedulers.map((s) => [s.key, Number(s.every)]));
    let added = 0;
    let removed = 0;
    for (const [key, instance] of known) {
      // A provisioning instance gets its scheduler when the provision succeeds.
      if (instance.status === 'provisioning' || existing.get(key) === instance.healthIntervalSec * 1000) continue;
      await this.schedules.schedule(instance.id, instance.healthIntervalSec);
      added++;
    }
    for (const key of existing.keys()) {
      if (!key.startsWith(HealthScheduleService.schedulerId('')) || known.has(key)) continue;
      await this.jobQueue.queue.removeJobScheduler(key);
      removed++;
    }
    return { added, removed };
  }
}
