import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { toProblem } from '../common/problem.filter';
import { HearthError } from '../common/hearth-error';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Hearth</title>
<p>The Hearth web UI has not been built. Run <code>npm run build</code> in the Hearth directory, then restart.</p>
<p>The API is available at <a href="/api/docs">/api/docs</a>.</p>`;

/**
 * Serves the built react-admin app at / (with client-side routes falling back to index.html)
 * and Swagger UI's assets under /api/docs/assets.
 */
export async function registerWebUi(fastify: FastifyInstance, webDir: string): Promise<void> {
  await fastify.register(fastifyStatic, { root: getAbsoluteFSPath(), prefix: '/api/docs/assets/', decorateReply: false });
  const built = existsSync(join(webDir, 'index.html'));
  if (built) {
    await fastify.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false, index: ['index.html'], maxAge: '1h' });
  }
  fastify.get('/*', async (request, reply) => {
    if (request.url.startsWith('/api/') || request.url === '/api' || request.url.startsWith('/metrics')) {
      const { problem } = toProblem(new HearthError('request/route_not_found', `No route GET ${request.url.split('?')[0]}`));
      return reply.status(404).type('application/problem+json').send(problem);
    }
    reply.header('cache-control', 'no-cache');
    return built ? reply.sendFile('index.html', webDir) : reply.type('text/html').send(NOT_BUILT);
  });
}
