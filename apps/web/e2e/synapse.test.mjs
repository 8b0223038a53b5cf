// The owner sets up a Synapse (Matrix) chat server with the wizard, a member logs in to it with a
// Matrix client library, and a second Hearth adopts that server. Runs the real thing: Synapse
// from Debian sid in a root filesystem Hearth builds (or finds in the shared version store).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createClient } from 'matrix-js-sdk';
import {
  apiModule,
  assertNoPageProblems,
  browserStorage,
  newPage,
  ownerApi,
  screenshot,
  signIn,
  useAnotherHearth,
  useHearth,
  waitForProvisioning,
} from './support/hearth.mjs';

// debootstrap builds Synapse's root filesystem, chroot and mount namespaces run it: both need root.
const skip =
  process.getuid?.() !== 0
    ? 'needs root: Hearth builds and runs Synapse in a root filesystem'
    : !existsSync('/usr/sbin/debootstrap') && 'needs debootstrap (apt-get install debootstrap)';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const server = { name: 'club', domain: 'club.example', publicBaseUrl: 'https://matrix.club.example/' };
const member = { username: 'alice', password: 'quiet-harbour-lamp-93', userId: '@alice:club.example' };
/** An account made on the accounts page, so that what is done to it there leaves alice alone. */
const helper = { username: 'bob', password: 'lantern-orchard-bob-42', newPassword: 'copper-meadow-kite-18', userId: '@bob:club.example' };

// CI builds Synapse's root filesystem into this store before the tests; a run without it builds it there first.
const VERSION_STORE = process.env.HEARTH_TEST_VERSION_STORE ?? '/var/cache/hearth-test/versions';
const hearth = skip ? undefined : useHearth({ owner, env: { HEARTH_VERSION_STORE: VERSION_STORE }, cleanUp: true });

/** Building the root filesystem from scratch takes about 2 minutes, much more on a slow mirror. */
const PROVISION_TIMEOUT_MS = 600_000;
/** Starting, stopping or rotating a token of a Synapse whose files exist. */
const JOB_TIMEOUT_MS = 90_000;
const HEALTH_TIMEOUT_MS = 45_000;

/** matrix-js-sdk logs every request; only its warnings and errors are of interest here. */
const quietLogger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, getChild: () => quietLogger };
const matrixClient = (options) => createClient({ logger: quietLogger, ...options });

/** Logs in with a password as a Matrix client would; rejects when the server refuses. */
function matrixLogin(user, password) {
  return matrixClient({ baseUrl: instance.baseUrl }).loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
    initial_device_display_name: 'Hearth end-to-end test',
  });
}

/** The owner's window, kept open across the tests of this file like a person's browser tab. */
let session;
/** The server as the API describes it, once it runs. */
let instance;
/** The member's Matrix session, made in the second test. */
let alice;

async function followJobToSuccess(page, heading) {
  const follower = page.getByTestId('job-follower').filter({ has: page.getByRole('heading', { name: heading }) });
  await follower.waitFor();
  const outcome = follower.getByText(/^(Succeeded|Failed|Cancelled)$/);
  await outcome.waitFor({ timeout: JOB_TIMEOUT_MS });
  assert.equal(await outcome.innerText(), 'Succeeded', await follower.innerText());
}

test('the wizard creates a Synapse server, follows its set-up step by step and shows it running', { skip, timeout: PROVISION_TIMEOUT_MS + 120_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory.
  await chmod(hearth.dataDir, 0o711);
  session = await newPage(hearth);
  const { page } = session;
  await signIn(page, owner);
  await page.getByRole('heading', { name: 'Your chat servers' }).waitFor();
  await page.getByRole('menuitem', { name: 'Chat servers' }).click();
  await page.getByRole('link', { name: 'Create' }).first().click();
  const wizard = page.getByRole('form', { name: 'New chat server' });

  // Step 1: Synapse can be chosen (built on first use if the store lacks it); adopting is offered too.
  const synapse = wizard.getByRole('radio', { name: 'Synapse' });
  await synapse.waitFor();
  assert.equal(await synapse.isEnabled(), true);
  await synapse.check();
  // Where the version store lacks Synapse, the wizard says the first server builds it.
  const coldBuild = (await wizard.getByRole('note').filter({ hasText: 'Not installed yet' }).count()) > 0;
  await wizard.getByRole('link', { name: 'Already running Synapse elsewhere? Adopt it instead' }).waitFor();
  await screenshot(page, 'instance-wizard-synapse');
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 2: the domain is the one in Matrix IDs.
  await wizard.getByText("The domain your members' Matrix IDs end in", { exact: false }).waitFor();
  await wizard.getByRole('textbox', { name: 'Domain' }).fill(server.domain);
  assert.equal(await wizard.getByRole('textbox', { name: 'Name' }).inputValue(), server.name);
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 3: Synapse's own settings: a public address behind a proxy, no TLS or retention choice.
  const publicBaseUrl = wizard.getByRole('textbox', { name: 'Public address (reverse proxy)' });
  await publicBaseUrl.fill('ftp://matrix.club.example');
  assert.equal(await wizard.getByLabel('Encryption (TLS)').count(), 0);
  assert.equal(await wizard.getByLabel('Message history kept for').count(), 0);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByText('Enter an http:// or https:// address', { exact: false }).waitFor();
  await publicBaseUrl.fill(server.publicBaseUrl);
  await wizard.getByRole('spinbutton', { name: 'Health check interval (seconds)' }).fill('5');
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 4: the review shows what applies to Synapse.
  const review = wizard.getByRole('table', { name: 'Review' });
  await review.getByRole('cell', { name: server.publicBaseUrl, exact: true }).waitFor();
  assert.equal(await review.getByRole('cell', { name: 'Synapse', exact: false }).count(), 1);
  assert.equal(await review.getByRole('cell', { name: 'Encryption (TLS)' }).count(), 0);
  await wizard.getByRole('button', { name: 'Create chat server' }).click();

  // The provisioning job: its first step installs Synapse (with its progress while it builds).
  await page.getByRole('heading', { name: `Setting up ${server.name}` }).waitFor();
  const steps = page.getByRole('list', { name: 'Steps' }).getByRole('listitem');
  await steps.first().waitFor();
  assert.match(await steps.first().innerText(), /^install\n/);
  if (coldBuild) {
    // Some way into the build, so the picture shows it moving.
    const progress = page.getByTestId('job-step-progress').getByRole('progressbar', { name: 'Progress of install' });
    await page.waitForFunction((bar) => Number(bar?.getAttribute('aria-valuenow')) >= 20, await progress.elementHandle({ timeout: 60_000 }), {
      timeout: PROVISION_TIMEOUT_MS,
      polling: 500,
    });
    await screenshot(page, 'synapse-build-progress');
  }
  await waitForProvisioning(page, PROVISION_TIMEOUT_MS);

  // Its page: running, Synapse's addresses, what Hearth can manage, and its admin token to rotate.
  const main = page.getByRole('main');
  await main.getByTestId('instance-status').filter({ hasText: 'Running' }).waitFor();
  const id = /#\/instances\/([^/]+)\/show$/.exec(page.url())[1];
  const api = await ownerApi(hearth);
  ({ body: instance } = await api('GET', `/instances/${id}`));
  assert.equal(instance.managed, true);
  assert.match(instance.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  await main.getByText('Synapse (Matrix)', { exact: true }).waitFor();
  await main.getByText(instance.baseUrl, { exact: true }).waitFor();
  await main.getByText(server.publicBaseUrl, { exact: true }).waitFor();
  assert.equal(await main.getByTestId('instance-adopted').count(), 0);
  const capabilities = main.getByRole('list', { name: 'What Hearth can manage' });
  await capabilities.getByText('Account list', { exact: true }).waitFor();
  assert.equal(await capabilities.getByRole('listitem').count(), instance.capabilities.length);
  for (const action of ['Stop', 'Restart', 'Rotate admin token', 'Destroy']) {
    await page.getByRole('button', { name: action, exact: true }).waitFor();
  }
  await main.getByTestId('instance-health').getByText('Answering', { exact: false }).waitFor({ timeout: HEALTH_TIMEOUT_MS });
  await main.getByTestId('latency-chart').locator('circle').nth(2).waitFor({ timeout: HEALTH_TIMEOUT_MS });
  assert.ok((await main.getByTestId('instance-logs').innerText()).includes('synapse'), 'the log is Synapse’s');
  await screenshot(page, 'instance-detail-synapse', { fullPage: true });

  // The job's own page keeps every step, install first, all done.
  await page.getByRole('menuitem', { name: 'Jobs' }).click();
  await page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'instance.provision', exact: true }) }).click();
  await page.getByRole('banner').getByRole('heading', { name: 'Job instance.provision' }).waitFor();
  const jobSteps = page.getByRole('list', { name: 'Steps' }).getByRole('listitem');
  await jobSteps.first().waitFor();
  const names = (await jobSteps.allInnerTexts()).map((text) => text.split('\n')[0].trim());
  assert.equal(names[0], 'install');
  assert.ok(names.includes('wait-healthy'), names.join(', '));
  for (const step of await jobSteps.all()) assert.match(await step.innerText(), /^Done( · .+)?$/m);
  assert.equal(await page.getByTestId('job-step-progress').count(), 0, 'finished steps show no progress bar');
  await screenshot(page, 'job-steps-synapse');

  assertNoPageProblems(page);
});

test('a member made through the API logs in with a Matrix client', { skip, timeout: 60_000 }, async () => {
  assert.ok(instance, 'the server was set up');
  const api = await ownerApi(hearth);
  const created = await api('POST', `/instances/${instance.id}/users`, { username: member.username, password: member.password });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body, { username: member.username });
  const listed = await api('GET', `/instances/${instance.id}/users`);
  assert.deepEqual(
    listed.body.data.map(({ username }) => username),
    [member.username],
    'Hearth’s own admin account is not listed',
  );
  assert.deepEqual(listed.body.data[0], { username: member.username, admin: false, deactivated: false, lastSeenAt: null, displayName: member.username });

  const login = await matrixLogin(member.username, member.password);
  assert.equal(login.user_id, member.userId);
  alice = matrixClient({ baseUrl: instance.baseUrl, accessToken: login.access_token, userId: login.user_id, deviceId: login.device_id });
  assert.equal((await alice.whoami()).user_id, member.userId);
});

test('rotating the admin token is confirmed, runs as a job, and Hearth still administers the server', { skip, timeout: JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(instance, 'the server was set up');
  const { page } = session;
  await page.goto(`/#/instances/${instance.id}/show`);
  await page.getByRole('button', { name: 'Rotate admin token', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Rotate Hearth's admin token on ${server.name}?` });
  await dialog.getByRole('button', { name: 'Rotate admin token' }).click();
  await followJobToSuccess(page, `Rotating the admin token of ${server.name}`);

  const api = await ownerApi(hearth);
  const listed = await api('GET', `/instances/${instance.id}/users`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.deepEqual(listed.body.data.map(({ username }) => username), [member.username]);
  assertNoPageProblems(page);
});

test('on the accounts page a new Matrix account is made admin and back, locked, and unlocked with a new password', { skip, timeout: 60_000 }, async () => {
  assert.ok(instance, 'the server was set up');
  const { page } = session;
  await page.goto(`/#/instances/${instance.id}/users`);
  await page.getByRole('banner').getByRole('heading', { name: `Accounts on ${server.name}` }).waitFor();
  const row = (username) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });
  await row(member.username).waitFor();

  await page.getByRole('button', { name: 'New account' }).click();
  const dialog = page.getByRole('dialog', { name: `New account on ${server.name}` });
  await dialog.getByRole('textbox', { name: 'User name' }).fill(helper.username);
  await dialog.getByText(`The address will be ${helper.userId}. Lowercase letters`, { exact: false }).waitFor();
  await dialog.getByRole('radio', { name: 'A password you choose and pass on to them' }).check();
  await dialog.getByRole('textbox', { name: 'Password', exact: true }).fill(helper.password);
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Account ${helper.userId} created`).waitFor();

  await row(helper.username).click();
  const drawer = page.getByRole('dialog', { name: helper.username, exact: true });
  await drawer.getByText(helper.userId, { exact: true }).waitFor();
  await drawer.getByRole('button', { name: 'Make admin', exact: true }).click();
  await page.getByRole('dialog', { name: `Make ${helper.username} a server admin?` }).getByRole('button', { name: 'Make admin' }).click();
  await page.getByText(`${helper.username} is now a server admin`).waitFor();
  await drawer.getByText('Yes, a server admin').waitFor();
  await drawer.getByRole('button', { name: 'Remove admin', exact: true }).click();
  await page.getByRole('dialog', { name: `Remove the admin rights of ${helper.username}?` }).getByRole('button', { name: 'Remove admin' }).click();
  await page.getByText(`${helper.username} is no longer a server admin`).waitFor();

  // Locked: no login, until unlocked with a new password.
  await drawer.getByRole('button', { name: 'Lock', exact: true }).click();
  const lock = page.getByRole('dialog', { name: `Lock ${helper.username}?` });
  await lock.getByRole('textbox', { name: /^Reason/ }).fill('end-to-end test');
  await lock.getByRole('button', { name: 'Lock' }).click();
  await page.getByText(`Account ${helper.username} locked`).waitFor();
  await drawer.getByText('Locked', { exact: true }).waitFor();
  await screenshot(page, 'account-drawer-matrix');
  await assert.rejects(matrixLogin(helper.username, helper.password), 'a locked account can’t log in');
  await drawer.getByRole('button', { name: 'Unlock', exact: true }).click();
  const unlock = page.getByRole('dialog', { name: `Unlock ${helper.username}?` });
  await unlock.getByRole('textbox', { name: 'New password', exact: true }).fill(helper.newPassword);
  await unlock.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText(`Account ${helper.username} unlocked`).waitFor();
  assert.equal((await matrixLogin(helper.username, helper.newPassword)).user_id, helper.userId);

  // Back in the list, active again.
  await drawer.getByRole('button', { name: 'Close', exact: true }).click();
  await row(helper.username).getByText('Active', { exact: true }).waitFor();
  assertNoPageProblems(page);
});

test('another Hearth adopts the server: refusals appear by the form, then the page says it runs elsewhere', { skip, timeout: 120_000 }, async (t) => {
  assert.ok(instance && alice, 'the server was set up with a member');
  const other = await useAnotherHearth(t, { owner });
  const { page, context } = await newPage(other);
  await signIn(page, owner);
  await page.getByRole('heading', { name: 'Your chat servers' }).waitFor();
  await page.getByRole('menuitem', { name: 'Chat servers' }).click();
  await page.getByRole('link', { name: 'Adopt a Matrix server' }).click();
  const form = page.getByRole('form', { name: 'Adopt a Matrix server' });
  const name = `${server.name}-elsewhere`;
  await form.getByRole('textbox', { name: 'Base URL' }).fill(instance.baseUrl);
  await form.getByRole('textbox', { name: 'Name' }).fill(name);

  // The shared secret would register Hearth's admin account, which the first Hearth made already.
  const hearthConfig = await readFile(join(hearth.dataDir, 'instances', instance.id, 'conf/hearth.yaml'), 'utf8');
  const sharedSecret = JSON.parse(/^registration_shared_secret: (".*")$/m.exec(hearthConfig)[1]);
  await form.getByRole('radio', { name: 'The registration shared secret' }).check();
  // One credential field at a time, never shown in clear.
  const credentialField = form.locator('input[type="password"]');
  await form.getByText('registration_shared_secret from', { exact: false }).waitFor();
  await credentialField.fill(sharedSecret);
  await form.getByRole('button', { name: 'Adopt server' }).click();
  await form.getByText('exists on the server already', { exact: false }).waitFor();
  assert.equal(await credentialField.inputValue(), '', 'a refused secret is not kept');

  // A member's token is no admin's.
  await form.getByRole('radio', { name: "A server admin's access token" }).check();
  await form.getByText('The access token of an account that is a server admin', { exact: false }).waitFor();
  await credentialField.fill(alice.getAccessToken());
  await form.getByRole('button', { name: 'Adopt server' }).click();
  await form.getByText(`${member.userId} is not a server admin`, { exact: false }).waitFor();
  await screenshot(page, 'instance-adopt');

  // An admin of the server, as its operator would make one.
  const { registerWithSharedSecret } = apiModule('drivers/synapse/synapse-http.js');
  const admin = await registerWithSharedSecret(instance.baseUrl, sharedSecret, { username: 'operator', password: 'lantern-meadow-copper-12', admin: true });
  await credentialField.fill(admin.accessToken);
  await form.getByRole('button', { name: 'Adopt server' }).click();
  await page.getByText(`Chat server ${name} adopted`).waitFor();
  await page.waitForURL(/#\/instances\/[^/]+\/show$/);
  for (const [storage, key, value] of await browserStorage(page)) {
    for (const credential of [sharedSecret, admin.accessToken]) {
      assert.ok(!`${key}=${value}`.includes(credential), `${storage} holds a credential under "${key}"`);
    }
  }

  // Adopted: no start, stop, restart, token rotation or log; forgetting instead of destroying.
  const main = page.getByRole('main');
  await main.getByTestId('instance-adopted').waitFor();
  await main.getByText('This server runs elsewhere.', { exact: false }).waitFor();
  await main.getByText(instance.baseUrl, { exact: true }).waitFor();
  await main.getByText('Elsewhere (adopted)', { exact: true }).waitFor();
  await main.getByRole('list', { name: 'What Hearth can manage' }).getByText('Account list', { exact: true }).waitFor();
  await main.getByTestId('instance-health').getByText('Answering', { exact: false }).waitFor({ timeout: HEALTH_TIMEOUT_MS });
  await page.getByText(`Chat server ${name} adopted`).waitFor({ state: 'hidden' });
  for (const action of ['Start', 'Stop', 'Restart', 'Rotate admin token', 'Destroy']) {
    assert.equal(await page.getByRole('button', { name: action, exact: true }).count(), 0, `no ${action} button`);
  }
  assert.equal(await main.getByRole('heading', { name: 'Server log' }).count(), 0);
  await screenshot(page, 'instance-detail-adopted', { fullPage: true });

  await page.getByRole('button', { name: 'Forget', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Forget ${name}?` });
  await dialog.getByText('The server itself keeps running', { exact: false }).waitFor();
  await dialog.getByRole('textbox', { name: 'Chat server name' }).fill(name);
  await dialog.getByRole('button', { name: 'Forget chat server' }).click();
  await page.getByText('Chat server forgotten; it keeps running where it is').waitFor({ timeout: JOB_TIMEOUT_MS });
  await page.waitForURL(/#\/instances$/);

  // Forgotten by this Hearth, still running for the first one and its members.
  assert.equal((await (await ownerApi(other))('GET', '/instances')).body.total, 0);
  assert.equal((await alice.whoami()).user_id, member.userId);
  assertNoPageProblems(page);
  await context.close();
});

test('destroying the Synapse server from its page stops it and removes it', { skip, timeout: JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(instance, 'the server was set up');
  const { page, context } = session;
  await page.goto(`/#/instances/${instance.id}/show`);
  await page.getByRole('button', { name: 'Destroy', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Destroy ${server.name}?` });
  await dialog.getByRole('textbox', { name: 'Chat server name' }).fill(server.name);
  await dialog.getByRole('button', { name: 'Destroy chat server' }).click();
  await page.getByText('Chat server destroyed').waitFor({ timeout: JOB_TIMEOUT_MS });
  await page.waitForURL(/#\/instances$/);
  assert.equal((await (await ownerApi(hearth))('GET', '/instances')).body.total, 0);
  await assert.rejects(alice.whoami(), 'the server no longer answers');
  alice.stopClient();

  assertNoPageProblems(page);
  await context.close();
});
