import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { type RouteInfo, listRoutes } from '../../src/openapi/route-registry';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext } from '../support/context';

const context = useTestContext();
let app: TestApp;
let ownerId: string;
let ownerToken: string;

before(async () => {
  app = await context.startApp();
  ownerId = (await app.createOperator('owner')).id;
  ownerToken = await app.sessionFor(ownerId);
});

type Response = { status: number; headers: Record<string, string>; body: Record<string, unknown>; text: string };

function assertProblem(response: Response, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status} ${response.text.slice(0, 300)}`);
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(response.body.code, code);
  assert.equal(response.body.status, status);
  assert.equal(typeof response.body.title, 'string');
  assert.equal(typeof response.body.detail, 'string');
}

describe('malformed requests', () => {
  test('malformed JSON is 400 request/malformed_json', async () => {
    for (const raw of ['{"email":', '{email: "a"}', "{'a':1}", '[1,2', 'nul']) {
      const response = await app.http().post('/api/auth/login').set('content-type', 'application/json').send(raw);
      assertProblem(response, 400, 'request/malformed_json');
    }
  });

  test('an empty JSON body is malformed too', async () => {
    const response = await app.http().post('/api/tokens').set(bearer(ownerToken)).set('content-type', 'application/json').send('');
    assertProblem(response, 400, 'request/malformed_json');
  });

  test('wrong types are 400 request/invalid with one entry per field', async () => {
    const response = await app.http().post('/api/auth/login').send({ email: 42, password: ['x'], totp: { a: 1 } });
    assertProblem(response, 400, 'request/invalid');
    const errors = response.body.errors as { path: string; message: string }[];
    assert.deepEqual(errors.map((e) => e.path).sort(), ['email', 'password', 'totp']);
    for (const error of errors) assert.ok(error.message.length > 0);
  });

  test('a body that is not an object names the body', async () => {
    const response = await app.http().post('/api/auth/login').set('content-type', 'application/json').send('"just a string"');
    assertProblem(response, 400, 'request/invalid');
    assert.deepEqual((response.body.errors as { path: string }[]).map((e) => e.path), ['body']);
  });

  test('a body that is not JSON is 415, forms and plain text included (no cross-site form posts)', async () => {
    for (const type of ['application/xml', 'application/octet-stream', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'text/plain']) {
      const response = await app.http().post('/api/auth/login').set('content-type', type).send('email=a&password=b');
      assertProblem(response, 415, 'request/unsupported_media_type');
    }
  });

  test('a body over 1 MiB is 413', async () => {
    const response = await app.http().post('/api/auth/login').send({ email: 'a@example.org', password: 'x'.repeat(1024 * 1024 + 10) });
    assertProblem(response, 413, 'request/too_large');
  });

  test('unknown routes are 404 request/route_not_found, for any method', async () => {
    for (const [method, path] of [['get', '/api/nothing-here'], ['post', '/api/nothing-here'], ['delete', '/api/operators'], ['get', '/api'], ['get', '/metrics/extra'], ['put', '/api/auth/login']] as const) {
      const response = await app.http()[method](path).set(bearer(ownerToken));
      assertProblem(response, 404, 'request/route_not_found');
    }
  });

  test('malformed ids and queries are 400, not 500', async () => {
    for (const path of ['/api/operators/not-a-uuid', '/api/jobs/1', '/api/audit-events/%00', '/api/operators?page=-1', '/api/operators?perPage=abc', '/api/jobs?status=exploded', '/api/audit-events?since=yesterday', '/api/audit-events?actorId=me', '/api/tokens?active=maybe', `/api/operators?q=${'x'.repeat(201)}`]) {
      const response = await app.http().get(path).set(bearer(ownerToken));
      assertProblem(response, 400, 'request/invalid');
    }
  });

  test('success responses are JSON, not problems', async () => {
    const response = await app.http().get('/api/auth/me').set(bearer(ownerToken));
    assert.equal(response.status, 200);
    assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  });

  test('every response carries the security headers', async () => {
    for (const path of ['/api/health', '/api/nothing-here', '/api/docs']) {
      const response = await app.http().get(path);
      assert.equal(response.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(response.headers['x-frame-options'], 'DENY', path);
      assert.match(response.headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, path);
    }
  });
});

describe('fuzzing every route that takes a body', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 2000; i++) deep = { a: deep, password: 'deeply-nested-secret' };
  context.secrets.add('deeply-nested-secret');
  const bodies: [string, string][] = [
    ['null', 'null'],
    ['an array', '[]'],
    ['an array of secrets', '["array-secret-value"]'],
    ['a string', '"x"'],
    ['a number', '12345'],
    ['true', 'true'],
    ['an empty object', '{}'],
    ['huge strings', JSON.stringify({ email: 'e'.repeat(300_000), password: 'p'.repeat(300_000), name: 'n'.repeat(300_000), code: '1'.repeat(100) })],
    ['deep nesting', JSON.stringify(deep)],
    ['nesting to the size limit', `${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}`],
    ['prototype pollution', '{"__proto__":{"role":"owner","isAdmin":true},"constructor":{"prototype":{"x":1}}}'],
    ['operator injection', '{"email":{"$gt":""},"password":{"not":null},"role":["owner"],"name":{"contains":""}}'],
    ['wrong types everywhere', '{"email":1,"password":2,"role":3,"name":4,"expiresAt":5,"code":6,"disabled":"yes","displayName":[]}'],
  ];

  let bodyRoutes: RouteInfo[] = [];
  before(() => {
    bodyRoutes = listRoutes(app.app).filter((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH');
    assert.ok(bodyRoutes.length >= 8);
  });

  for (const [label, raw] of bodies) {
    test(`${label}: never a 500, always a problem when refused`, async () => {
      for (const route of bodyRoutes) {
        const path = route.path.replace(/:\w+/g, '0b0c0d0e-0000-4000-8000-000000000000');
        // A fresh session each time: the routes include logout.
        const token = await app.sessionFor(ownerId);
        const response = await app.http()[route.method.toLowerCase() as 'post' | 'put' | 'patch'](path).set(bearer(token)).set('content-type', 'application/json').send(raw);
        assert.ok(response.status < 500, `${route.method} ${route.path} with ${label}: ${response.status} ${response.text.slice(0, 300)}`);
        if (response.status >= 400) assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/, `${route.method} ${route.path}`);
      }
    });
  }

  test('nothing was polluted', () => {
    assert.equal(({} as Record<string, unknown>).role, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  test('no operator was created or promoted by the fuzz', async () => {
    assert.equal(await app.prisma.operator.count(), 1);
  });
});

test('audit: one event per mutating request, and no secret in any of them', async () => {
  context.secrets.add('array-secret-value');
  await assertAuditTrailComplete(app, context);
});
