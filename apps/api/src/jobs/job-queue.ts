import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type ConnectionOptions, Queue } from 'bullmq';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';

export const QUEUE_NAME = 'jobs';

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
export class JobQueue implements OnModuleDestroy {
  readonly queue: Queue;

  constructor(@Inject(CONFIG) config: HearthConfig) {
    this.queue = new Queue(QUEUE_NAME, {
      connection: bullConnection(config),
      prefix: config.redisPrefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } },
    });
  }

  async add(name: string, runId: string, data: object): Promise<void> {
    // The run id doubles as BullMQ's job id, so a retried enqueue never makes a duplicate.
    await this.queue.add(name, { ...data, runId }, { jobId: runId });
  }

  async remove(runId: string): Promise<boolean> {
    return (await this.queue.remove(runId)) === 1;
  }

  async state(runId: string): Promise<string> {
    return this.queue.getJobState(runId);
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}
