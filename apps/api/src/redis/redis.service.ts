import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';

// How long start-up waits for the first connection before serving requests anyway.
const FIRST_CONNECT_WAIT_MS = 3_000;

/** One shared connection for commands; BullMQ opens its own (it needs blocking connections). */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis;
  readonly prefix: string;

  constructor(@Inject(CONFIG) private readonly config: HearthConfig) {
    this.prefix = config.redisPrefix;
    this.client = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false });
    // Errors surface through commands and /api/health; without a listener ioredis would print each retry.
    this.client.on('error', () => undefined);
  }

  /**
   * Without the offline queue, commands sent before the connection is up fail at once: wait for
   * it so the first requests after start-up (e.g. a login) don't answer 500. If Redis is down,
   * start anyway; /api/health reports it.
   */
  async onModuleInit(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS);
      this.client.once('ready', done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A connection option set for BullMQ, which must not retry commands itself. */
  bullConnection(): { url: string; maxRetriesPerRequest: null } {
    return { url: this.config.redisUrl, maxRetriesPerRequest: null };
  }

  // Connections close last (onApplicationShutdown): the worker finishes its running jobs and the
  // HTTP server its requests first, during onModuleDestroy and dispose.
  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
  }
}
