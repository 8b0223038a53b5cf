import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Instance } from '@hearth/contracts';
import { SYNAPSE_PATHS } from '../../src/drivers/synapse/synapse.config';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext } from '../support/context';
import { rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { loginAndEcho, loginFails } from '../instances/support';
import { assertSucceeded, settled, startInstancesApp } from '../instances-api/support';
import { RELAXED_LOGIN_LIMITS, matrixLogin, whoami } from '../synapse/matrix-client';

// The weekly routine through the REST API on real servers: Synapse for the full set, Prosody for
// what XMPP lacks (capability/unsupported) and for an invite redeemed into an XMPP account.
const RANGE = '26500-26599';

describe('accounts, sessions and invites', { skip: rootfsSkipReason, timeout: 15 * 60_000 }, () => {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let moderator: string;
  let viewer: string;
  let matrix: Instance;
  let xmpp: Instance;
  const secret = (label: string) => {
    const value = `${label}-${randomBytes(9).toString('base64url')}`;
    context.secrets.add(value);
    return value;
  };
  const passwords = { grandma: secret('grandma'), newer: secret('newer'), back: secret('back'), cousin: secret('cousin'), uncle: secret('uncle') };

  const provision = async (body: Record<string, unknown>) => {
    const created = await app.http().post('/api/instances').set(bearer(admin)).send(body);
    assert.equal(created.status, 202, created.text);
    assertSucceeded(await settled(app, viewer, created.body.jobId, 180_000), ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health']);
    return (await app.http().get(`/api/instances/${created.body.id}`).set(bearer(viewer))).body as Instance;
  };
  const users = (instance: Instance, path = '') => `/api/instances/${instance.id}/users${path}`;
  const login = (username: string, password: string) => matrixLogin(matrix.baseUrl!, username, password);
  const linkToken = (url: string) => url.slice(url.lastIndexOf('/') + 1);

  before(async () => {
    app = await startInstancesApp(context, RANGE, { HEARTH_VERSION_STORE: testVersionStore(), HEARTH_PUBLIC_URL: 'https://hearth.family.test/' });
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    moderator = await app.sessionFor((await app.createOperator('moderator')).id);
    viewer = await app.sessionFor((await app.createOperator('viewer')).id);
    matrix = await provision({ name: 'matrix', kind: 'synapse', domain: 'matrix.family.test' });
    xmpp = await provision({ name: 'xmpp', kind: 'prosody', domain: 'xmpp.family.test' });
    // Many logins from one address: raised the way an operator would, then a restart to read it.
    const dir = (await app.prisma.instance.findUniqueOrThrow({ where: { id: matrix.id } })).dir;
    const own = join(dir, SYNAPSE_PATHS.operatorConfig);
    await writeFile(own, `${await readFile(own, 'utf8')}${RELAXED_LOGIN_LIMITS}`);
    const restarted = await app.http().post(`/api/instances/${matrix.id}/restart`).set(bearer(admin));
    assert.equal((await settled(app, viewer, restarted.body.jobId, 120_000)).status, 'succeeded');
  });

  test('create, search, filter and page accounts', async () => {
    for (const username of ['grandma', 'aunt', 'anna', 'bob']) {
      const created = await app.http().post(users(matrix)).set(bearer(moderator)).send({ username, password: passwords.grandma });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body, { username });
    }
    assert.equal((await login('grandma', passwords.grandma)).status, 200);
    const all = await app.http().get(users(matrix)).set(bearer(moderator));
    assert.deepEqual(all.body.data.map((u: { username: string }) => u.username), ['anna', 'aunt', 'bob', 'grandma']);
    assert.deepEqual(all.body.data[0], { username: 'anna', admin: false, deactivated: false, lastSeenAt: null, displayName: 'anna' });
    const searched = await app.http().get(users(matrix)).query({ q: 'AN' }).set(bearer(moderator));
    assert.deepEqual(searched.body.data.map((u: { username: string }) => u.username), ['anna', 'grandma']);
    const paged = await app.http().get(users(matrix)).query({ perPage: 2, page: 2, order: 'DESC' }).set(bearer(moderator));
    assert.deepEqual([paged.body.total, paged.body.data.map((u: { username: string }) => u.username)], [4, ['aunt', 'anna']]);
    assert.equal((await app.http().get(users(matrix)).set(bearer(viewer))).status, 403, 'viewers do not see accounts');
  });

  test('a set-password link: the person picks the password; the link works once', async () => {
    const created = await app.http().post(users(matrix)).set(bearer(moderator)).send({ username: 'uncle', setPasswordLink: true });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.setPasswordUrl, /^https:\/\/hearth\.family\.test\/set-password\/hl_[\w-]{43}$/);
    context.secrets.add(created.body.setPasswordUrl);
    const token = linkToken(created.body.setPasswordUrl);
    const described = await app.http().get(`/api/public/links/${token}`);
    assert.equal(described.status, 200, described.text);
    assert.deepEqual({ ...described.body, expiresAt: undefined }, { purpose: 'set-password', serverName: 'matrix', domain: 'matrix.family.test', kind: 'synapse', fixedUsername: 'uncle', expiresAt: undefined });
    const used = await app.http().post(`/api/public/links/${token}`).send({ password: passwords.uncle });
    assert.equal(used.status, 200, used.text);
    assert.deepEqual(used.body, { protocol: 'matrix', address: '@uncle:matrix.family.test', username: 'uncle', server: matrix.baseUrl });
    assert.equal((await login('uncle', passwords.uncle)).status, 200);
    const again = await app.http().post(`/api/public/links/${token}`).send({ password: passwords.uncle });
    assert.deepEqual([again.status, again.body.code], [410, 'link/used_up']);
  });

  test('reset a password: the old one fails at once, also when a link is made', async () => {
    const reset = await app.http().post(users(matrix, '/grandma/password')).set(bearer(moderator)).send({ password: passwords.newer, reason: 'forgot it' });
    assert.equal(reset.status, 200, reset.text);
    assert.equal((await login('grandma', passwords.grandma)).status, 403);
    assert.equal((await login('grandma', passwords.newer)).status, 200);
    const linked = await app.http().post(users(matrix, '/grandma/password')).set(bearer(moderator)).send({ setPasswordLink: true });
    context.secrets.add(linked.body.setPasswordUrl);
    assert.equal((await login('grandma', passwords.newer)).status, 403, 'the old password stopped working');
    assert.equal((await app.http().post(`/api/public/links/${linkToken(linked.body.setPasswordUrl)}`).send({ password: passwords.grandma })).status, 200);
    assert.equal((await app.http().post(users(matrix, '/nobody/password')).set(bearer(moderator)).send({ password: passwords.newer })).body.code, 'instance_user/not_found');
  });

  test('sessions: a logged-in device is listed and can be logged out', async () => {
    const { token } = await login('grandma', passwords.grandma);
    context.secrets.add(token!);
    const sessions = await app.http().get(users(matrix, '/grandma/sessions')).set(bearer(moderator));
    assert.equal(sessions.status, 200, sessions.text);
    assert.ok(sessions.body.total >= 1);
    for (const session of sessions.body.data) {
      const revoked = await app.http().delete(users(matrix, `/grandma/sessions/${encodeURIComponent(session.id)}`)).set(bearer(moderator));
      assert.equal(revoked.status, 204, revoked.text);
    }
    assert.equal(await whoami(matrix.baseUrl!, token!), 401);
    assert.equal((await app.http().delete(users(matrix, '/grandma/sessions/GONE')).set(bearer(moderator))).body.code, 'instance_user/session_not_found');
  });

  test('admin rights, lock and unlock', async () => {
    const granted = await app.http().put(users(matrix, '/aunt/admin')).set(bearer(moderator)).send({ admin: true, reason: 'helps out' });
    assert.equal(granted.status, 200, granted.text);
    assert.equal(granted.body.admin, true);
    assert.deepEqual((await app.http().get(users(matrix)).query({ admin: 'true' }).set(bearer(moderator))).body.data.map((u: { username: string }) => u.username), ['aunt']);

    const { token } = await login('bob', passwords.grandma);
    context.secrets.add(token!);
    const locked = await app.http().post(users(matrix, '/bob/deactivate')).set(bearer(moderator)).send({ reason: 'account taken over' });
    assert.equal(locked.status, 200, locked.text);
    assert.equal(locked.body.deactivated, true);
    assert.notEqual((await login('bob', passwords.grandma)).status, 200);
    assert.equal(await whoami(matrix.baseUrl!, token!), 401, 'its existing logins stop working');
    const back = await app.http().post(users(matrix, '/bob/reactivate')).set(bearer(moderator)).send({ password: passwords.back });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.deactivated, false);
    assert.equal((await login('bob', passwords.back)).status, 200);
  });

  test('erase needs the name repeated; bulk actions say what worked', async () => {
    const wrong = await app.http().delete(users(matrix, '/anna')).query({ confirm: 'ann' }).set(bearer(moderator));
    assert.deepEqual([wrong.status, wrong.body.code], [400, 'instance_user/confirmation_mismatch']);
    assert.equal((await app.http().delete(users(matrix, '/anna')).query({ confirm: 'anna', reason: 'left the family' }).set(bearer(moderator))).status, 204);
    assert.equal((await login('anna', passwords.grandma)).status, 403);
    assert.equal((await app.http().delete(users(matrix, '/anna')).query({ confirm: 'anna' }).set(bearer(moderator))).body.code, 'instance_user/not_found');

    const signOut = await app.http().post(users(matrix, '/bulk')).set(bearer(moderator)).send({ action: 'sign-out', usernames: ['bob', 'ghost', 'Not Valid'] });
    assert.equal(signOut.status, 200, signOut.text);
    assert.deepEqual(
      signOut.body.results.map((r: { username: string; ok: boolean; code?: string }) => [r.username, r.ok, r.code]),
      [['bob', true, undefined], ['ghost', false, 'instance_user/not_found'], ['Not Valid', false, 'instance_user/invalid']],
    );
    assert.deepEqual([signOut.body.succeeded, signOut.body.failed], [1, 2]);
    const unconfirmed = await app.http().post(users(matrix, '/bulk')).set(bearer(moderator)).send({ action: 'erase', usernames: ['bob', 'aunt'] });
    assert.deepEqual([unconfirmed.status, unconfirmed.body.code], [400, 'instance_user/confirmation_mismatch']);
  });

  test('invites: limited, expiring, revocable, with an optional fixed name; bad input uses nothing up', async () => {
    const invite = await app.http().post(`/api/instances/${matrix.id}/invites`).set(bearer(moderator)).send({ maxUses: 1, expiresInHours: 24, note: 'for the cousin' });
    assert.equal(invite.status, 201, invite.text);
    context.secrets.add(invite.body.url);
    const token = linkToken(invite.body.url);
    const invalid = await app.http().post(`/api/public/links/${token}`).send({ username: 'Cousin!', password: passwords.cousin });
    assert.deepEqual([invalid.status, invalid.body.code], [400, 'instance_user/invalid']);
    const taken = await app.http().post(`/api/public/links/${token}`).send({ username: 'bob', password: passwords.cousin });
    assert.deepEqual([taken.status, taken.body.code], [409, 'instance_user/exists']);
    const redeemed = await app.http().post(`/api/public/links/${token}`).send({ username: 'cousin', password: passwords.cousin });
    assert.equal(redeemed.status, 200, redeemed.text);
    assert.equal((await login('cousin', passwords.cousin)).status, 200);
    const listed = await app.http().get(`/api/instances/${matrix.id}/invites`).set(bearer(moderator));
    assert.deepEqual(listed.body.data.map((i: { uses: number; maxUses: number; note: string; url?: string }) => [i.uses, i.maxUses, i.note, i.url]), [[1, 1, 'for the cousin', undefined]]);
    assert.deepEqual((await app.http().post(`/api/public/links/${token}`).send({ username: 'cousin2', password: passwords.cousin })).body.code, 'link/used_up');

    const fixed = await app.http().post(`/api/instances/${matrix.id}/invites`).set(bearer(moderator)).send({ fixedUsername: 'kid' });
    context.secrets.add(fixed.body.url);
    const fixedToken = linkToken(fixed.body.url);
    assert.equal((await app.http().post(`/api/public/links/${fixedToken}`).send({ username: 'other', password: passwords.cousin })).body.code, 'link/username_fixed');
    const revoked = await app.http().delete(`/api/instances/${matrix.id}/invites/${fixed.body.id}`).set(bearer(moderator));
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await app.http().get(`/api/public/links/${fixedToken}`)).body.code, 'link/expired');

    const old = await app.http().post(`/api/instances/${matrix.id}/invites`).set(bearer(moderator)).send({});
    context.secrets.add(old.body.url);
    await app.prisma.accountLink.update({ where: { id: old.body.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    assert.deepEqual(await app.http().get(`/api/public/links/${linkToken(old.body.url)}`).then((r) => [r.status, r.body.code]), [410, 'link/expired']);
    assert.equal((await app.http().get('/api/public/links/hl_not-a-real-token-at-all-0123456789')).body.code, 'link/not_found');
  });

  test('Synapse registration tokens: shown in full once, masked in lists, withdrawn', async () => {
    const created = await app.http().post(`/api/instances/${matrix.id}/registration-tokens`).set(bearer(moderator)).send({ usesAllowed: 2, expiresInHours: 1 });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.token, /^[A-Za-z0-9._~-]{16}$/);
    context.secrets.add(created.body.token);
    const listed = await app.http().get(`/api/instances/${matrix.id}/registration-tokens`).set(bearer(moderator));
    assert.deepEqual(listed.body.data.map((t: { token: string; usesAllowed: number }) => [t.token, t.usesAllowed]), [[`${created.body.token.slice(0, 4)}…`, 2]]);
    assert.equal((await app.http().delete(`/api/instances/${matrix.id}/registration-tokens/${created.body.token}`).set(bearer(moderator))).status, 204);
    assert.equal((await app.http().delete(`/api/instances/${matrix.id}/registration-tokens/${created.body.token}`).set(bearer(moderator))).body.code, 'registration_token/not_found');
    assert.equal((await app.http().get(`/api/instances/${xmpp.id}/registration-tokens`).set(bearer(moderator))).body.code, 'capability/unsupported');
  });

  test('XMPP: what Prosody lacks is refused with capability/unsupported; an invite makes a working XMPP account', async () => {
    const admin = await app.http().put(users(xmpp, '/someone/admin')).set(bearer(moderator)).send({ admin: true });
    assert.deepEqual([admin.status, admin.body.code], [409, 'capability/unsupported']);
    const invite = await app.http().post(`/api/instances/${xmpp.id}/invites`).set(bearer(moderator)).send({});
    context.secrets.add(invite.body.url);
    const redeemed = await app.http().post(`/api/public/links/${linkToken(invite.body.url)}`).send({ username: 'nephew', password: passwords.cousin });
    assert.equal(redeemed.status, 200, redeemed.text);
    assert.equal(redeemed.body.address, 'nephew@xmpp.family.test');
    const port = Number(xmpp.endpoints.client!.split(':')[1]);
    await loginAndEcho({ port, domain: 'xmpp.family.test', username: 'nephew', password: passwords.cousin });
    assert.ok(await loginFails({ port, domain: 'xmpp.family.test', username: 'nephew', password: 'wrong-password' }));
    assert.deepEqual((await app.http().get(users(xmpp)).set(bearer(moderator))).body.data, [{ username: 'nephew', admin: null, deactivated: false, lastSeenAt: null, displayName: null }]);
  });

  test('public links are rate limited per address', async () => {
    let last;
    for (let i = 0; i < 32; i++) last = await app.http().get('/api/public/links/hl_not-a-real-token-at-all-0123456789');
    assert.equal(last!.status, 429);
    assert.equal(last!.body.code, 'link/throttled');
    assert.ok(Number(last!.headers['retry-after']) > 0);
  });

  test('every change was audited, with no password or link in the trail', async () => {
    await assertAuditTrailComplete(app, context);
  });
});
