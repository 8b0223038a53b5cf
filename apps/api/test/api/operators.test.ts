import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { assertAuditTrailComplete, lastAudit } from '../support/audit';
import { type TestApp, type TestOperator, bearer, useTestContext } from '../support/context';

const context = useTestContext();
let app: TestApp;
let owner: TestOperator;
let ownerToken: string;
let adminToken: string;
let viewerToken: string;

before(async () => {
  app = await context.startApp();
  owner = await app.createOperator('owner', { email: 'first.owner@example.org' });
  ownerToken = await app.login(owner);
  adminToken = await app.sessionFor((await app.createOperator('admin', { email: 'the.admin@example.org' })).id);
  viewerToken = await app.sessionFor((await app.createOperator('viewer', { email: 'the.viewer@example.org' })).id);
});

const newPassword = () => {
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  context.secrets.add(password);
  return password;
};

describe('create', () => {
  test('an admin creates a moderator; the answer has no password material', async () => {
    const password = newPassword();
    const response = await app.http().post('/api/operators').set(bearer(adminToken)).send({ email: 'New.Mod@Example.org', password, role: 'moderator', displayName: ' Mo ' });
    assert.equal(response.status, 201);
    assert.equal(response.body.email, 'new.mod@example.org');
    assert.equal(response.body.displayName, 'Mo');
    assert.equal(response.body.role, 'moderator');
    assert.equal(response.body.disabled, false);
    assert.equal(response.body.totpEnabled, false);
    assert.deepEqual(Object.keys(response.body).sort(), ['createdAt', 'disabled', 'displayName', 'email', 'id', 'lastLoginAt', 'role', 'totpEnabled']);
    const event = await lastAudit(app, 'operator.create');
    assert.equal(event.result, 'success');
    assert.equal(event.targetType, 'operator');
    assert.equal(event.targetId, response.body.id);
    assert.deepEqual(event.detail, { email: 'new.mod@example.org', role: 'moderator' });
    // The new operator can log in with that password.
    assert.equal((await app.http().post('/api/auth/login').send({ email: 'new.mod@example.org', password })).status, 200);
  });

  test('a duplicate email is a conflict, whatever its case', async () => {
    const response = await app.http().post('/api/operators').set(bearer(ownerToken)).send({ email: 'NEW.MOD@example.org', password: newPassword(), role: 'viewer' });
    assert.equal(response.status, 409);
    assert.equal(response.body.code, 'operator/email_taken');
    assert.equal((await lastAudit(app, 'operator.create')).result, 'failure');
  });

  test('an admin cannot create an owner', async () => {
    const response = await app.http().post('/api/operators').set(bearer(adminToken)).send({ email: 'wannabe@example.org', password: newPassword(), role: 'owner' });
    assert.equal(response.status, 403);
    assert.equal(response.body.code, 'operator/role_too_high');
    assert.equal((await lastAudit(app, 'operator.create')).result, 'denied');
    assert.equal(await app.prisma.operator.count({ where: { email: 'wannabe@example.org' } }), 0);
  });

  test('a viewer cannot create anyone, and the refusal is audited as denied', async () => {
    const response = await app.http().post('/api/operators').set(bearer(viewerToken)).send({ email: 'x@example.org', password: newPassword(), role: 'viewer' });
    assert.equal(response.status, 403);
    assert.equal(response.body.code, 'auth/forbidden');
    const event = await lastAudit(app, 'operator.create');
    assert.equal(event.result, 'denied');
    assert.equal(event.actorEmail, 'the.viewer@example.org');
  });

  test('bad input is a 400 listing the fields', async () => {
    const response = await app.http().post('/api/operators').set(bearer(ownerToken)).send({ email: 'not-an-email', password: 'short', role: 'emperor' });
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'request/invalid');
    assert.deepEqual(response.body.errors.map((e: { path: string }) => e.path).sort(), ['email', 'password', 'role']);
  });
});

describe('list and get', () => {
  before(async () => {
    for (const [email, role] of [['alice@example.org', 'viewer'], ['bob@example.org', 'moderator'], ['carol@example.org', 'viewer'], ['dave@example.org', 'admin']] as const) {
      await app.createOperator(role, { email });
    }
    await app.prisma.operator.update({ where: { email: 'carol@example.org' }, data: { displayName: 'Caroline Zed' } });
  });

  async function list(query: string, token = adminToken) {
    const response = await app.http().get(`/api/operators?${query}`).set(bearer(token));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as { data: { email: string; role: string }[]; total: number };
  }

  test('pages through the list in the order asked', async () => {
    const total = await app.prisma.operator.count();
    const all = await list('perPage=100&sort=email&order=ASC');
    assert.equal(all.total, total);
    assert.equal(all.data.length, total);
    const emails = all.data.map((o) => o.email);
    assert.deepEqual(emails, [...emails].sort());
    const page1 = await list('page=1&perPage=3&sort=email&order=ASC');
    const page2 = await list('page=2&perPage=3&sort=email&order=ASC');
    assert.equal(page1.total, total);
    assert.deepEqual([...page1.data, ...page2.data].map((o) => o.email), emails.slice(0, 6));
    const descending = await list('perPage=100&sort=email&order=DESC');
    assert.deepEqual(descending.data.map((o) => o.email), [...emails].reverse());
    assert.deepEqual((await list('page=99&perPage=3')).data, []);
  });

  test('filters by text (email or name, any case) and by role', async () => {
    assert.deepEqual((await list('q=ALICE')).data.map((o) => o.email), ['alice@example.org']);
    const byName = await list('q=zed');
    assert.deepEqual(byName.data.map((o) => o.email), ['carol@example.org']);
    assert.equal(byName.total, 1);
    const viewers = await list('role=viewer&sort=email&order=ASC&perPage=100');
    assert.ok(viewers.data.every((o) => o.role === 'viewer'));
    assert.deepEqual(viewers.data.map((o) => o.email), ['alice@example.org', 'carol@example.org', 'the.viewer@example.org']);
    assert.equal(viewers.total, 3);
  });

  test('refuses unknown sort fields and roles', async () => {
    for (const query of ['sort=passwordHash', 'role=god', 'order=sideways', 'page=0', 'perPage=501']) {
      const response = await app.http().get(`/api/operators?${query}`).set(bearer(adminToken));
      assert.equal(response.status, 400, query);
      assert.equal(response.body.code, 'request/invalid');
    }
  });

  test('gets one operator, 404 for an unknown id, 400 for a malformed one', async () => {
    const response = await app.http().get(`/api/operators/${owner.id}`).set(bearer(adminToken));
    assert.equal(response.status, 200);
    assert.equal(response.body.email, owner.email);
    assert.equal(response.body.role, 'owner');
    assert.equal(response.body.passwordHash, undefined);
    const missing = await app.http().get('/api/operators/8a0c8a30-3b8e-4a2c-9b1a-0f1f7d3d2e11').set(bearer(adminToken));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'operator/not_found');
    const malformed = await app.http().get('/api/operators/42').set(bearer(adminToken));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'request/invalid');
  });
});

describe('update', () => {
  test('changes role and name; unknown fields are refused', async () => {
    const target = await app.createOperator('viewer');
    const response = await app.http().patch(`/api/operators/${target.id}`).set(bearer(adminToken)).send({ role: 'moderator', displayName: 'Mod' });
    assert.equal(response.status, 200);
    assert.equal(response.body.role, 'moderator');
    assert.equal(response.body.displayName, 'Mod');
    const event = await lastAudit(app, 'operator.update');
    assert.equal(event.result, 'success');
    assert.equal(event.targetId, target.id);
    const strict = await app.http().patch(`/api/operators/${target.id}`).set(bearer(adminToken)).send({ email: 'changed@example.org' });
    assert.equal(strict.status, 400);
    assert.equal(strict.body.code, 'request/invalid');
  });

  test('an admin can neither promote to owner nor touch an owner', async () => {
    const target = await app.createOperator('viewer');
    const promote = await app.http().patch(`/api/operators/${target.id}`).set(bearer(adminToken)).send({ role: 'owner' });
    assert.equal(promote.status, 403);
    assert.equal(promote.body.code, 'operator/role_too_high');
    const touchOwner = await app.http().patch(`/api/operators/${owner.id}`).set(bearer(adminToken)).send({ displayName: 'Renamed' });
    assert.equal(touchOwner.status, 403);
    assert.equal(touchOwner.body.code, 'operator/role_too_high');
    assert.equal((await lastAudit(app, 'operator.update')).result, 'denied');
    assert.equal((await app.prisma.operator.findUniqueOrThrow({ where: { id: owner.id } })).displayName, null);
  });

  test('disabling ends the operator\'s sessions and logins; enabling restores logins', async () => {
    const target = await app.createOperator('moderator');
    const session = await app.login(target);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(session))).status, 200);
    const disabled = await app.http().patch(`/api/operators/${target.id}`).set(bearer(adminToken)).send({ disabled: true });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.disabled, true);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(session))).status, 401);
    const login = await app.http().post('/api/auth/login').send({ email: target.email, password: target.password });
    assert.equal(login.status, 401);
    assert.equal(login.body.code, 'auth/invalid_credentials');
    const enabled = await app.http().patch(`/api/operators/${target.id}`).set(bearer(adminToken)).send({ disabled: false });
    assert.equal(enabled.body.disabled, false);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(session))).status, 401, 'old sessions stay revoked');
    assert.equal((await app.http().post('/api/auth/login').send({ email: target.email, password: target.password })).status, 200);
  });

  test('setting a password ends the operator\'s sessions', async () => {
    const target = await app.createOperator('viewer');
    const session = await app.sessionFor(target.id);
    const password = newPassword();
    assert.equal((await app.http().patch(`/api/operators/${target.id}`).set(bearer(adminToken)).send({ password })).status, 200);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(session))).status, 401);
    assert.equal((await app.http().post('/api/auth/login').send({ email: target.email, password })).status, 200);
    const event = await lastAudit(app, 'operator.update');
    assert.deepEqual(event.detail, { body: { password: '[redacted]' } });
  });
});

describe('the last owner', () => {
  test('cannot be demoted, disabled or deleted', async () => {
    assert.equal(await app.prisma.operator.count({ where: { role: 'owner' } }), 1);
    for (const body of [{ role: 'admin' }, { disabled: true }]) {
      const response = await app.http().patch(`/api/operators/${owner.id}`).set(bearer(ownerToken)).send(body);
      assert.equal(response.status, 409, JSON.stringify(body));
      assert.equal(response.body.code, 'operator/last_owner');
    }
    const remove = await app.http().delete(`/api/operators/${owner.id}?confirm=${encodeURIComponent(owner.email)}`).set(bearer(ownerToken));
    assert.equal(remove.status, 409);
    assert.equal(remove.body.code, 'operator/last_owner');
    assert.equal((await lastAudit(app, 'operator.delete')).result, 'failure');
    const row = await app.prisma.operator.findUniqueOrThrow({ where: { id: owner.id } });
    assert.equal(row.role, 'owner');
    assert.equal(row.disabledAt, null);
  });

  test('a disabled second owner does not count', async () => {
    const second = await app.createOperator('owner');
    await app.prisma.operator.update({ where: { id: second.id }, data: { disabledAt: new Date() } });
    const response = await app.http().patch(`/api/operators/${owner.id}`).set(bearer(ownerToken)).send({ role: 'admin' });
    assert.equal(response.status, 409);
    assert.equal(response.body.code, 'operator/last_owner');
    await app.prisma.operator.delete({ where: { id: second.id } });
  });

  test('with another active owner, an owner can be demoted', async () => {
    const second = await app.createOperator('owner');
    const secondToken = await app.sessionFor(second.id);
    const response = await app.http().patch(`/api/operators/${second.id}`).set(bearer(ownerToken)).send({ role: 'admin' });
    assert.equal(response.status, 200);
    assert.equal(response.body.role, 'admin');
    // The demotion applies to existing sessions at once.
    assert.equal((await app.http().get('/api/auth/me').set(bearer(secondToken))).body.role, 'admin');
  });
});

describe('delete', () => {
  test('needs the email repeated, then removes the operator and their sessions', async () => {
    const target = await app.createOperator('moderator');
    const session = await app.sessionFor(target.id);
    const missing = await app.http().delete(`/api/operators/${target.id}`).set(bearer(adminToken));
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'request/invalid');
    const mismatch = await app.http().delete(`/api/operators/${target.id}?confirm=someone.else@example.org`).set(bearer(adminToken));
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.code, 'operator/confirmation_mismatch');
    assert.equal((await lastAudit(app, 'operator.delete')).result, 'failure');
    assert.equal((await app.http().get(`/api/operators/${target.id}`).set(bearer(adminToken))).status, 200, 'still there');

    const reason = 'left the club';
    const removed = await app.http().delete(`/api/operators/${target.id}?confirm=${encodeURIComponent(target.email.toUpperCase())}&reason=${encodeURIComponent(reason)}`).set(bearer(adminToken));
    assert.equal(removed.status, 204);
    assert.equal((await app.http().get(`/api/operators/${target.id}`).set(bearer(adminToken))).status, 404);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(session))).status, 401);
    const event = await lastAudit(app, 'operator.delete');
    assert.equal(event.result, 'success');
    assert.equal(event.targetId, target.id);
    assert.equal(event.reason, reason);
    assert.deepEqual(event.detail, { email: target.email, role: 'moderator' });
  });

  test('an admin cannot delete an owner; unknown ids are 404', async () => {
    const response = await app.http().delete(`/api/operators/${owner.id}?confirm=${encodeURIComponent(owner.email)}`).set(bearer(adminToken));
    assert.equal(response.status, 403);
    assert.equal(response.body.code, 'operator/role_too_high');
    const unknown = await app.http().delete('/api/operators/8a0c8a30-3b8e-4a2c-9b1a-0f1f7d3d2e11?confirm=x@example.org').set(bearer(adminToken));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'operator/not_found');
  });
});

test('audit: one event per mutating request, and no secret in any of them', async () => {
  await assertAuditTrailComplete(app, context);
});
