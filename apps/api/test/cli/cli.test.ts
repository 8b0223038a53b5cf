import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { bearer, useTestContext, type TestApp } from '../support/context';
import { assertAuditTrailComplete } from '../support/audit';
import { CLI, runNode } from './run-node';

const context = useTestContext();
let app: TestApp;

before(async () => {
  app = await context.startApp();
});

function hearth(args: string[], stdin?: string) {
  return runNode(CLI, args, context.env(), stdin);
}

describe('the hearth CLI', () => {
  const email = 'cli.admin@example.org';
  const password = 'a-long-cli-password-1';
  const newPassword = 'another-long-password-2';

  test('operator create reads the password from stdin and the operator can log in', async () => {
    context.secrets.add(password);
    const created = await hearth(['operator', 'create', '--email', email, '--role', 'admin', '--password-stdin'], `${password}\n`);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created admin cli\.admin@example\.org/);
    assert.doesNotMatch(created.stdout, new RegExp(password), 'a password given on stdin is not echoed');
    const token = await app.login({ email, password });
    const me = await app.http().get('/api/auth/me').set(bearer(token));
    assert.equal(me.body.role, 'admin');
  });

  test('bad input is refused with a clear message and exit code 1', async () => {
    const short = await hearth(['operator', 'create', '--email', 'short@example.org', '--role', 'viewer', '--password-stdin'], 'short\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /password: must be at least 12 characters/);
    const role = await hearth(['operator', 'create', '--email', 'x@example.org', '--role', 'emperor']);
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /must be one of owner, admin, moderator, viewer/);
    const duplicate = await hearth(['operator', 'create', '--email', email, '--role', 'viewer']);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /already has an operator account/);
    const unknown = await hearth(['operator', 'reset-password', '--email', 'nobody@example.org']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No operator with email nobody@example\.org/);
  });

  test('reset-password lets a throttled operator back in and signs out old sessions', async () => {
    const oldSession = await app.login({ email, password });
    let throttled = false;
    for (let attempt = 0; attempt < 8 && !throttled; attempt++) {
      const response = await app.http().post('/api/auth/login').send({ email, password: 'wrong-password-guess' });
      throttled = response.status === 429;
    }
    assert.ok(throttled, 'repeated failures throttle the account');
    context.secrets.add(newPassword);
    const reset = await hearth(['operator', 'reset-password', '--email', email, '--password-stdin'], newPassword);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /all sessions signed out, login throttling lifted/);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(oldSession))).status, 401);
    const login = await app.http().post('/api/auth/login').send({ email, password: newPassword });
    assert.equal(login.status, 200);
    context.secrets.add(login.body.token);
  });

  test('a generated password is printed once and works', async () => {
    const created = await hearth(['operator', 'create', '--email', 'generated@example.org', '--role', 'viewer']);
    assert.equal(created.code, 0, created.stderr);
    const generated = /Password \(shown once\): (\S+)/.exec(created.stdout)?.[1];
    assert.ok(generated, 'the generated password is printed');
    context.secrets.add(generated);
    await app.login({ email: 'generated@example.org', password: generated });
  });

  test('token create prints a token with the requested role and expiry', async () => {
    const created = await hearth(['token', 'create', '--email', email, '--name', 'backup script', '--role', 'viewer', '--expires-in-days', '7']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^ht_[\w-]{43}$/);
    context.secrets.add(token);
    const me = await app.http().get('/api/auth/me').set(bearer(token));
    assert.equal(me.status, 200);
    assert.deepEqual([me.body.role, me.body.via], ['viewer', 'token']);
    const row = await app.prisma.apiToken.findFirstOrThrow({ where: { name: 'backup script' } });
    const days = (row.expiresAt!.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `expires in 7 days (got ${days.toFixed(2)})`);
    const tooHigh = await hearth(['token', 'create', '--email', 'generated@example.org', '--name', 'x', '--role', 'owner']);
    assert.equal(tooHigh.code, 1);
    assert.match(tooHigh.stderr, /cannot create a owner token/);
  });

  test('every CLI action is audited as the system, without secrets', async () => {
    const events = await app.prisma.auditEvent.findMany({ where: { actorKind: 'system' }, orderBy: { at: 'asc' } });
    assert.deepEqual(
      events.map((e) => e.action),
      ['operator.create', 'operator.reset-password', 'operator.create', 'token.create'],
    );
    assert.ok(events.every((e) => (e.detail as { via?: string }).via === 'cli'));
    await assertAuditTrailComplete(app, context);
  });
});
