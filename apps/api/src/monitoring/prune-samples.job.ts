import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { DAY_MS } from '../common/time';
import type { JobContext } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import { consoleRetention } from '../retention/console-retention';

// Small batches keep each delete's locks and WAL short while checks keep inserting.
const BATCH = 5_000;

/** Daily: health samples older than the console policy's limit (or HEARTH_SAMPLE_RETENTION_DAYS) go. */
@Injectable()
export class PruneSamplesJob {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {}

  @JobHandler('monitoring.prune-samples', ['delete-old-samples'])
  async run(_payload: Record<string, never>, context: JobContext): Promise<{ deleted: number; before: string }> {
    const { healthSampleDays } = await consoleRetention(this.prisma, this.config);
    const cutoff = new Date(Date.now() - healthSampleDays * DAY_MS);
    const deleted = await context.step('delete-old-samples', () => this.deleteBefore(cutoff));
    return { deleted: deleted ?? 0, before: cutoff.toISOString() };
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM "HealthSample" WHERE id IN (SELECT id FROM "HealthSample" WHERE at < ${cutoff} LIMIT ${BATCH})`;
      total += deleted;
      if (deleted < BATCH) return total;
    }
  }
}
