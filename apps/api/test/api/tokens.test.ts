import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hashToken } from '../../src/crypto/tokens';
import { assertAuditTrailComplete, lastAudit } from '../support/audit';
import { type TestApp, type TestOperator, bearer, useTestContext } from '../support/context';

const context = useTestContext();
let app: TestApp;
let owner: TestOperator;
let admin: TestOperator;
let ownerSession: string;
let adminSession: string;

before(async () => {
  app = await context.startApp();
  owner = await app.createOperator('owner');
  admin = await app.createOperator('admin');
  ownerSession = await app.login(owner);
  adminSession = await app.sessionFor(admin.id);
});

async function createToken(session: string, body: Record<string, unknown>) {
  const response = await app.http().post('/api/tokens').set(bearer(session)).send(body);
  if (response.body.token) context.secrets.add(response.body.token);
  return response;
}

test('a new token is shown once; the list never shows it or its hash', async () => {
  const created = await createToken(adminSession, { name: 'backup script' });
  assert.equal(created.status, 201);
  const { id, token } = created.body;
  assert.match(token, /^ht_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(Object.keys(created.body).sort(), ['id', 'token']);

  const list = await app.http().get('/api/tokens').set(bearer(adminSession));
  assert.equal(list.status, 200);
  assert.equal(list.body.total, 1);
  const [item] = list.body.data;
  assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role']);
  assert.equal(item.id, id);
  assert.equal(item.role, 'admin', 'defaults to the creator\'s role');
  assert.ok(token.startsWith(item.prefix) && item.prefix.length < token.length / 3);
  assert.ok(!list.text.includes(token));
  assert.ok(!list.text.includes(hashToken(token)));
  const row = await app.prisma.apiToken.findUniqueOrThrow({ where: { id } });
  assert.equal(row.tokenHash, hashToken(token));

  const event = await lastAudit(app, 'token.create');
  assert.equal(event.result, 'success');
  assert.equal(event.targetId, id);
  assert.equal(event.targetType, 'api-token');
});

test('a token works as a bearer and records its use; revoking ends it', async () => {
  const { id, token } = (await createToken(adminSession, { name: 'ci' })).body;
  const me = await app.http().get('/api/auth/me').set(bearer(token));
  assert.equal(me.status, 200);
  assert.deepEqual({ email: me.body.email, role: me.body.role, via: me.body.via }, { email: admin.email, role: 'admin', via: 'token' });
  assert.equal((await app.http().get('/api/operators').set(bearer(token))).status, 200);
  assert.notEqual((await app.prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt, null);

  const revoked = await app.http().delete(`/api/tokens/${id}`).set(bearer(adminSession));
  assert.equal(revoked.status, 204);
  const refused = await app.http().get('/api/auth/me').set(bearer(token));
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, 'auth/unauthenticated');
  const event = await lastAudit(app, 'token.revoke');
  assert.equal(event.result, 'success');
  assert.equal(event.targetId, id);
  assert.deepEqual(event.detail, { name: 'ci' });
  // Revoking again is harmless; the list says when it was revoked.
  assert.equal((await app.http().delete(`/api/tokens/${id}`).set(bearer(adminSession))).status, 204);
  const listed = (await app.http().get('/api/tokens?active=false').set(bearer(adminSession))).body.data.find((t: { id: string }) => t.id === id);
  assert.ok(listed.revokedAt);
});

test('operators see and revoke only their own tokens', async () => {
  const { id, token } = (await createToken(ownerSession, { name: 'owner only' })).body;
  const adminList = await app.http().get('/api/tokens?perPage=100').set(bearer(adminSession));
  assert.ok(!adminList.body.data.some((t: { id: string }) => t.id === id));
  const response = await app.http().delete(`/api/tokens/${id}`).set(bearer(adminSession));
  assert.equal(response.status, 404);
  assert.equal(response.body.code, 'token/not_found');
  assert.equal((await app.http().get('/api/auth/me').set(bearer(token))).status, 200, 'still valid');
});

test('expiry: in the past is refused, in the future works until it passes', async () => {
  const past = await createToken(adminSession, { name: 'old', expiresAt: new Date(Date.now() - 60_000).toISOString() });
  assert.equal(past.status, 400);
  assert.equal(past.body.code, 'token/expiry_in_past');
  const garbage = await createToken(adminSession, { name: 'bad date', expiresAt: 'next tuesday' });
  assert.equal(garbage.status, 400);
  assert.equal(garbage.body.code, 'request/invalid');

  const { id, token } = (await createToken(adminSession, { name: 'short', expiresAt: new Date(Date.now() + 3600_000).toISOString() })).body;
  assert.equal((await app.http().get('/api/auth/me').set(bearer(token))).status, 200);
  await app.prisma.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  assert.equal((await app.http().get('/api/auth/me').set(bearer(token))).status, 401);
  const active = (await app.http().get('/api/tokens?active=true&perPage=100').set(bearer(adminSession))).body.data.map((t: { id: string }) => t.id);
  const inactive = (await app.http().get('/api/tokens?active=false&perPage=100').set(bearer(adminSession))).body.data.map((t: { id: string }) => t.id);
  assert.ok(inactive.includes(id) && !active.includes(id));
});

test('a token cannot outrank its creator', async () => {
  const response = await createToken(adminSession, { name: 'escalate', role: 'owner' });
  assert.equal(response.status, 403);
  assert.equal(response.body.code, 'token/role_too_high');
  assert.equal((await lastAudit(app, 'token.create')).result, 'denied');
  // A lower role is fine.
  const lower = await createToken(adminSession, { name: 'read only', role: 'viewer' });
  assert.equal(lower.status, 201);
  const me = await app.http().get('/api/auth/me').set(bearer(lower.body.token));
  assert.equal(me.body.role, 'viewer');
  assert.equal((await app.http().get('/api/operators').set(bearer(lower.body.token))).status, 403);
});

test('a token held by a token can\'t mint a higher one', async () => {
  const viewerToken = (await createToken(ownerSession, { name: 'viewer', role: 'viewer' })).body.token as string;
  const response = await createToken(viewerToken, { name: 'up', role: 'admin' });
  assert.equal(response.status, 403);
  assert.equal(response.body.code, 'token/role_too_high');
});

test('a demoted operator\'s tokens are capped at the new role; disabling ends them', async () => {
  const operator = await app.createOperator('admin');
  const session = await app.sessionFor(operator.id);
  const { token } = (await createToken(session, { name: 'admin token' })).body;
  assert.equal((await app.http().get('/api/operators').set(bearer(token))).status, 200);

  assert.equal((await app.http().patch(`/api/operators/${operator.id}`).set(bearer(ownerSession)).send({ role: 'viewer' })).status, 200);
  const me = await app.http().get('/api/auth/me').set(bearer(token));
  assert.equal(me.body.role, 'viewer');
  const refused = await app.http().get('/api/operators').set(bearer(token));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'auth/forbidden');
  // Promoting again restores the token's own role, never more.
  assert.equal((await app.http().patch(`/api/operators/${operator.id}`).set(bearer(ownerSession)).send({ role: 'owner' })).status, 200);
  assert.equal((await app.http().get('/api/auth/me').set(bearer(token))).body.role, 'admin');

  assert.equal((await app.http().patch(`/api/operators/${operator.id}`).set(bearer(ownerSession)).send({ disabled: true })).status, 200);
  assert.equal((await app.http().get('/api/auth/me').set(bearer(token))).status, 401);
});

test('bad names are refused', async () => {
  for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 'ok', role: 'superuser' }]) {
    const response = await createToken(adminSession, body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.body.code, 'request/invalid');
  }
});

test('audit: one event per mutating request, and no secret in any of them', async () => {
  await assertAuditTrailComplete(app, context);
});
