import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Health } from '@hearth/contracts';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { Doc, Public } from '../common/route-meta';
import { PrismaService } from '../database/prisma.service';
import { RedisService } from '../redis/redis.service';
import { withTimeout } from '../common/with-timeout';

const PROBE_TIMEOUT_MS = 2_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    @Inject(CONFIG) private readonly config: HearthConfig,
  ) {}

  @Get()
  @Public()
  @Doc('Liveness and dependencies; 503 when PostgreSQL or Redis is down', Health)
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<Health> {
    const [db, redis] = await Promise.all([
      probe(() => this.prisma.$queryRaw`SELECT 1`),
      probe(() => this.redis.client.ping()),
    ]);
    const healthy = db && redis;
    void reply.status(healthy ? 200 : 503);
    return { status: healthy ? 'ok' : 'degraded', db: db ? 'ok' : 'down', redis: redis ? 'ok' : 'down', version: this.config.version };
  }
}

function probe(check: () => Promise<unknown>): Promise<boolean> {
  return withTimeout(check(), PROBE_TIMEOUT_MS, 'probe').then(
    () => true,
    () => false,
  );
}
