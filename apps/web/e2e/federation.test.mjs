// The federation policy of a chat server through the console: an admin opens an ejabberd server
// that starts closed, lets one other server reach it, follows the job and sees the server read the
// allowlist back; a viewer sees the same card without a way to change it; a change the server
// can't take is undone; a Prosody server offers only the modes it can enforce. Runs the real
// thing: Debian's ejabberd and prosody.
import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { assertNoPageProblems, jobOutcome, jobSucceeds, jobSucceedsThroughApi, newPage, ownerApi, screenshot, signIn, signedInAs, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const admin = { email: 'ada.admin@example.org', name: 'Ada', password: 'amber-lighthouse-gravel-64' };
const viewer = { email: 'vic.viewer@example.org', name: 'Vic', password: 'silent-meadow-anchor-29' };
// Ports of its own: each Hearth allocates from its own database, so two test files running at once
// on the default range could hand the same port to two servers.
const PORT_RANGE = '27600-27699';
const hearth = useHearth({ owner, env: { HEARTH_PORT_RANGE: PORT_RANGE }, cleanUp: true });
const ejabberd = { name: 'family', kind: 'ejabberd', domain: 'family.example' };
const prosody = { name: 'cousins', kind: 'prosody', domain: 'cousins.example' };
const friend = 'friends.example';

/** Provisioning ejabberd takes several seconds; a loaded CI machine much more. */
const PROVISION_TIMEOUT_MS = 120_000;
/** The reconfigure job restarts the server: about 4 s for ejabberd. */
const JOB_TIMEOUT_MS = 90_000;

/** The ejabberd server as the API describes it once it runs. */
let family;
/** Where other servers connect to it once it has an allowlist. */
let listener;

/** Creates a server through the API and waits until it runs. */
async function runningServer(api, { name, kind, domain }) {
  const accepted = await api('POST', '/instances', { name, kind, domain, healthIntervalSec: 5 });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  await jobSucceedsThroughApi(api, accepted.body.jobId, PROVISION_TIMEOUT_MS);
  const { body: instance } = await api('GET', `/instances/${accepted.body.id}`);
  assert.equal(instance.status, 'running', JSON.stringify(instance));
  return instance;
}

/** A listener on the port, so the chat server can't open it. */
function occupy(port) {
  return new Promise((resolve, reject) => {
    const blocker = createServer((socket) => socket.destroy());
    blocker.once('error', reject);
    blocker.listen(port, '127.0.0.1', () => resolve(blocker));
  });
}

/** An admin's window on the instance page. */
async function instancePage(operator, instance) {
  const session = await newPage(hearth);
  await signIn(session.page, operator);
  assert.equal(await signedInAs(session.page, operator.name), operator.name);
  await session.page.goto(`/#/instances/${instance.id}/show`);
  return session;
}

/** The Federation card of the instance page open in `page`. */
function federationCard(page) {
  return page.getByRole('main').locator('section').filter({ has: page.getByRole('heading', { name: 'Federation', exact: true }) });
}

/** Waits until the card shows `status`, and the mode (and domains) asked for and read back. */
async function cardShows(card, { status, mode, domains = [] }) {
  await card.getByTestId('federation-status').filter({ hasText: status }).waitFor();
  for (const testId of ['federation-wanted', 'federation-effective']) {
    const fact = card.getByTestId(testId);
    await fact.getByText(mode, { exact: true }).waitFor();
    const shown = await fact.getByRole('listitem').allInnerTexts();
    assert.deepEqual(shown, domains, `${testId} lists ${domains.join(', ') || 'no domain'}`);
  }
}

test('an admin lets one other server reach an ejabberd server, and the server reads the allowlist back', { timeout: PROVISION_TIMEOUT_MS + JOB_TIMEOUT_MS + 60_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory.
  await chmod(hearth.dataDir, 0o711);
  const api = await ownerApi(hearth);
  for (const operator of [
    { ...admin, role: 'admin' },
    { ...viewer, role: 'viewer' },
  ]) {
    const added = await api('POST', '/operators', { email: operator.email, password: operator.password, role: operator.role, displayName: operator.name });
    assert.equal(added.status, 201, JSON.stringify(added.body));
  }
  family = await runningServer(api, ejabberd);

  const { page, context } = await instancePage(admin, family);
  const card = federationCard(page);
  // Every server starts closed, and ejabberd says so.
  await cardShows(card, { status: 'OK', mode: 'Closed' });
  await card.getByText('Read from the server:', { exact: false }).waitFor();

  await card.getByRole('button', { name: 'Change policy' }).click();
  const dialog = page.getByRole('dialog', { name: `Federation policy of ${ejabberd.name}` });
  // ejabberd enforces all four modes.
  for (const mode of [/^Closed/, /^Only listed servers/, /^All but listed servers/, /^Open/]) {
    assert.equal(await dialog.getByRole('radio', { name: mode }).isEnabled(), true, `${mode} is offered`);
  }
  assert.equal(await dialog.getByRole('radio', { name: /^Closed/ }).isChecked(), true, 'the current policy is chosen');
  await dialog.getByRole('radio', { name: /^Only listed servers/ }).check();
  const domains = dialog.getByRole('textbox', { name: /^Servers/ });
  await domains.fill(friend);
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('family reunion');
  // A window tall enough for the whole dialog, which otherwise scrolls.
  await page.setViewportSize({ width: 1280, height: 1100 });
  await screenshot(page, 'federation-dialog', { element: dialog });
  await page.setViewportSize({ width: 1280, height: 800 });
  // The server's own domain is no other server.
  await domains.fill(`${friend}\n${ejabberd.domain}`);
  await dialog.getByRole('button', { name: 'Apply policy' }).click();
  await dialog.getByText(`${ejabberd.domain} is the domain of this server itself.`).waitFor();
  await domains.fill(friend);
  await dialog.getByRole('button', { name: 'Apply policy' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // The job, followed in the card, with a link to its page.
  await card.getByTestId('job-follower').getByRole('link', { name: 'Open the job page' }).waitFor();
  await jobSucceeds(page, `Applying the federation policy of ${ejabberd.name}`, JOB_TIMEOUT_MS);
  await card.getByRole('button', { name: 'Hide' }).click();

  // Read back from the running server: the allowlist, and where other servers connect.
  await cardShows(card, { status: 'OK', mode: 'Only listed servers', domains: [friend] });
  listener = await card.getByText(/^127\.0\.0\.1:\d+$/).innerText();
  const port = Number(listener.split(':')[1]);
  assert.ok(port >= 27600 && port <= 27699, `the s2s port ${port} is from HEARTH_PORT_RANGE`);
  await screenshot(page, 'federation-card', { element: card });

  // The API agrees, with what ejabberd itself loaded.
  const { status, body } = await api('GET', `/instances/${family.id}/federation`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.wanted, { mode: 'allowlist', domains: [friend] });
  assert.deepEqual(body.effective, body.wanted);
  assert.equal(body.status, 'ok');
  assert.equal(body.listener, listener);
  assert.match(body.detail, /friends\.example/);

  assertNoPageProblems(page);
  await context.close();
});

test('a viewer sees the policy but no way to change it', { timeout: 60_000 }, async () => {
  assert.ok(family, 'the ejabberd server runs');
  const { page, context } = await instancePage(viewer, family);
  const card = federationCard(page);
  await cardShows(card, { status: 'OK', mode: 'Only listed servers', domains: [friend] });
  assert.equal(await card.getByRole('button').count(), 0, 'no button in the card');
  assertNoPageProblems(page);
  await context.close();
});

test('a change the server cannot take is undone, and the card says so', { timeout: 3 * JOB_TIMEOUT_MS }, async () => {
  assert.ok(family && listener, 'the ejabberd server has an allowlist');
  const api = await ownerApi(hearth);
  // Closed again (through the API); the server keeps its port for other servers.
  const closing = await api('PUT', `/instances/${family.id}/federation`, { mode: 'closed' });
  assert.equal(closing.status, 202, JSON.stringify(closing.body));
  await jobSucceedsThroughApi(api, closing.body.jobId, JOB_TIMEOUT_MS);

  const { page, context } = await instancePage(admin, family);
  const card = federationCard(page);
  await cardShows(card, { status: 'OK', mode: 'Closed' });
  // Something else has taken that port: ejabberd can't open federation.
  const blocker = await occupy(Number(listener.split(':')[1]));
  try {
    await card.getByRole('button', { name: 'Change policy' }).click();
    const dialog = page.getByRole('dialog', { name: `Federation policy of ${ejabberd.name}` });
    await dialog.getByRole('radio', { name: /^Open/ }).check();
    assert.equal(await dialog.getByRole('textbox', { name: /^Servers/ }).count(), 0, 'open takes no domains');
    await dialog.getByRole('button', { name: 'Apply policy' }).click();
    const { outcome, text } = await jobOutcome(page, `Applying the federation policy of ${ejabberd.name}`, JOB_TIMEOUT_MS);
    assert.equal(outcome, 'Failed', text);
    assert.match(text, /The previous settings are back, and the server runs on them again/);
    await card.getByText('The change did not take, so Hearth put the previous policy back', { exact: false }).waitFor();
  } finally {
    blocker.close();
  }
  // The card read the server again: closed, as before.
  await cardShows(card, { status: 'OK', mode: 'Closed' });
  assertNoPageProblems(page);
  await context.close();
});

test('a Prosody server offers only the modes it can enforce, and says why the others are missing', { timeout: PROVISION_TIMEOUT_MS + 60_000 }, async () => {
  const api = await ownerApi(hearth);
  const cousins = await runningServer(api, prosody);
  const { body: federation } = await api('GET', `/instances/${cousins.id}/federation`);
  assert.deepEqual([...federation.modes].sort(), ['closed', 'open']);

  const { page, context } = await instancePage(admin, cousins);
  const card = federationCard(page);
  await cardShows(card, { status: 'OK', mode: 'Closed' });
  await card.getByRole('button', { name: 'Change policy' }).click();
  const dialog = page.getByRole('dialog', { name: `Federation policy of ${prosody.name}` });
  assert.equal(await dialog.getByRole('radio', { name: /^Open/ }).isEnabled(), true);
  assert.equal(await dialog.getByRole('radio', { name: /^Closed/ }).isEnabled(), true);
  for (const [mode, testId] of [
    [/^Only listed servers/, 'federation-mode-allowlist'],
    [/^All but listed servers/, 'federation-mode-denylist'],
  ]) {
    assert.equal(await dialog.getByRole('radio', { name: mode }).isDisabled(), true, `${mode} is not offered`);
    await dialog.getByTestId(testId).hover();
    const tooltip = page.getByRole('tooltip');
    await tooltip.filter({ hasText: /^Prosody [\d.]+ has no list of allowed or refused servers$/ }).waitFor();
    await page.mouse.move(0, 0);
    await tooltip.waitFor({ state: 'hidden' });
  }
  await screenshot(page, 'federation-dialog-prosody', { element: dialog });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });

  assertNoPageProblems(page);
  await context.close();
});
