import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';

@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(CONFIG) config: HearthConfig) {
    // A small pool: Hearth's queries are short, and API and worker share one database.
    super({ adapter: new PrismaPg({ connectionString: config.databaseUrl, max: 10 }) });
  }

  // Connections close last (onApplicationShutdown): the worker finishes its running jobs and the
  // HTTP server its requests first, during onModuleDestroy and dispose.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
