import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';

/** One shared connection for commands; BullMQ opens its own (it needs blocking connections). */
@Injectable()
export class RedisService implements OnModuleDestroy {
  readonly client: Redis;
  readonly prefix: string;

  constructor(@Inject(CONFIG) private readonly config: HearthConfig) {
    this.prefix = config.redisPrefix;
    this.client = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false });
    // Errors surface through commands and /api/health; without a listener ioredis would print each retry.
    this.client.on('error', () => undefined);
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A connection option set for BullMQ, which must not retry commands itself. */
  bullConnection(): { url: string; maxRetriesPerRequest: null } {
    return { url: this.config.redisUrl, maxRetriesPerRequest: null };
  }

  async onModuleDestroy(): Promise<void> {
    this.client.disconnect();
  }
}
