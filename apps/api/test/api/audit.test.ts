import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { assertAuditTrailComplete, auditEvents, lastAudit } from '../support/audit';
import { type TestApp, type TestOperator, bearer, useTestContext } from '../support/context';

const context = useTestContext();
let app: TestApp;
let admin: TestOperator;
let adminToken: string;
let viewerToken: string;

before(async () => {
  app = await context.startApp();
  admin = await app.createOperator('admin');
  adminToken = await app.login(admin);
  viewerToken = await app.sessionFor((await app.createOperator('viewer')).id);
});

describe('what is recorded', () => {
  test('a refused anonymous request is denied and still names its action', async () => {
    const response = await app.http().post('/api/maintenance/prune');
    assert.equal(response.status, 401);
    const event = await lastAudit(app, 'maintenance.prune');
    assert.equal(event.result, 'denied');
    assert.equal(event.actorKind, 'anonymous');
    assert.equal(event.actorId, null);
    assert.equal(event.statusCode, 401);
    assert.ok(event.requestId);
  });

  test('a forbidden request is denied, with the actor', async () => {
    const response = await app.http().post('/api/maintenance/prune').set(bearer(viewerToken));
    assert.equal(response.status, 403);
    const event = await lastAudit(app, 'maintenance.prune');
    assert.equal(event.result, 'denied');
    assert.equal(event.actorKind, 'operator');
    assert.equal(event.statusCode, 403);
  });

  test('requests through an API token say so', async () => {
    const created = await app.http().post('/api/tokens').set(bearer(adminToken)).send({ name: 'audited' });
    const token = created.body.token as string;
    context.secrets.add(token);
    await app.http().post('/api/maintenance/prune').set(bearer(token));
    const event = await lastAudit(app, 'maintenance.prune');
    assert.equal(event.result, 'success');
    assert.equal(event.actorKind, 'token');
    assert.equal(event.actorId, admin.id);
    assert.ok(event.targetId, 'the job id');
  });

  test('a failed login is a failure; a logout a success', async () => {
    await app.http().post('/api/auth/login').send({ email: admin.email, password: 'wrong-password-here' });
    context.secrets.add('wrong-password-here');
    assert.equal((await lastAudit(app, 'auth.login')).result, 'failure');
    const session = await app.login(admin);
    await app.http().post('/api/auth/logout').set(bearer(session));
    assert.equal((await lastAudit(app, 'auth.logout')).result, 'success');
  });

  test('refused input is a failure; secret fields are redacted at any depth', async () => {
    const nested: Record<string, unknown> = { password: 'nested-secret-value' };
    let body: Record<string, unknown> = nested;
    for (let i = 0; i < 12; i++) body = { inner: body };
    context.secrets.add('nested-secret-value');
    const response = await app.http().post('/api/tokens').set(bearer(adminToken)).send({ name: { ...body, apiKey: 'top-level-secret' }, reason: 'checking' });
    context.secrets.add('top-level-secret');
    assert.equal(response.status, 400);
    const event = await lastAudit(app, 'token.create');
    assert.equal(event.result, 'failure');
    assert.equal(event.reason, 'checking');
    const detail = JSON.stringify(event.detail);
    assert.match(detail, /"apiKey":"\[redacted\]"/);
    assert.doesNotMatch(detail, /secret-value|top-level-secret/);
  });

  test('GET requests are not recorded', async () => {
    const before = await app.prisma.auditEvent.count();
    await app.http().get('/api/operators').set(bearer(adminToken));
    await app.http().get('/api/audit-events').set(bearer(adminToken));
    assert.equal(await app.prisma.auditEvent.count(), before);
  });
});

describe('the audit API', () => {
  test('lists newest first with paging, and filters by action, result and actor', async () => {
    const all = await app.http().get('/api/audit-events?perPage=500').set(bearer(adminToken));
    assert.equal(all.status, 200);
    assert.equal(all.body.total, await app.prisma.auditEvent.count());
    const times = all.body.data.map((e: { at: string }) => Date.parse(e.at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));

    const page = await app.http().get('/api/audit-events?perPage=2&page=2').set(bearer(adminToken));
    assert.deepEqual(page.body.data.map((e: { id: string }) => e.id), all.body.data.slice(2, 4).map((e: { id: string }) => e.id));

    const denied = await app.http().get('/api/audit-events?result=denied&action=maintenance').set(bearer(adminToken));
    assert.equal(denied.body.total, 2);
    assert.ok(denied.body.data.every((e: { result: string; action: string }) => e.result === 'denied' && e.action === 'maintenance.prune'));

    const mine = await app.http().get(`/api/audit-events?actorId=${admin.id}&perPage=500`).set(bearer(adminToken));
    assert.ok(mine.body.total > 0);
    assert.ok(mine.body.data.every((e: { actorId: string }) => e.actorId === admin.id));

    const searched = await app.http().get(`/api/audit-events?q=${encodeURIComponent(admin.email.toUpperCase())}`).set(bearer(adminToken));
    assert.ok(searched.body.total > 0);
    assert.ok(searched.body.data.every((e: { actorEmail: string }) => e.actorEmail === admin.email));

    const future = await app.http().get(`/api/audit-events?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).set(bearer(adminToken));
    assert.equal(future.body.total, 0);
  });

  test('gets one event; 404 for an unknown one; viewers may not read it', async () => {
    const [event] = await auditEvents(app, { action: 'auth.logout' });
    const response = await app.http().get(`/api/audit-events/${event!.id}`).set(bearer(adminToken));
    assert.equal(response.status, 200);
    assert.equal(response.body.action, 'auth.logout');
    assert.equal(response.body.requestId, event!.requestId, 'the request id joins the event to the log lines of its request');
    assert.match(response.body.requestId, /^[0-9a-f-]{36}$/);
    const missing = await app.http().get('/api/audit-events/0b0c0d0e-0000-4000-8000-000000000000').set(bearer(adminToken));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'audit/not_found');
    assert.equal((await app.http().get('/api/audit-events').set(bearer(viewerToken))).status, 403);
  });
});

describe('the table is append-only', () => {
  test('UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    const [event] = await auditEvents(app);
    await assert.rejects(app.prisma.$executeRaw`UPDATE "AuditEvent" SET action = 'tampered' WHERE id = ${event!.id}::uuid`, /append-only/);
    await assert.rejects(app.prisma.auditEvent.update({ where: { id: event!.id }, data: { result: 'success' } }), /append-only/);
    await assert.rejects(app.prisma.$executeRaw`DELETE FROM "AuditEvent" WHERE id = ${event!.id}::uuid`, /append-only/);
    await assert.rejects(app.prisma.$executeRaw`TRUNCATE "AuditEvent"`, /append-only/);
    const after = await app.prisma.auditEvent.findUniqueOrThrow({ where: { id: event!.id } });
    assert.equal(after.action, event!.action);
  });

  test('only a retention purge that opts in may delete, and never update', async () => {
    const [oldest] = await auditEvents(app);
    await assert.rejects(
      app.prisma.$transaction([app.prisma.$executeRaw`SET LOCAL hearth.audit_purge = 'on'`, app.prisma.$executeRaw`UPDATE "AuditEvent" SET action = 'x' WHERE id = ${oldest!.id}::uuid`]),
      /append-only/,
    );
    const [, deleted] = await app.prisma.$transaction([app.prisma.$executeRaw`SET LOCAL hearth.audit_purge = 'on'`, app.prisma.$executeRaw`DELETE FROM "AuditEvent" WHERE id = ${oldest!.id}::uuid`]);
    assert.equal(deleted, 1);
    // The opt-in ended with its transaction.
    const [next] = await auditEvents(app);
    await assert.rejects(app.prisma.$executeRaw`DELETE FROM "AuditEvent" WHERE id = ${next!.id}::uuid`, /append-only/);
    // The purged event was one of this file's requests; the closing count must not expect it.
    context.mutatingRequests--;
  });
});

test('audit: one event per mutating request, and no secret in any of them', async () => {
  await assertAuditTrailComplete(app, context);
});
