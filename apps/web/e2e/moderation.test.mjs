// Moderation of a Synapse (Matrix) server through the console: a member reports a message from
// a real Matrix client, a moderator sees it in the Reports queue with what was said and deletes
// it; then blocks and unblocks the room and sends an announcement to everyone. Runs the real
// thing: Synapse from Debian sid in a root filesystem Hearth builds (or finds in the version store).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { test } from 'node:test';
import { assertNoPageProblems, jobSucceeds, jobSucceedsThroughApi, newPage, ownerApi, screenshot, signIn, signedInAs, useHearth } from './support/hearth.mjs';

// debootstrap builds Synapse's root filesystem, chroot and mount namespaces run it: both need root.
const skip =
  process.getuid?.() !== 0
    ? 'needs root: Hearth builds and runs Synapse in a root filesystem'
    : !existsSync('/usr/sbin/debootstrap') && 'needs debootstrap (apt-get install debootstrap)';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const moderator = { email: 'mira.moderator@example.org', name: 'Mira', password: 'quiet-harbour-bicycle-31' };
const server = { name: 'town', domain: 'town.example' };
const members = {
  alice: { username: 'alice', password: 'quiet-harbour-lamp-93' },
  bob: { username: 'bob', password: 'copper-meadow-kite-18' },
};
const room = { name: 'Town square' };
const rude = 'You are all idiots and I will find where you live';
const report = { reason: 'threatening people', score: -100 };
const deletion = 'threats are not welcome here';

// CI builds Synapse's root filesystem into this store before the tests; a run without it builds it there first.
const VERSION_STORE = process.env.HEARTH_TEST_VERSION_STORE ?? '/var/cache/hearth-test/versions';
// Ports of its own: each Hearth allocates from its own database, so two test files running at once
// on the default range could hand the same port to two servers.
const PORT_RANGE = '27400-27499';
const hearth = skip ? undefined : useHearth({ owner, env: { HEARTH_VERSION_STORE: VERSION_STORE, HEARTH_PORT_RANGE: PORT_RANGE }, cleanUp: true });

/** Building the root filesystem from scratch takes about 2 minutes, much more on a slow mirror. */
const PROVISION_TIMEOUT_MS = 600_000;
/** Redacting (Hearth joins the room first), announcing to a few accounts, destroying. */
const JOB_TIMEOUT_MS = 90_000;

/** The server as the API describes it, once it runs. */
let instance;
/** The members' Matrix access tokens: each logs in once (Synapse limits logins per address). */
const tokens = {};
/** The room the report is about and the reported event. */
let roomId;
let eventId;
/** The moderator's window, kept open across the tests of this file like a person's browser tab. */
let session;

/** One client-server API call as a member, with plain HTTP as a Matrix app makes it. */
async function matrix(who, method, path, body) {
  const response = await fetch(new URL(path, instance.baseUrl), {
    method,
    headers: { 'Content-Type': 'application/json', ...(who && { Authorization: `Bearer ${tokens[who]}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, `${method} ${path}: ${JSON.stringify(answer)}`);
  return answer;
}

const roomApi = (suffix) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}${suffix}`;

test('a member reports a message from a Matrix client', { skip, timeout: PROVISION_TIMEOUT_MS + 60_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory.
  await chmod(hearth.dataDir, 0o711);
  const api = await ownerApi(hearth);
  const accepted = await api('POST', '/instances', { name: server.name, kind: 'synapse', domain: server.domain, healthIntervalSec: 5 });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  // The provisioning job ends once the server answers its health check.
  await jobSucceedsThroughApi(api, accepted.body.jobId, PROVISION_TIMEOUT_MS);
  ({ body: instance } = await api('GET', `/instances/${accepted.body.id}`));
  assert.equal(instance.status, 'running');
  for (const capability of ['rooms', 'reports', 'server-notices']) assert.ok(instance.capabilities.includes(capability), capability);

  const added = await api('POST', '/operators', { email: moderator.email, password: moderator.password, role: 'moderator', displayName: moderator.name });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  for (const [who, { username, password }] of Object.entries(members)) {
    const created = await api('POST', `/instances/${instance.id}/users`, { username, password });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const login = await matrix(undefined, 'POST', '/_matrix/client/v3/login', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: username },
      password,
    });
    tokens[who] = login.access_token;
  }

  ({ room_id: roomId } = await matrix('alice', 'POST', '/_matrix/client/v3/createRoom', { name: room.name, preset: 'public_chat' }));
  await matrix('bob', 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
  const send = async (text) => (await matrix('alice', 'PUT', roomApi(`/send/m.room.message/${randomBytes(6).toString('hex')}`), { msgtype: 'm.text', body: text })).event_id;
  await send('Good morning, everyone');
  eventId = await send(rude);
  await matrix('bob', 'POST', roomApi(`/report/${encodeURIComponent(eventId)}`), report);
});

test('the moderator finds the report in the queue, reads the message and deletes it', { skip, timeout: JOB_TIMEOUT_MS + 60_000 }, async () => {
  assert.ok(eventId, 'a message was reported');
  session = await newPage(hearth);
  const { page } = session;
  await signIn(page, moderator);
  assert.equal(await signedInAs(page, moderator.name), moderator.name);
  await page.getByRole('menuitem', { name: 'Reports' }).click();
  await page.waitForURL(/#\/reports$/);
  await page.getByRole('banner').getByRole('heading', { name: 'Reports' }).waitFor();

  // The queue: one report, from the server it was made on, in the room it was made in.
  const queue = page.getByRole('table', { name: 'Reports' });
  const row = queue.getByRole('row').filter({ hasText: report.reason });
  await row.waitFor();
  assert.equal(await queue.getByRole('row').count(), 2, 'a heading row and one report');
  for (const text of [server.name, room.name, `@alice:${server.domain}`, `@bob:${server.domain}`, String(report.score)]) {
    assert.equal(await row.getByRole('cell', { name: text, exact: true }).count(), 1, `the row shows ${text}`);
  }
  assert.equal(await page.getByTestId('reports-unavailable').count(), 0, 'every server answered');
  await screenshot(page, 'reports-queue');

  // The report in context: what was said, by whom, where, and who reported it why.
  await row.click();
  await page.waitForURL(/#\/reports\/[^/]+\/\d+$/);
  const main = page.getByRole('main');
  assert.equal(await main.getByTestId('reported-text').innerText(), rude);
  const message = main.getByRole('figure', { name: 'Reported message' });
  await message.getByText(`@alice:${server.domain},`, { exact: false }).waitFor();
  await main.getByText(room.name, { exact: true }).waitFor();
  await main.getByText(report.reason, { exact: true }).waitFor();
  await main.getByText(eventId, { exact: true }).waitFor();
  await screenshot(page, 'report-detail', { fullPage: true });

  // Deleting the message asks first; the room sees the reason.
  await main.getByRole('textbox', { name: 'Reason (optional, kept in the audit log)' }).fill(deletion);
  await main.getByRole('button', { name: 'Delete message' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this message?' });
  await dialog.getByText(`removed for everyone in ${room.name}`, { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Delete message' }).click();
  await page.getByText('Message deleted; report closed').waitFor({ timeout: JOB_TIMEOUT_MS });
  await page.waitForURL(/#\/reports$/);
  await page.getByText('No open reports', { exact: false }).waitFor();

  // Redacted for the room's members: its content is gone, the reason is kept.
  const event = await matrix('bob', 'GET', roomApi(`/event/${encodeURIComponent(eventId)}`));
  assert.deepEqual(event.content, {}, 'the message content is gone');
  assert.equal(event.unsigned?.redacted_because?.content?.reason, deletion);
  assertNoPageProblems(page);
});

test('the moderator opens the room from the server page, blocks it and unblocks it', { skip, timeout: 60_000 }, async () => {
  assert.ok(session && roomId, 'the moderator is signed in and the room exists');
  const { page } = session;
  await page.goto(`/#/instances/${instance.id}/show`);
  const main = page.getByRole('main');
  await main.getByRole('heading', { name: 'Moderation' }).waitFor();
  await main.getByRole('link', { name: 'Rooms', exact: true }).click();
  await page.waitForURL(/#\/instances\/[^/]+\/rooms$/);
  await page.getByRole('banner').getByRole('heading', { name: `Rooms on ${server.name}` }).waitFor();

  // Searched by the server: a name that matches nothing, then the room's.
  const search = main.getByRole('textbox', { name: 'Search' });
  await search.fill('no such room');
  await main.getByText('No room matches the search.').waitFor();
  await search.fill('square');
  const rooms = main.getByRole('table', { name: `Rooms on ${server.name}` });
  await rooms.getByRole('link', { name: room.name }).click();
  await page.waitForURL(/#\/instances\/[^/]+\/rooms\/[^/]+$/);
  await page.getByRole('banner').getByRole('heading', { name: `Room ${room.name}` }).waitFor();

  // Its members, those of this server marked; open, as rooms are.
  const memberList = main.getByRole('table', { name: 'Members' });
  for (const username of Object.keys(members)) await memberList.getByRole('cell', { name: `@${username}:${server.domain}` }).waitFor();
  await main.getByText(roomId, { exact: true }).waitFor();
  const state = main.getByTestId('room-blocked');
  assert.equal(await state.innerText(), 'Open');
  await screenshot(page, 'room-detail', { fullPage: true });

  const blocked = main.getByRole('switch', { name: 'Blocked' });
  await blocked.click();
  let dialog = page.getByRole('dialog', { name: `Block ${room.name}?` });
  await dialog.getByRole('textbox', { name: 'Reason (optional, kept in the audit log)' }).fill('closed for the night');
  await dialog.getByRole('button', { name: 'Block room' }).click();
  await state.filter({ hasText: 'Blocked' }).waitFor();
  assert.equal(await blocked.isChecked(), true);
  const api = await ownerApi(hearth);
  const roomPath = `/instances/${instance.id}/rooms/${encodeURIComponent(roomId)}`;
  assert.equal((await api('GET', roomPath)).body.blocked, true);

  await blocked.click();
  dialog = page.getByRole('dialog', { name: `Unblock ${room.name}?` });
  await dialog.getByRole('button', { name: 'Unblock room' }).click();
  await state.filter({ hasText: 'Open' }).waitFor();
  assert.equal((await api('GET', roomPath)).body.blocked, false);
  assertNoPageProblems(page);
});

test('the moderator makes a member room admin, purges the history and deletes the room', { skip, timeout: 2 * JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(session && roomId, 'the moderator is on the room page');
  const { page } = session;
  const main = page.getByRole('main');

  // Only the server's own members can be chosen.
  await page.getByRole('button', { name: 'Make room admin' }).click();
  let dialog = page.getByRole('dialog', { name: `Make a member admin of ${room.name}` });
  await dialog.getByRole('combobox', { name: `Member of ${server.name}` }).click();
  assert.deepEqual(await page.getByRole('option').allInnerTexts(), Object.keys(members));
  await page.getByRole('option', { name: 'bob' }).click();
  await dialog.getByRole('button', { name: 'Make room admin' }).click();
  await page.getByText(`bob is now admin of ${room.name}`).waitFor();
  const levels = await matrix('bob', 'GET', roomApi('/state/m.room.power_levels'));
  assert.equal(levels.users[`@bob:${server.domain}`], 100);

  // Purging needs the room id typed and a moment that has passed.
  await page.getByRole('button', { name: 'Purge history' }).click();
  dialog = page.getByRole('dialog', { name: `Purge the history of ${room.name}?` });
  const purge = dialog.getByRole('button', { name: 'Purge history' });
  await dialog.getByRole('textbox', { name: 'Room ID' }).fill(room.name);
  assert.equal(await purge.isEnabled(), false, 'the room name is not its id');
  await dialog.getByRole('textbox', { name: 'Room ID' }).fill(roomId);
  await purge.click();
  await jobSucceeds(page, `Purging the history of ${room.name}`, JOB_TIMEOUT_MS);
  const history = await matrix('bob', 'GET', roomApi('/messages?dir=b&limit=100'));
  const texts = history.chunk.filter((event) => event.type === 'm.room.message').map((event) => event.content.body);
  assert.ok(!texts.includes('Good morning, everyone'), `older messages are purged: ${JSON.stringify(texts)}`);
  await main.getByRole('button', { name: 'Hide' }).click();

  // Deleting: the room id again, blocked by default; the page follows the job back to the list.
  await page.getByRole('button', { name: 'Delete room' }).click();
  dialog = page.getByRole('dialog', { name: `Delete ${room.name}?` });
  assert.equal(await dialog.getByRole('checkbox', { name: 'Keep it from being joined again (block it)' }).isChecked(), true);
  await dialog.getByRole('textbox', { name: 'Room ID' }).fill(roomId);
  await dialog.getByRole('button', { name: 'Delete room' }).click();
  await page.getByText(`${room.name} deleted`).waitFor({ timeout: JOB_TIMEOUT_MS });
  await page.waitForURL(/#\/instances\/[^/]+\/rooms$/);
  const api = await ownerApi(hearth);
  assert.equal((await api('GET', `/instances/${instance.id}/rooms/${encodeURIComponent(roomId)}`)).body.code, 'room/not_found');
  assertNoPageProblems(page);
});

test('the moderator sends an announcement to everyone and follows its job to the end', { skip, timeout: JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(session, 'the moderator is signed in');
  const { page } = session;
  await page.goto(`/#/instances/${instance.id}/show`);
  const main = page.getByRole('main');
  await main.getByRole('button', { name: 'Announce' }).click();
  const dialog = page.getByRole('dialog', { name: `Announcement to everyone on ${server.name}` });
  const send = dialog.getByRole('button', { name: 'Send announcement' });
  assert.equal(await send.isEnabled(), false, 'nothing to send yet');
  await dialog.getByRole('textbox', { name: 'Message' }).fill('The server restarts tonight at 22:00.');
  await send.click();
  await jobSucceeds(page, `Sending the announcement on ${server.name}`, JOB_TIMEOUT_MS);
  await main.getByTestId('announcement-outcome').getByText('Sent to 2 accounts.').waitFor();
  await main.getByRole('link', { name: 'Open the job page' }).waitFor();
  assertNoPageProblems(page);
});

test('a stopped server is named in the queue rather than left out; at the end it is destroyed', { skip, timeout: 2 * JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(instance && session, 'the server was set up and the moderator is signed in');
  const api = await ownerApi(hearth);
  const stopping = await api('POST', `/instances/${instance.id}/stop`);
  assert.equal(stopping.status, 202, JSON.stringify(stopping.body));
  await jobSucceedsThroughApi(api, stopping.body.jobId, JOB_TIMEOUT_MS);

  const { page, context } = session;
  await page.getByRole('menuitem', { name: 'Reports' }).click();
  const notice = page.getByTestId('reports-unavailable');
  await notice.getByText('One server could not be asked for its reports:').waitFor();
  await notice.getByText(server.name, { exact: true }).waitFor();
  await page.getByText('No open reports on the servers that answered.').waitFor();
  assertNoPageProblems(page);
  await context.close();

  const destroying = await api('DELETE', `/instances/${instance.id}?confirm=${encodeURIComponent(server.name)}`);
  assert.equal(destroying.status, 202, JSON.stringify(destroying.body));
  await jobSucceedsThroughApi(api, destroying.body.jobId, JOB_TIMEOUT_MS);
  assert.equal((await api('GET', '/instances')).body.total, 0);
});
