import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LoginThrottleService } from '../../src/auth/login-throttle.service';
import { totpCode, totpStep } from '../../src/crypto/totp';
import { hashToken } from '../../src/crypto/tokens';
import { RedisService } from '../../src/redis/redis.service';
import { assertAuditTrailComplete, lastAudit } from '../support/audit';
import { type TestApp, type TestOperator, bearer, useTestContext } from '../support/context';

const context = useTestContext();
let app: TestApp;
let owner: TestOperator;

before(async () => {
  app = await context.startApp();
  owner = await app.createOperator('owner');
});

function loginBody(operator: Pick<TestOperator, 'email' | 'password'>, extra: Record<string, string> = {}) {
  return { email: operator.email, password: operator.password, ...extra };
}

function assertProblem(response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status} ${JSON.stringify(response.body)}`);
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(response.body.code, code);
  assert.equal(response.body.status, status);
  assert.equal(typeof response.body.title, 'string');
  assert.equal(response.body.type, `https://hearth.chat/errors/${code}`);
}

describe('login', () => {
  test('answers a token and an HttpOnly SameSite=Strict session cookie', async () => {
    const before = Date.now();
    const response = await app.http().post('/api/auth/login').send(loginBody(owner));
    assert.equal(response.status, 200);
    const { token, operator, expiresAt } = response.body;
    context.secrets.add(token);
    assert.match(token, /^hs_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(operator, { id: owner.id, email: owner.email, role: 'owner' });
    // The default 12-hour session.
    const ttl = Date.parse(expiresAt) - before;
    assert.ok(ttl > 11.9 * 3600_000 && ttl < 12.1 * 3600_000, `ttl ${ttl}`);

    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    const cookie = cookies.find((c) => c.startsWith('hearth_session='));
    assert.ok(cookie, 'sets the session cookie');
    assert.equal(cookie.split(';')[0], `hearth_session=${token}`);
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=Strict/i);
    assert.match(cookie, /;\s*Path=\//);
    assert.doesNotMatch(cookie, /;\s*Secure/i, 'no Secure flag unless HEARTH_SECURE_COOKIES');
    // Only the hash is stored.
    const session = await app.prisma.session.findFirstOrThrow({ where: { operatorId: owner.id }, orderBy: { createdAt: 'desc' } });
    assert.equal(session.tokenHash, hashToken(token));

    const viaCookie = await app.http().get('/api/auth/me').set('cookie', `hearth_session=${token}`);
    assert.equal(viaCookie.status, 200);
    assert.equal(viaCookie.body.email, owner.email);
    assert.equal(viaCookie.body.via, 'session');
    const viaBearer = await app.http().get('/api/auth/me').set(bearer(token));
    assert.equal(viaBearer.status, 200);
    assert.deepEqual(viaBearer.body, { id: owner.id, email: owner.email, role: 'owner', displayName: null, totpEnabled: false, via: 'session' });

    const event = await lastAudit(app, 'auth.login');
    assert.equal(event.result, 'success');
    assert.equal(event.actorId, owner.id);
    assert.equal(event.statusCode, 200);
  });

  test('the email is matched case-insensitively', async () => {
    const response = await app.http().post('/api/auth/login').send({ email: owner.email.toUpperCase(), password: owner.password });
    assert.equal(response.status, 200);
    context.secrets.add(response.body.token);
  });

  test('a wrong password and an unknown email get the same answer', async () => {
    const wrong = await app.http().post('/api/auth/login').send({ email: owner.email, password: 'not-the-password' });
    assertProblem(wrong, 401, 'auth/invalid_credentials');
    assert.equal(wrong.headers['set-cookie'], undefined);
    const event = await lastAudit(app, 'auth.login');
    assert.equal(event.result, 'failure');
    assert.equal(event.actorEmail, owner.email);
    assert.equal(event.statusCode, 401);

    const unknown = await app.http().post('/api/auth/login').send({ email: 'nobody@example.org', password: 'not-the-password' });
    assertProblem(unknown, 401, 'auth/invalid_credentials');
    assert.deepEqual(unknown.body, wrong.body);
    context.secrets.add('not-the-password');
    await app.get(LoginThrottleService).clear(owner.email);
  });

  test('a bearer header wins over the cookie', async () => {
    const viewer = await app.createOperator('viewer');
    const viewerToken = await app.sessionFor(viewer.id);
    const ownerToken = await app.sessionFor(owner.id);
    const me = await app.http().get('/api/auth/me').set(bearer(viewerToken)).set('cookie', `hearth_session=${ownerToken}`);
    assert.equal(me.body.email, viewer.email);
  });
});

describe('sessions', () => {
  test('logout revokes the session and clears the cookie', async () => {
    const token = await app.login(owner);
    const response = await app.http().post('/api/auth/logout').set(bearer(token));
    assert.equal(response.status, 204);
    const cleared = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('hearth_session='));
    assert.ok(cleared, 'the cookie is cleared');
    assert.match(cleared, /^hearth_session=;/);
    const after = await app.http().get('/api/auth/me').set(bearer(token));
    assertProblem(after, 401, 'auth/unauthenticated');
    assert.match(String(after.body.detail), /expired, revoked or unknown/);
    const event = await lastAudit(app, 'auth.logout');
    assert.equal(event.result, 'success');
    assert.equal(event.actorId, owner.id);
  });

  test('logout by cookie works the same', async () => {
    const token = await app.login(owner);
    assert.equal((await app.http().post('/api/auth/logout').set('cookie', `hearth_session=${token}`)).status, 204);
    assert.equal((await app.http().get('/api/auth/me').set('cookie', `hearth_session=${token}`)).status, 401);
  });

  test('logging out one session leaves the others', async () => {
    const first = await app.sessionFor(owner.id);
    const second = await app.sessionFor(owner.id);
    assert.equal((await app.http().post('/api/auth/logout').set(bearer(first))).status, 204);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(second))).status, 200);
  });

  test('an expired session is refused', async () => {
    const token = await app.login(owner);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(token))).status, 200);
    await app.prisma.session.update({ where: { tokenHash: hashToken(token) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    assertProblem(await app.http().get('/api/auth/me').set(bearer(token)), 401, 'auth/unauthenticated');
  });

  test('HEARTH_SESSION_TTL_HOURS sets the session lifetime', async () => {
    const shortLived = await context.startApp({ HEARTH_SESSION_TTL_HOURS: '0.0005' });
    try {
      const response = await shortLived.http().post('/api/auth/login').send(loginBody(owner));
      assert.equal(response.status, 200);
      context.secrets.add(response.body.token);
      const ttl = Date.parse(response.body.expiresAt) - Date.now();
      assert.ok(ttl > 0 && ttl <= 1800, `ttl ${ttl} ms`);
      await new Promise((resolve) => setTimeout(resolve, ttl + 50));
      assertProblem(await shortLived.http().get('/api/auth/me').set(bearer(response.body.token)), 401, 'auth/unauthenticated');
    } finally {
      await shortLived.close();
    }
  });
});

describe('password change', () => {
  test('needs the current password, then signs out the other sessions only', async () => {
    const operator = await app.createOperator('moderator');
    const current = await app.login(operator);
    const other = await app.login(operator);
    const newPassword = 'a-brand-new-password-123';
    context.secrets.add(newPassword);

    const wrong = await app.http().post('/api/auth/password').set(bearer(current)).send({ currentPassword: 'wrong-password!', newPassword });
    assertProblem(wrong, 400, 'auth/wrong_password');
    assertProblem(await app.http().post('/api/auth/password').set(bearer(current)).send({ currentPassword: operator.password, newPassword: 'short' }), 400, 'request/invalid');

    const changed = await app.http().post('/api/auth/password').set(bearer(current)).send({ currentPassword: operator.password, newPassword });
    assert.equal(changed.status, 204);
    assert.equal((await app.http().get('/api/auth/me').set(bearer(current))).status, 200, 'this session stays');
    assert.equal((await app.http().get('/api/auth/me').set(bearer(other))).status, 401, 'the other session ends');
    assertProblem(await app.http().post('/api/auth/login').send(loginBody(operator)), 401, 'auth/invalid_credentials');
    assert.equal((await app.http().post('/api/auth/login').send({ email: operator.email, password: newPassword })).status, 200);
    assert.equal((await lastAudit(app, 'auth.password.change')).result, 'success');
    await app.get(LoginThrottleService).clear(operator.email);
  });
});

describe('login throttling', () => {
  test('blocks after repeated failures, even the right password, until cleared', async () => {
    const target = await app.createOperator('admin');
    // Five failures are free; the sixth starts a block.
    for (let attempt = 1; attempt <= 6; attempt++) {
      const response = await app.http().post('/api/auth/login').send({ email: target.email, password: `guess-${attempt}` });
      assertProblem(response, 401, 'auth/invalid_credentials');
    }
    const blocked = await app.http().post('/api/auth/login').send({ email: target.email, password: 'guess-7' });
    assertProblem(blocked, 429, 'auth/throttled');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30, `Retry-After ${blocked.headers['retry-after']}`);
    assert.match(String(blocked.body.detail), new RegExp(`${retryAfter} s`));

    const rightPassword = await app.http().post('/api/auth/login').send(loginBody(target));
    assertProblem(rightPassword, 429, 'auth/throttled');
    assert.equal((await lastAudit(app, 'auth.login')).result, 'failure');

    // Another account from the same address is not blocked.
    assert.equal((await app.http().post('/api/auth/login').send(loginBody(owner))).status, 200);

    await app.get(LoginThrottleService).clear(target.email);
    const afterClear = await app.http().post('/api/auth/login').send(loginBody(target));
    assert.equal(afterClear.status, 200);
    context.secrets.add(afterClear.body.token);
  });

  test('Redis keeps no email in the clear', async () => {
    const keys = await app.get(RedisService).client.keys(`${context.redisPrefix}:login:*`);
    assert.ok(keys.length > 0, 'failure counters exist');
    for (const key of keys) assert.doesNotMatch(key, /@|example/);
  });
});

describe('two-factor authentication', () => {
  let operator: TestOperator;
  let token: string;
  let secret: string;
  let recoveryCodes: string[];

  function codeNotInWindow(): string {
    const now = Date.now();
    const valid = new Set([-1, 0, 1, 2].map((offset) => totpCode(secret, now + offset * 30_000)));
    return ['000000', '111111', '222222'].find((c) => !valid.has(c))!;
  }

  before(async () => {
    operator = await app.createOperator('admin');
    token = await app.login(operator);
  });

  test('confirming before enrolling is refused', async () => {
    assertProblem(await app.http().post('/api/auth/totp/confirm').set(bearer(token)).send({ code: '123456' }), 409, 'auth/totp_not_enrolled');
  });

  test('enrolment gives a secret, stored only encrypted', async () => {
    const response = await app.http().post('/api/auth/totp/enrol').set(bearer(token));
    assert.equal(response.status, 200);
    secret = response.body.secret;
    context.secrets.add(secret);
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.match(response.body.otpauthUrl, new RegExp(`^otpauth://totp/.*secret=${secret}`));
    assert.match(response.body.qrSvg, /^<svg/);
    const row = await app.prisma.operator.findUniqueOrThrow({ where: { id: operator.id } });
    assert.ok(row.totpSecretEnc?.startsWith('v1:'));
    assert.ok(!row.totpSecretEnc!.includes(secret));
    assert.equal(row.totpEnabledAt, null, 'not active before confirmation');
    // Until confirmed, a password alone still logs in.
    const plain = await app.http().post('/api/auth/login').send(loginBody(operator));
    assert.equal(plain.status, 200);
    context.secrets.add(plain.body.token);
  });

  test('a wrong confirmation code is refused; the right one returns recovery codes', async () => {
    const wrong = codeNotInWindow();
    assertProblem(await app.http().post('/api/auth/totp/confirm').set(bearer(token)).send({ code: wrong }), 401, 'auth/totp_invalid');
    assertProblem(await app.http().post('/api/auth/totp/confirm').set(bearer(token)).send({ code: 'abc' }), 400, 'request/invalid');
    const code = totpCode(secret, Date.now());
    context.secrets.add(code);
    const response = await app.http().post('/api/auth/totp/confirm').set(bearer(token)).send({ code });
    assert.equal(response.status, 200);
    recoveryCodes = response.body.recoveryCodes;
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10);
    for (const c of recoveryCodes) {
      assert.match(c, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
      context.secrets.add(c);
    }
    const me = await app.http().get('/api/auth/me').set(bearer(token));
    assert.equal(me.body.totpEnabled, true);
    assert.equal((await lastAudit(app, 'auth.totp.confirm')).result, 'success');
    assertProblem(await app.http().post('/api/auth/totp/enrol').set(bearer(token)), 409, 'auth/totp_already_enabled');
  });

  test('login then needs a code: missing, wrong, right, replayed', async () => {
    const missing = await app.http().post('/api/auth/login').send(loginBody(operator));
    assertProblem(missing, 401, 'auth/totp_required');
    assert.equal(missing.headers['set-cookie'], undefined);

    assertProblem(await app.http().post('/api/auth/login').send(loginBody(operator, { totp: codeNotInWindow() })), 401, 'auth/totp_invalid');
    assert.equal((await lastAudit(app, 'auth.login')).result, 'failure');

    // The confirmation used this step; the next step's code is still within the window.
    const code = totpCode(secret, Date.now() + 30_000);
    context.secrets.add(code);
    const ok = await app.http().post('/api/auth/login').send(loginBody(operator, { totp: code }));
    assert.equal(ok.status, 200);
    context.secrets.add(ok.body.token);
    const row = await app.prisma.operator.findUniqueOrThrow({ where: { id: operator.id } });
    assert.ok(row.totpLastStep! >= totpStep(Date.now()), 'the used step is remembered');

    assertProblem(await app.http().post('/api/auth/login').send(loginBody(operator, { totp: code })), 401, 'auth/totp_invalid');
    // A wrong password with a valid code still says only "invalid credentials".
    assertProblem(await app.http().post('/api/auth/login').send({ email: operator.email, password: 'wrong-password', totp: code }), 401, 'auth/invalid_credentials');
  });

  test('a recovery code works once, in any case and without dashes', async () => {
    const [first, second] = recoveryCodes as [string, string];
    const ok = await app.http().post('/api/auth/login').send(loginBody(operator, { totp: first }));
    assert.equal(ok.status, 200);
    context.secrets.add(ok.body.token);
    assertProblem(await app.http().post('/api/auth/login').send(loginBody(operator, { totp: first })), 401, 'auth/totp_invalid');

    const normalised = second.replaceAll('-', '').toUpperCase();
    context.secrets.add(normalised);
    const again = await app.http().post('/api/auth/login').send(loginBody(operator, { totp: normalised }));
    assert.equal(again.status, 200);
    context.secrets.add(again.body.token);
    assert.equal(await app.prisma.recoveryCode.count({ where: { operatorId: operator.id, usedAt: { not: null } } }), 2);
    await app.get(LoginThrottleService).clear(operator.email);
  });

  test('disabling needs the password and removes the factor', async () => {
    assertProblem(await app.http().post('/api/auth/totp/disable').set(bearer(token)).send({ password: 'not-my-password' }), 400, 'auth/wrong_password');
    assert.equal((await lastAudit(app, 'auth.totp.disable')).result, 'failure');
    const response = await app.http().post('/api/auth/totp/disable').set(bearer(token)).send({ password: operator.password });
    assert.equal(response.status, 204);
    assert.equal((await lastAudit(app, 'auth.totp.disable')).result, 'success');
    const row = await app.prisma.operator.findUniqueOrThrow({ where: { id: operator.id } });
    assert.equal(row.totpSecretEnc, null);
    assert.equal(row.totpEnabledAt, null);
    assert.equal(await app.prisma.recoveryCode.count({ where: { operatorId: operator.id } }), 0);
    const plain = await app.http().post('/api/auth/login').send(loginBody(operator));
    assert.equal(plain.status, 200);
    context.secrets.add(plain.body.token);
  });
});

test('audit: one event per mutating request, and no secret in any of them', async () => {
  await assertAuditTrailComplete(app, context);
});
