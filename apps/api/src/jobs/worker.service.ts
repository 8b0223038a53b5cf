import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'bullmq';
import { hostname } from 'node:os';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { JobPlans } from './job-plans';
import { JobQueue, QUEUE_NAME, bullConnection } from './job-queue';
import { JobRecords } from './job-records';
import { HEARTBEAT_MS, JobRunner } from './job-runner';
import { schedules } from './schedules';

// A run not heard from for this long has lost its worker.
const SILENCE_MS = HEARTBEAT_MS * 6;
const SWEEP_MS = 30_000;

/**
 * The worker: processes queued jobs, keeps the schedules, and settles runs whose worker died
 * so that nothing stays "running" forever.
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Worker');
  private worker?: Worker;
  private sweeper?: NodeJS.Timeout;
  readonly workerId = `${hostname()}:${process.pid}`;

  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly plans: JobPlans,
    private readonly records: JobRecords,
    private readonly jobQueue: JobQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.plans.assertComplete();
    const runner = new JobRunner(this.records, this.plans.all(), this.workerId);
    this.worker = new Worker(QUEUE_NAME, (job) => runner.process(job), {
      connection: bullConnection(this.config),
      prefix: this.config.redisPrefix,
      concurrency: this.config.workerConcurrency,
      // One stall (a crashed worker) is resumed by another worker; a second means the job itself kills workers.
      maxStalledCount: 1,
      lockDuration: this.config.jobStallMs,
      stalledInterval: this.config.jobStallMs,
    });
    this.worker.on('failed', (job, error) => {
      // Stalled-too-often failures never reach the runner's catch; record them here.
      if (job?.data.runId && /stalled/i.test(error.message)) void this.records.fail(job.data.runId, 'The worker stopped during this job, twice');
    });
    this.worker.on('error', (error) => this.logger.error({ msg: 'worker error', error: error.message }));
    for (const schedule of schedules(this.config)) {
      await this.jobQueue.queue.upsertJobScheduler(schedule.name, { every: schedule.everyMs }, { name: schedule.name, data: {} });
    }
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep().catch((e: Error) => this.logger.warn({ msg: 'sweep failed', error: e.message })), SWEEP_MS);
    this.logger.log({ msg: 'worker started', workerId: this.workerId, concurrency: this.config.workerConcurrency });
  }

  /** Settles runs whose worker went silent: resume if BullMQ still holds the job, else fail. */
  async sweep(): Promise<void> {
    for (const run of await this.records.silentSince(new Date(Date.now() - SILENCE_MS))) {
      const state = await this.jobQueue.state(run.id);
      if (state === 'active') continue;
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        await this.records.requeue(run.id);
      } else {
        await this.records.fail(run.id, 'The worker stopped during this job');
        this.logger.warn({ msg: 'job lost its worker', runId: run.id, job: run.type, queueState: state });
      }
    }
  }

  /** First in the shutdown order: the database and Redis stay open until running jobs are done. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    // close() waits for running jobs; the connections they use close later, in onApplicationShutdown.
    await this.worker?.close();
  }
}
