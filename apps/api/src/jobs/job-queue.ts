import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type ConnectionOptions, Queue } from 'bullmq';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { withTimeout } from '../common/with-timeout';

export const QUEUE_NAME = 'jobs';
// BullMQ waits for Redis to come back (its blocking commands need that); a request enqueueing
// a job must not hang meanwhile, so adding gives up after this and the API answers 503.
const ADD_TIMEOUT_MS = 5_000;

/**
 * Options (not a client) so BullMQ opens and closes its own connections, with retries left
 * to it (maxRetriesPerRequest: null) as its blocking commands need.
 */
export function bullConnection(config: HearthConfig): ConnectionOptions {
  const url = new URL(config.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** The transport of jobs; their record of truth is JobRecords in PostgreSQL. */
@Injectable()
export class JobQueue implements OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  readonly queue: Queue;

  constructor(@Inject(CONFIG) config: HearthConfig) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: bullConnection(config),
      prefix: config.redisPrefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
    });
    // Without a listener BullMQ prints each connection error, stack and all, outside the structured log.
    this.queue.on('error', (error) => this.logger.error({ msg: 'queue error', error: error.message }));
  }

  async add(name: string, runId: string, data: object, delayMs?: number): Promise<void> {
    // The run id doubles as BullMQ's job id, so a retried enqueue never makes a duplicate.
    await withTimeout(this.queue.add(name, { ...data, runId }, { jobId: runId, delay: delayMs }), ADD_TIMEOUT_MS, 'Redis did not accept the job in time');
  }

  async remove(runId: string): Promise<boolean> {
    return (await this.queue.remove(runId)) === 1;
  }

  async state(runId: string): Promise<string> {
    return this.queue.getJobState(runId);
  }

  // Connections close last (onApplicationShutdown): the worker finishes its running jobs and the
  // HTTP server its requests first, during onModuleDestroy and dispose.
  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
