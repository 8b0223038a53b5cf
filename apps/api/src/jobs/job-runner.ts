import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Prisma } from '../generated/prisma/client';
import { JobCancelledError, JobContext, errorMessage } from './job-context';
import type { HandlerEntry } from './job-plans';
import type { JobRecords } from './job-records';

export const HEARTBEAT_MS = 5_000;

/**
 * Runs one BullMQ job against its PostgreSQL record. A plain class (no Nest) so tests can
 * drive it with handlers of their own, e.g. one that never finishes.
 */
export class JobRunner {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly records: JobRecords,
    private readonly handlers: Map<string, HandlerEntry>,
    private readonly workerId: string,
  ) {}

  async process(job: Job<{ runId?: string }>): Promise<unknown> {
    const entry = this.handlers.get(job.name);
    if (!entry) throw new Error(`No handler for job ${job.name}`);
    const { runId: givenRunId, ...payload } = job.data;
    if (!entry.meta.recorded) return entry.run(payload, undefined);
    // Scheduled jobs come from a BullMQ job scheduler, which knows nothing of our records.
    const runId = givenRunId ?? (await this.records.create({ type: job.name, payload: payload as Prisma.InputJsonValue, steps: entry.meta.steps(payload as never) })).id;

    const run = await this.records.start(runId, this.workerId);
    if (!run) {
      await this.records.cancel(runId);
      return undefined;
    }
    const completed = new Set(run.steps.filter((s) => s.status === 'succeeded').map((s) => s.name));
    const context = new JobContext(runId, this.records, run.steps.map((s) => s.name), completed);
    const heartbeat = setInterval(() => void this.records.heartbeat(runId).catch(() => undefined), HEARTBEAT_MS);
    const started = Date.now();
    try {
      const result = await entry.run(payload, context);
      await this.records.succeed(runId, (result ?? undefined) as Prisma.InputJsonValue | undefined);
      this.logger.log({ msg: 'job succeeded', job: job.name, runId, ms: Date.now() - started });
      return result;
    } catch (error) {
      if (error instanceof JobCancelledError) {
        await this.records.cancel(runId);
        this.logger.log({ msg: 'job cancelled', job: job.name, runId });
        return undefined;
      }
      await this.records.fail(runId, errorMessage(error));
      this.logger.warn({ msg: 'job failed', job: job.name, runId, error: errorMessage(error) });
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }
}
