import { Inject, Injectable, Logger } from '@nestjs/common';
import { DAY_MS } from '../common/time';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { type JobContext, errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import { JobQueue } from '../jobs/job-queue';
import { type JobPayloads, LIFECYCLE_JOBS } from '../jobs/job-types';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { consoleRetention } from './console-retention';
import { PrivacyReportService } from './privacy-report.service';

const PURGE_PREFIX = 'purge:';

/**
 * Retention at work: each managed server's purge on its schedule, the drift check of every
 * privacy report, and the purge of Hearth's own records.
 */
@Injectable()
export class RetentionJobs {
  private readonly logger = new Logger('Retention');

  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly jobQueue: JobQueue,
    private readonly events: InstanceEventsService,
    private readonly reports: PrivacyReportService,
  ) {}

  /** A server that is down, or in the middle of a lifecycle job, is purged next time. */
  @JobHandler('instance.purge', { recorded: false })
  async purge({ instanceId }: JobPayloads['instance.purge']): Promise<void> {
    const row = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (!row || row.runtime === 'external' || row.status !== 'running') return;
    const busy = await this.prisma.jobRun.count({ where: { targetType: 'instance', targetId: instanceId, type: { in: [...LIFECYCLE_JOBS] }, status: { in: ['queued', 'running'] } } });
    if (busy) return;
    const { driver, context } = this.host.context(row);
    try {
      await driver.enforceRetention(context);
    } catch (error) {
      this.logger.warn({ msg: 'retention purge failed', instanceId, error: errorMessage(error) });
    }
  }

  /**
   * Every running instance's report: a knob that starts drifting raises one alert (privacy-drift),
   * and its return to the policy is recorded. Also keeps one purge scheduler per managed instance.
   */
  @JobHandler('retention.check', { recorded: false })
  async check(): Promise<void> {
    await this.keepPurgeSchedulers();
    for (const row of await this.prisma.instance.findMany({ where: { status: 'running' } })) {
      try {
        const { report, unreadable } = await this.reports.check(row.id);
        // A server that can't be read right now is the health check's business, not a privacy alert.
        if (unreadable) continue;
        const drifted = report.rows.filter((r) => r.status === 'drift').map((r) => r.knob).sort();
        if (drifted.join() === [...row.privacyDrift].sort().join()) continue;
        await this.prisma.instance.update({ where: { id: row.id }, data: { privacyDrift: drifted } });
        if (drifted.length) {
          const detail = report.rows.filter((r) => r.status === 'drift').map((r) => `${r.label}: wanted ${r.wanted}, found ${r.actual ?? 'unreadable'}`);
          await this.events.record(row.id, 'privacy-drift', `The server no longer does what its retention policy says: ${detail.join('; ')}`.slice(0, 1000));
        } else {
          await this.events.record(row.id, 'action', 'Privacy report back to normal: every knob is as the policy says or honestly unsupported');
        }
      } catch (error) {
        this.logger.warn({ msg: 'privacy check failed', instanceId: row.id, error: errorMessage(error) });
      }
    }
  }

  @JobHandler('console.retention', ['audit-events', 'jobs'])
  async console(_payload: JobPayloads['console.retention'], context: JobContext): Promise<{ auditEvents: number; jobs: number }> {
    const wanted = await consoleRetention(this.prisma, this.config);
    const auditEvents = await context.step('audit-events', async () => {
      if (wanted.auditDays === null) return 0;
      const cutoff = new Date(Date.now() - wanted.auditDays * DAY_MS);
      // The audit table refuses deletes unless the transaction opted in (see its append-only trigger).
      return this.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SET LOCAL hearth.audit_purge = 'on'`;
        return tx.$executeRaw`DELETE FROM "AuditEvent" WHERE at < ${cutoff}`;
      });
    });
    const jobs = await context.step('jobs', async () => {
      if (wanted.jobDays === null) return 0;
      const cutoff = new Date(Date.now() - wanted.jobDays * DAY_MS);
      return (await this.prisma.jobRun.deleteMany({ where: { finishedAt: { lt: cutoff }, status: { in: ['succeeded', 'failed', 'cancelled'] } } })).count;
    });
    return { auditEvents: auditEvents ?? 0, jobs: jobs ?? 0 };
  }

  private async keepPurgeSchedulers(): Promise<void> {
    const managed = await this.prisma.instance.findMany({ where: { runtime: { not: 'external' } }, select: { id: true } });
    const wanted = new Set(managed.map((row) => `${PURGE_PREFIX}${row.id}`));
    const every = this.config.purgeIntervalSec * 1000;
    const existing = (await this.jobQueue.queue.getJobSchedulers()).filter((s) => s.key.startsWith(PURGE_PREFIX));
    for (const scheduler of existing) {
      if (!wanted.has(scheduler.key) || Number(scheduler.every) !== every) await this.jobQueue.queue.removeJobScheduler(scheduler.key);
    }
    const kept = new Set(existing.filter((s) => wanted.has(s.key) && Number(s.every) === every).map((s) => s.key));
    for (const key of wanted) {
      if (kept.has(key)) continue;
      await this.jobQueue.queue.upsertJobScheduler(key, { every }, { name: 'instance.purge', data: { instanceId: key.slice(PURGE_PREFIX.length) }, opts: { removeOnComplete: true, removeOnFail: 100 } });
    }
  }
}
