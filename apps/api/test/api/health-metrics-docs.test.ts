import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { listRoutes } from '../../src/openapi/route-registry';
import { type TestApp, type TestOperator, bearer, useTestContext } from '../support/context';

const context = useTestContext();
let app: TestApp;
let viewerToken: string;
let admin: TestOperator;
let adminToken: string;

before(async () => {
  app = await context.startApp();
  viewerToken = await app.sessionFor((await app.createOperator('viewer')).id);
  admin = await app.createOperator('admin');
  adminToken = await app.sessionFor(admin.id);
});

describe('health', () => {
  test('200 with database and Redis ok, without credentials', async () => {
    const response = await app.http().get('/api/health');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'ok', db: 'ok', redis: 'ok', version: app.config.version });
  });

  test('503 with redis down when Redis is unreachable', async () => {
    // Nothing listens on this port; the worker is off, as BullMQ would only retry forever.
    const cut = await context.startApp({ REDIS_URL: 'redis://127.0.0.1:6390' });
    try {
      const response = await cut.http().get('/api/health');
      assert.equal(response.status, 503);
      assert.match(response.headers['content-type'] ?? '', /^application\/json/);
      assert.deepEqual(response.body, { status: 'degraded', db: 'ok', redis: 'down', version: cut.config.version });
      // Requests that need no Redis still work.
      const me = await cut.http().get('/api/auth/me').set(bearer(viewerToken));
      assert.equal(me.status, 200);

      // Those that do answer 503 promptly instead of a 500 or hanging on BullMQ's retries.
      const login = await cut.http().post('/api/auth/login').send({ email: admin.email, password: admin.password });
      assert.equal(login.status, 503);
      assert.equal(login.body.code, 'service/unavailable');
      const started = Date.now();
      const prune = await cut.http().post('/api/maintenance/prune').set(bearer(adminToken));
      assert.equal(prune.status, 503);
      assert.equal(prune.body.code, 'service/unavailable');
      assert.ok(Date.now() - started < 10_000);
      const run = await cut.prisma.jobRun.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
      assert.equal(run.status, 'failed', 'the run is not left queued forever');
      assert.match(run.error ?? '', /Redis/);
      const metrics = await cut.http().get('/metrics').set(bearer(viewerToken));
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /hearth_http_requests_total/);
    } finally {
      await cut.close();
    }
  });

  test('503 with db down when PostgreSQL refuses the database', async () => {
    const url = new URL(context.databaseUrl);
    url.pathname = '/hearth_test_no_such_database';
    const cut = await context.startApp({ DATABASE_URL: url.toString() });
    try {
      const response = await cut.http().get('/api/health');
      assert.equal(response.status, 503);
      assert.deepEqual(response.body, { status: 'degraded', db: 'down', redis: 'ok', version: cut.config.version });
    } finally {
      await cut.close();
    }
  });
});

describe('metrics', () => {
  test('401 without a token', async () => {
    const response = await app.http().get('/metrics');
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'auth/unauthenticated');
  });

  test('Prometheus text with request counters, for any role', async () => {
    await app.http().get('/api/health');
    const response = await app.http().get('/metrics').set(bearer(viewerToken));
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(response.text, /^# HELP hearth_http_requests_total HTTP requests$/m);
    assert.match(response.text, /^# TYPE hearth_http_requests_total counter$/m);
    assert.match(response.text, /^hearth_http_requests_total\{method="GET",route="\/api\/health",status="200"\} [1-9]\d*$/m);
    // Route patterns, never raw URLs.
    await app.http().get('/api/operators/0b0c0d0e-0000-4000-8000-000000000000').set(bearer(viewerToken));
    const again = await app.http().get('/metrics').set(bearer(viewerToken));
    assert.match(again.text, /route="\/api\/operators\/:id"/);
    assert.doesNotMatch(again.text, /0b0c0d0e-0000/);
    assert.match(again.text, /^hearth_http_request_duration_seconds_bucket\{/m);
    assert.match(again.text, /^# TYPE hearth_job_runs gauge$/m);
    assert.match(again.text, /^hearth_queue_jobs\{state="waiting"\} \d+$/m);
    assert.match(again.text, /^hearth_process_cpu_user_seconds_total /m);
  });

  test('HEARTH_METRICS_PUBLIC=true serves it without a token', async () => {
    const open = await context.startApp({ HEARTH_METRICS_PUBLIC: 'true' });
    try {
      const response = await open.http().get('/metrics');
      assert.equal(response.status, 200);
      assert.match(response.text, /hearth_http_requests_total/);
      // Only metrics: the rest of the API still needs a login.
      assert.equal((await open.http().get('/api/operators')).status, 401);
    } finally {
      await open.close();
    }
  });
});

describe('API documentation', () => {
  test('the OpenAPI document has every route, with its access rule', async () => {
    const response = await app.http().get('/api/docs/openapi.json');
    assert.equal(response.status, 200);
    const doc = response.body as { openapi: string; paths: Record<string, Record<string, { description: string; security: unknown[]; parameters: { name: string; in: string }[] }>> };
    assert.equal(doc.openapi, '3.1.0');
    const routes = listRoutes(app.app);
    assert.ok(routes.length > 0);
    for (const route of routes) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[path]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${path} is documented`);
      if (route.isPublic) assert.deepEqual(operation.security, []);
      else assert.match(operation.description, new RegExp(route.permission!.replace('.', '\\.')));
      for (const name of route.path.match(/:(\w+)/g) ?? []) {
        assert.ok(operation.parameters.some((p) => p.in === 'path' && p.name === name.slice(1)), `${route.method} ${path} documents ${name}`);
      }
    }
    const documented = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    assert.equal(documented, routes.length, 'and nothing else');
  });

  test('Swagger UI and its assets are served', async () => {
    const page = await app.http().get('/api/docs');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    assert.match(page.text, /swagger-ui-bundle\.js/);
    const asset = await app.http().get('/api/docs/assets/swagger-ui-bundle.js');
    assert.equal(asset.status, 200);
    assert.equal((await app.http().get('/api/docs/init.js')).status, 200);
  });
});
