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
import { assertSucceeded, settled, startInstancesApp } from '../instances-api/support';
import { RELAXED_LOGIN_LIMITS, matrixLogin } from '../synapse/matrix-client';

// Moderation on a real Synapse: rooms and reports made by real Matrix clients (plain HTTP
// against the client-server API), acted on through Hearth's API.
describe('moderation on Synapse', { skip: rootfsSkipReason, timeout: 15 * 60_000 }, () => {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let moderator: string;
  let viewer: string;
  let matrix: Instance;
  const tokens: Record<string, string> = {};
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);
  let roomId: string;
  let badEvent: string;

  /** One client-server API call as one of the test's people. */
  const as = async (who: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, matrix.baseUrl!), {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const send = async (who: string, text: string) =>
    (await as(who, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${randomBytes(6).toString('hex')}`, { msgtype: 'm.text', body: text })).body.event_id as string;
  const api = (path: string) => `/api/instances/${matrix.id}${path}`;
  const room = (suffix = '') => api(`/rooms/${encodeURIComponent(roomId)}${suffix}`);
  const reportsOf = async () => (await app.http().get(api('/reports')).set(bearer(moderator))).body;

  before(async () => {
    app = await startInstancesApp(context, '26400-26499', { HEARTH_VERSION_STORE: testVersionStore() });
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    moderator = await app.sessionFor((await app.createOperator('moderator')).id);
    viewer = await app.sessionFor((await app.createOperator('viewer')).id);
    const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name: 'matrix', kind: 'synapse', domain: 'mod.family.test' });
    assert.equal((await settled(app, viewer, created.body.jobId, 180_000)).status, 'succeeded');
    matrix = (await app.http().get(`/api/instances/${created.body.id}`).set(bearer(viewer))).body;
    const own = join((await app.prisma.instance.findUniqueOrThrow({ where: { id: matrix.id } })).dir, SYNAPSE_PATHS.operatorConfig);
    await writeFile(own, `${await readFile(own, 'utf8')}${RELAXED_LOGIN_LIMITS}`);
    assert.equal((await settled(app, viewer, (await app.http().post(api('/restart')).set(bearer(admin))).body.jobId, 120_000)).status, 'succeeded');
    for (const name of ['alice', 'bob', 'carol']) {
      assert.equal((await app.http().post(api('/users')).set(bearer(moderator)).send({ username: name, password })).status, 201);
      tokens[name] = (await matrixLogin(matrix.baseUrl!, name, password)).token!;
      context.secrets.add(tokens[name]);
    }
    roomId = (await as('alice', 'POST', '/_matrix/client/v3/createRoom', { preset: 'public_chat', name: 'Family' })).body.room_id;
    assert.equal((await as('bob', 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {})).status, 200);
    await send('alice', 'hello 1');
    badEvent = await send('alice', 'something rude');
    const reported = await as('bob', 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/report/${encodeURIComponent(badEvent)}`, { reason: 'rude', score: -100 });
    assert.equal(reported.status, 200, JSON.stringify(reported.body));
  });

  test('rooms: listed with members; one room in detail', async () => {
    const list = await app.http().get(api('/rooms')).set(bearer(moderator));
    assert.equal(list.status, 200, list.text);
    const family = list.body.data.find((r: { id: string }) => r.id === roomId);
    assert.deepEqual({ name: family.name, members: family.members, public: family.public }, { name: 'Family', members: 2, public: false });
    const detail = await app.http().get(room()).set(bearer(moderator));
    assert.deepEqual(detail.body.memberIds, ['@alice:mod.family.test', '@bob:mod.family.test']);
    assert.equal(detail.body.blocked, false);
    assert.equal((await app.http().get(api('/rooms')).set(bearer(viewer))).status, 403);
    assert.equal((await app.http().get(api('/rooms/not-a-room')).set(bearer(moderator))).body.code, 'request/invalid');
  });

  test('a report filed by a real client is in the queue with the reported content', async () => {
    const queue = await app.http().get('/api/reports').set(bearer(moderator));
    assert.equal(queue.status, 200, queue.text);
    assert.deepEqual(queue.body.unavailable, []);
    assert.equal(queue.body.total, 1);
    const [open] = queue.body.data;
    assert.deepEqual(
      { instanceName: open.instanceName, roomId: open.roomId, eventId: open.eventId, reporter: open.reporter, sender: open.sender, reason: open.reason, score: open.score },
      { instanceName: 'matrix', roomId, eventId: badEvent, reporter: '@bob:mod.family.test', sender: '@alice:mod.family.test', reason: 'rude', score: -100 },
    );
    const detail = await app.http().get(api(`/reports/${open.id}`)).set(bearer(moderator));
    assert.equal(detail.body.event.content.body, 'something rude');
  });

  test('resolving with delete-event redacts the event and closes the report; Hearth leaves the room', async () => {
    const [open] = (await reportsOf()).data;
    const resolved = await app.http().post(api(`/reports/${open.id}/resolve`)).set(bearer(moderator)).send({ action: 'delete-event', reason: 'not how we talk here' });
    assert.equal(resolved.status, 200, resolved.text);
    const event = await as('bob', 'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(badEvent)}`);
    assert.deepEqual(event.body.content, {}, 'the content is gone');
    assert.equal(event.body.unsigned.redacted_because.content.reason, 'not how we talk here');
    assert.equal((await reportsOf()).total, 0);
    assert.ok(!(await app.http().get(room()).set(bearer(moderator))).body.memberIds.includes('@hearth-admin:mod.family.test'));
    assert.equal((await app.http().post(api(`/reports/${open.id}/resolve`)).set(bearer(moderator)).send({ action: 'dismiss' })).body.code, 'report/not_found');
  });

  test('dismiss and lock-the-sender', async () => {
    const second = await send('carol', 'spam').catch(() => undefined);
    assert.equal(second, undefined, 'carol is not in the room: sending fails');
    const spam = await send('alice', 'more spam');
    await as('bob', 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/report/${encodeURIComponent(spam)}`, { reason: 'spam' });
    const [open] = (await reportsOf()).data;
    const locked = await app.http().post(api(`/reports/${open.id}/resolve`)).set(bearer(moderator)).send({ action: 'deactivate-user', reason: 'account taken over' });
    assert.equal(locked.status, 200, locked.text);
    assert.notEqual((await matrixLogin(matrix.baseUrl!, 'alice', password)).status, 200, 'the sender can no longer log in');
    assert.equal((await app.http().post(api('/users/alice/reactivate')).set(bearer(moderator)).send({ password })).status, 200);
    tokens.alice = (await matrixLogin(matrix.baseUrl!, 'alice', password)).token!;
    context.secrets.add(tokens.alice);
    const third = await send('alice', 'fine');
    await as('bob', 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/report/${encodeURIComponent(third)}`, { reason: 'oops' });
    const [again] = (await reportsOf()).data;
    assert.equal((await app.http().post(api(`/reports/${again.id}/resolve`)).set(bearer(moderator)).send({ action: 'dismiss' })).status, 200);
    assert.equal((await reportsOf()).total, 0);
  });

  test('block, make room admin, purge history', async () => {
    const blocked = await app.http().put(room('/block')).set(bearer(moderator)).send({ blocked: true, reason: 'closed' });
    assert.equal(blocked.body.blocked, true);
    assert.equal((await as('carol', 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {})).status, 403, 'local users cannot join a blocked room');
    assert.equal((await app.http().put(room('/block')).set(bearer(moderator)).send({ blocked: false })).body.blocked, false);

    assert.equal((await app.http().post(room('/make-admin')).set(bearer(moderator)).send({ username: 'bob' })).status, 200);
    const levels = await as('bob', 'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.power_levels`);
    assert.equal(levels.body.users['@bob:mod.family.test'], 100);

    await send('bob', 'latest');
    const wrong = await app.http().post(room('/purge-history')).set(bearer(moderator)).send({ before: new Date().toISOString(), confirm: 'nope' });
    assert.equal(wrong.body.code, 'room/confirmation_mismatch');
    const purge = await app.http().post(room('/purge-history')).set(bearer(moderator)).send({ before: new Date().toISOString(), confirm: roomId, reason: 'a fresh start' });
    assert.equal(purge.status, 202, purge.text);
    assertSucceeded(await settled(app, viewer, purge.body.jobId), ['purge']);
    const history = await as('bob', 'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`);
    const bodies = history.body.chunk.filter((e: { type: string }) => e.type === 'm.room.message').map((e: { content: { body?: string } }) => e.content.body);
    assert.ok(!bodies.includes('hello 1'), `old messages are purged: ${JSON.stringify(bodies)}`);
  });

  test('announcements reach every account through server notices', async () => {
    const sent = await app.http().post(api('/announcements')).set(bearer(moderator)).send({ text: 'The server restarts tonight at 22:00.' });
    assert.equal(sent.status, 202, sent.text);
    const job = await settled(app, viewer, sent.body.jobId);
    assertSucceeded(job, ['send']);
    const run = await app.http().get(`/api/jobs/${sent.body.jobId}`).set(bearer(viewer));
    assert.deepEqual(run.body.result, { sent: 3, skipped: [] });
    const sync = await as('carol', 'GET', '/_matrix/client/v3/sync?timeout=0');
    const invites = Object.values(sync.body.rooms?.invite ?? {}) as { invite_state: { events: { sender: string }[] } }[];
    assert.ok(invites.some((invite) => invite.invite_state.events.some((event) => event.sender === '@notices:mod.family.test')), 'carol got the notice room invite');
  });

  test('deleting a room needs its id repeated, runs as a job, and the room is gone', async () => {
    const wrong = await app.http().delete(room()).query({ confirm: 'Family' }).set(bearer(moderator));
    assert.equal(wrong.body.code, 'room/confirmation_mismatch');
    const deleted = await app.http().delete(room()).query({ confirm: roomId, reason: 'done' }).set(bearer(moderator));
    assert.equal(deleted.status, 202, deleted.text);
    assertSucceeded(await settled(app, viewer, deleted.body.jobId, 120_000), ['delete']);
    assert.equal((await app.http().get(room()).set(bearer(moderator))).body.code, 'room/not_found');
  });

  test('every action was audited, with no secret in the trail', async () => {
    await assertAuditTrailComplete(app, context);
  });
});
