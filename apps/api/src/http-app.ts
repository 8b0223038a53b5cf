import { Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import type { HearthConfig } from './config/config';
import { AppModule } from './app.module';
import { AuditService } from './audit/audit.service';
import { registerAuditHook } from './audit/audit.hook';
import { ProblemFilter } from './common/problem.filter';
import { MetricsService } from './health/metrics.service';
import { API_PREFIX, UNPREFIXED_CONTROLLERS, assertRoutesDeclared, listRoutes } from './openapi/route-registry';
import { createLogger } from './logger';
import { registerWebUi } from './web/web-ui';

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the HTTP app (API, docs, metrics, web UI) without listening: main.ts and tests share it. */
export async function createHttpApp(config: HearthConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    // Request ids make log lines and audit events of one request easy to join.
    genReqId: () => crypto.randomUUID(),
  });
  // bodyParser off: Nest would add form and text parsers, and the API speaks JSON only (415 otherwise).
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forApi(config), adapter, { logger: createLogger(config), bufferLogs: true, bodyParser: false });
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_CONTROLLERS });
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  await fastify.register(fastifyCookie);
  registerSecurityHeaders(fastify);
  registerAuditHook(fastify, app.get(AuditService));
  registerRequestMetrics(fastify, app.get(MetricsService));
  await registerWebUi(fastify, config.webDir);
  assertRoutesDeclared(listRoutes(app));
  await app.init();
  await fastify.ready();
  return app;
}

function registerSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    // The UI's component library injects style elements at run time; scripts stay same-origin only.
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    return payload;
  });
}

function registerRequestMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  const logger = new Logger('Http');
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    // The route pattern, never the raw URL: query strings may carry confirmations or filters.
    if (route.startsWith('/api/') && request.method !== 'GET') {
      logger.log({ msg: 'request', requestId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
    }
  });
}
