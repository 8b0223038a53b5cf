// The container runtime through the console, on a real engine (Podman's Docker-compatible API
// service): the owner creates a Prosody server in a container with the wizard, follows its set-up
// (the first step builds or finds the server's image), then upgrades it from the bookworm image
// (Prosody 0.12) to the bookworm-backports one (Prosody 13) in its Version card, backed up first,
// starts a rollout back to bookworm in a maintenance window that is closed now and cancels it while
// it waits, and destroys the server from its page, which leaves no container behind. Images and
// the Debian trees they are made of are kept in the shared test stores, so only the first run
// builds them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoPageProblems, jobSucceeds, newPage, ownerApi, screenshot, signIn, signedInAs, useHearth, waitForProvisioning } from './support/hearth.mjs';
import { podmanSkipReason, startPodmanService } from './support/podman.mjs';

const skip = podmanSkipReason && `the container runtime ${podmanSkipReason}`;

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const server = { name: 'family', domain: 'family.example' };
// Ports of its own: each Hearth allocates from its own database, so two test files running at once
// on the default range could hand the same port to two servers.
const PORT_RANGE = '29300-29399';
// The Debian trees the images are made of; CI builds them into this store before the tests.
const VERSION_STORE = process.env.HEARTH_TEST_VERSION_STORE ?? '/var/cache/hearth-test/versions';
const BACKPORTS = 'bookworm-backports';
/** The label the container runtime puts on every container of an instance (apps/api/src/runtimes/container). */
const INSTANCE_LABEL = 'org.hearth.instance';

/** The engine, started before Hearth and stopped after it (the clean-up of a failed run needs it). */
let podman;
const hearth = skip
  ? undefined
  : useHearth({
      owner,
      env: { HEARTH_PORT_RANGE: PORT_RANGE, HEARTH_VERSION_STORE: VERSION_STORE },
      cleanUp: true,
      setUp: async (self) => {
        podman = await startPodmanService();
        self.env.HEARTH_CONTAINER_SOCKET = podman.socketPath;
      },
      tearDown: () => podman?.stop(),
    });

/** Building a Debian tree and importing it as an image takes a few minutes the first time; finding it, seconds. */
const PROVISION_TIMEOUT_MS = 600_000;
/** The upgrade may build the backports image too, then backs up, restarts and waits for health. */
const UPGRADE_TIMEOUT_MS = 600_000;
const JOB_TIMEOUT_MS = 90_000;

/** The owner's window, kept open across the tests of this file like a person's browser tab. */
let session;
/** The server as the API describes it, once it runs. */
let instance;

/** The Version card of the instance page open in `page`. */
function versionCard(page) {
  return page.getByRole('main').locator('section').filter({ has: page.getByRole('heading', { name: 'Version', exact: true }) });
}

test('the wizard creates a Prosody server in a container and follows its image being built or found', { skip, timeout: PROVISION_TIMEOUT_MS + 60_000 }, async () => {
  // The server runs as an unprivileged uid, which must be able to pass through the data directory
  // (mkdtemp makes it 0700) to its own, bind-mounted into the container.
  await chmod(hearth.dataDir, 0o711);
  const api = await ownerApi(hearth);
  const { body: kinds } = await api('GET', '/instance-kinds');
  const prosody = kinds.find((kind) => kind.kind === 'prosody');
  assert.ok(prosody?.runtimes.includes('container'), `Hearth offers Prosody in a container: ${JSON.stringify(prosody)}`);

  session = await newPage(hearth);
  const { page } = session;
  await signIn(page, owner);
  await signedInAs(page, owner.email);
  await page.goto('/#/instances/create');
  const wizard = page.getByRole('form', { name: 'New chat server' });

  // Step 1: the program, then where it runs: the choice appears once Prosody is chosen.
  const runtimes = wizard.getByRole('radiogroup', { name: 'Where it runs' });
  await wizard.getByRole('radio', { name: 'Prosody' }).check();
  await runtimes.waitFor();
  const inContainer = runtimes.getByRole('radio', { name: 'In a container (Docker or Podman)' });
  assert.equal(await inContainer.isEnabled(), true);
  await inContainer.check();
  await screenshot(page, 'instance-wizard-container');
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 2: the domain, and the name suggested from it.
  await wizard.getByRole('textbox', { name: 'Domain' }).fill(server.domain);
  assert.equal(await wizard.getByRole('textbox', { name: 'Name' }).inputValue(), server.name);
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 3: on this machine only, checked every 5 s.
  assert.equal(await wizard.getByRole('textbox', { name: 'Listens on' }).inputValue(), '127.0.0.1');
  await wizard.getByRole('spinbutton', { name: 'Health check interval (seconds)' }).fill('5');
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 4: the review names the runtime chosen, and says the image may be built first.
  const review = wizard.getByRole('table', { name: 'Review' });
  await review.getByRole('row', { name: /Where it runs/ }).getByRole('cell', { name: 'In a container (Docker or Podman)', exact: true }).waitFor();
  await wizard.getByRole('note').filter({ hasText: 'Hearth builds it first' }).waitFor();
  await wizard.getByRole('button', { name: 'Create chat server' }).click();

  // The provisioning job: its first step builds or finds the image.
  await page.getByRole('heading', { name: `Setting up ${server.name}` }).waitFor();
  const steps = page.getByRole('list', { name: 'Steps' }).getByRole('listitem');
  await steps.first().waitFor();
  assert.match(await steps.first().innerText(), /^install\n/);
  await waitForProvisioning(page, PROVISION_TIMEOUT_MS);
  const main = page.getByRole('main');
  await main.getByTestId('instance-status').filter({ hasText: 'Running' }).waitFor();
  await main.getByText('In a container (Docker or Podman)', { exact: true }).waitFor();

  const id = /#\/instances\/([^/]+)\/show$/.exec(page.url())[1];
  ({ body: instance } = await api('GET', `/instances/${id}`));
  assert.equal(instance.runtime, 'container', JSON.stringify(instance));
  assert.equal(instance.status, 'running', JSON.stringify(instance));
  assert.match(instance.version ?? '', /^0\.12\./, 'the bookworm image runs Prosody 0.12');
  const containers = await podman.containersLabelled({ [INSTANCE_LABEL]: instance.id });
  assert.equal(containers.filter((container) => container.State === 'running').length, 1, JSON.stringify(containers));

  assertNoPageProblems(page);
});

test('an admin upgrades it to the bookworm-backports image (Prosody 13) in its Version card, backed up first', { skip, timeout: UPGRADE_TIMEOUT_MS + 60_000 }, async () => {
  assert.ok(instance, 'the server was made');
  const { page } = session;
  const api = await ownerApi(hearth);

  // A directory to back up to and a key, through the API (the backups tests do it through the UI).
  const target = await api('POST', '/backup-targets', { name: 'upgrade disk', kind: 'local', config: { path: join(hearth.dataDir, 'backups') } });
  assert.equal(target.status, 201, JSON.stringify(target.body));
  const keyFile = join(hearth.dataDir, 'upgrade-key.txt');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const publicKey = (await readFile(keyFile, 'utf8')).match(/^# public key: (age1\w+)$/m)[1];
  const key = await api('POST', '/backup-recipients', { name: 'Upgrade key', publicKey });
  assert.equal(key.status, 201, JSON.stringify(key.body));

  // Every version of a container instance is an image, tagged after the suite it is built from.
  const { body: before } = await api('GET', `/instances/${instance.id}/versions`);
  assert.ok(before.versions.every((version) => version.source === 'image'), JSON.stringify(before.versions));
  const current = before.versions.find((version) => version.current);
  assert.equal(current?.state, 'installed', JSON.stringify(before.versions));
  const backports = before.versions.find((version) => version.suite === BACKPORTS);
  assert.ok(backports && backports.state !== 'unavailable', JSON.stringify(before.versions));
  // The shared store may hold the backports image from an earlier run; otherwise the upgrade builds it.
  const built = backports.state === 'installed';
  const label = backports.version ?? backports.id;

  // Loaded afresh: the page read the (then empty) lists of targets and keys when the server came up.
  await page.goto(`/#/instances/${instance.id}/show`);
  await page.reload();
  const card = versionCard(page);
  await card.getByTestId('version-current').filter({ hasText: `${server.name} runs ${before.current.version}.` }).waitFor();
  const running = card.getByTestId(`version-${current.id}`);
  await running.getByText('Current', { exact: true }).waitFor();
  await running.getByText('Built', { exact: true }).waitFor();
  await running.getByText(`Container image built from ${current.suite}`, { exact: false }).waitFor();
  const candidate = card.getByTestId(`version-${backports.id}`);
  await candidate.getByText(built ? 'Built' : 'Can be built', { exact: true }).waitFor();
  await candidate
    .getByText(built ? `Container image built from ${BACKPORTS}` : `Container image from ${BACKPORTS}: Hearth builds it when you move to it`, { exact: false })
    .waitFor();

  await candidate.getByRole('button', { name: `Upgrade to ${label}` }).click();
  const dialog = page.getByRole('dialog', { name: `Upgrade ${server.name} to ${label}` });
  // The plan (building the image first when the engine lacks it), and what happens if it fails.
  await dialog
    .getByTestId('upgrade-plan')
    .filter({ hasText: built ? 'in a container of its image' : `Hearth first builds the container image of ${label}` })
    .waitFor();
  await dialog.getByText(`replaces its container with one of the ${label} image`, { exact: false }).waitFor();
  await dialog.getByText('If anything fails after the stop, Hearth puts back the previous version', { exact: false }).waitFor();
  await dialog.getByRole('combobox', { name: 'Backup target' }).filter({ hasText: 'upgrade disk' }).waitFor();
  assert.equal(await dialog.getByRole('checkbox', { name: /^Upgrade key/ }).isChecked(), true);
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('Prosody 13 for the family');
  await dialog.getByRole('button', { name: 'Upgrade', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });

  // The job, followed in the card step by step to the end.
  const follower = card.getByTestId('job-follower');
  await follower.getByRole('link', { name: 'Open the job page' }).waitFor();
  await jobSucceeds(page, `Upgrading ${server.name} to ${label}`, UPGRADE_TIMEOUT_MS);
  const steps = await follower.innerText();
  for (const step of ['preflight', 'backup', 'stop', 'snapshot', 'switch', 'start', 'wait-healthy', 'post-check', 'clean-up']) {
    assert.match(steps, new RegExp(`\\b${step}\\b`), `the follower lists the ${step} step`);
  }

  // Prosody 13 is current now, and runs; the bookworm image is one to switch back to.
  const { body: after } = await api('GET', `/instances/${instance.id}/versions`);
  assert.match(after.current.version ?? '', /^13\./, JSON.stringify(after));
  await card.getByTestId('version-current').filter({ hasText: `${server.name} runs ${after.current.version}.` }).waitFor();
  const upgraded = card.getByTestId(`version-${after.current.id}`);
  await upgraded.getByText('Current', { exact: true }).waitFor();
  await upgraded.getByText('Built', { exact: true }).waitFor();
  await upgraded.getByText(`Container image built from ${BACKPORTS}`, { exact: false }).waitFor();
  await running.getByRole('button', { name: `Switch to ${before.current.version}` }).waitFor();
  const main = page.getByRole('main');
  await main.getByTestId('instance-status').filter({ hasText: 'Running' }).waitFor();
  await main.getByText(after.current.version, { exact: true }).first().waitFor();
  await screenshot(page, 'container-upgrade', { element: card });

  const { body: upgradedServer } = await api('GET', `/instances/${instance.id}`);
  assert.match(upgradedServer.version ?? '', /^13\./, JSON.stringify(upgradedServer));
  assert.equal(upgradedServer.status, 'running', JSON.stringify(upgradedServer));
  const { body: backups } = await api('GET', `/backups?instanceId=${instance.id}`);
  assert.deepEqual(
    backups.data.map(({ trigger, status }) => ({ trigger, status })),
    [{ trigger: 'pre-upgrade', status: 'verified' }],
  );
  const containers = await podman.containersLabelled({ [INSTANCE_LABEL]: instance.id });
  const live = containers.filter((container) => container.State === 'running');
  assert.equal(live.length, 1, JSON.stringify(containers));
  assert.match(live[0].Image, new RegExp(`${BACKPORTS}$`), 'the container runs the backports image');

  assertNoPageProblems(page);
});

test('a rollout back to bookworm in a maintenance window that is closed now waits for it, and is cancelled from its page', { skip, timeout: 30_000 }, async () => {
  assert.ok(instance, 'the server was made');
  const { page } = session;
  const api = await ownerApi(hearth);
  const { body: versions } = await api('GET', `/instances/${instance.id}/versions`);
  const bookworm = versions.versions.find((version) => version.suite === 'bookworm');
  assert.ok(bookworm && !bookworm.current && bookworm.version, JSON.stringify(versions));
  // A window opening two hours from now (UTC, the browser's zone here) for an hour: closed now.
  const hhmm = (ms) => new Date(Date.now() + ms).toISOString().slice(11, 16);
  const start = hhmm(2 * 3_600_000);
  const end = hhmm(3 * 3_600_000);

  await page.getByRole('menuitem', { name: 'Rollouts' }).click();
  await page.getByText('No rollout yet.').waitFor();
  await page.getByRole('link', { name: 'New rollout' }).click();
  const form = page.getByRole('form', { name: 'New rollout' });
  // Prosody is the only program Hearth runs here: chosen already, with its one server ticked.
  assert.equal(await form.getByRole('combobox', { name: 'Server program' }).innerText(), 'Prosody');
  await form.getByRole('combobox', { name: 'Move to' }).click();
  await page.getByRole('option', { name: `bookworm (${bookworm.version})`, exact: true }).click();
  const plan = form.getByTestId(`rollout-plan-${server.name}`);
  assert.equal(await plan.getByRole('checkbox', { name: server.name }).isChecked(), true);
  await plan.getByText(`Moves from ${versions.current.version} to ${bookworm.version}.`).waitFor();
  // The Version card's choice of backup target and keys: the only ones there are, chosen.
  await form.getByRole('combobox', { name: 'Backup target' }).filter({ hasText: 'upgrade disk' }).waitFor();
  assert.equal(await form.getByRole('checkbox', { name: /^Upgrade key/ }).isChecked(), true);
  await form.getByRole('switch', { name: 'Only inside a maintenance window' }).check();
  await form.getByLabel('Opens at').fill(start);
  await form.getByLabel('Closes at').fill(end);
  assert.equal(await form.getByRole('combobox', { name: 'Time zone' }).inputValue(), 'UTC', 'the browser’s own time zone');
  await form.getByRole('button', { name: 'Start rollout' }).click();

  // Its page: waiting for the window, which opens at its start, shown in the operator's time.
  await page.waitForURL(/#\/upgrade-rollouts\/[^/]+\/show$/);
  const id = /#\/upgrade-rollouts\/([^/]+)\/show$/.exec(page.url())[1];
  const main = page.getByRole('main');
  await main.getByTestId('rollout-status').filter({ hasText: 'Waiting' }).waitFor();
  const { body: waiting } = await api('GET', `/upgrade-rollouts/${id}`);
  assert.equal(waiting.status, 'waiting', JSON.stringify(waiting));
  assert.deepEqual(waiting.window, { start, end, timezone: 'UTC' });
  assert.equal(waiting.nextWindowAt.slice(11, 16), start, JSON.stringify(waiting));
  const opens = new Date(waiting.nextWindowAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  await main.getByTestId('rollout-next-window').getByText(`${opens} (your time, UTC)`).waitFor();
  await main.getByText(`${start}–${end} UTC`, { exact: true }).waitFor();
  await main.getByText('0 of 1 upgraded', { exact: true }).waitFor();
  const row = main.getByTestId(`rollout-server-${server.name}`);
  await row.getByTestId('rollout-server-status').filter({ hasText: 'To do' }).waitFor();
  // As one finds it coming back later: read afresh, without the notification of its creation.
  await page.reload();
  await main.getByTestId('rollout-next-window').getByText(`${opens} (your time, UTC)`).waitFor();
  await screenshot(page, 'upgrade-rollout');

  // Cancelled from its page: no upgrade starts, the server stays on Prosody 13.
  await main.getByRole('button', { name: 'Cancel rollout' }).click();
  const dialog = page.getByRole('dialog', { name: `Cancel the rollout Prosody to bookworm?` });
  await dialog.getByRole('button', { name: 'Cancel rollout' }).click();
  await main.getByTestId('rollout-status').filter({ hasText: 'Cancelled' }).waitFor();
  await main.getByTestId('rollout-reason').filter({ hasText: 'Cancelled by an operator' }).waitFor();
  assert.equal(await main.getByRole('button', { name: 'Cancel rollout' }).count(), 0);
  const { body: cancelled } = await api('GET', `/upgrade-rollouts/${id}`);
  assert.equal(cancelled.status, 'cancelled', JSON.stringify(cancelled));
  assert.deepEqual(
    cancelled.instances.map(({ name, status, jobId }) => ({ name, status, jobId })),
    [{ name: server.name, status: 'pending', jobId: null }],
  );
  const { body: still } = await api('GET', `/instances/${instance.id}`);
  assert.match(still.version ?? '', /^13\./, JSON.stringify(still));

  assertNoPageProblems(page);
});

test('destroying the server from its page removes its container', { skip, timeout: JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(instance, 'the server was made');
  const { page, context } = session;
  await page.goto(`/#/instances/${instance.id}/show`);
  await page.getByRole('button', { name: 'Destroy', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Destroy ${server.name}?` });
  await dialog.getByRole('textbox', { name: 'Chat server name' }).fill(server.name);
  await dialog.getByRole('button', { name: 'Destroy chat server' }).click();
  await page.getByText('Chat server destroyed').waitFor({ timeout: JOB_TIMEOUT_MS });
  await page.waitForURL(/#\/instances$/);
  assert.equal((await (await ownerApi(hearth))('GET', '/instances')).body.total, 0);
  assert.deepEqual(await podman.containersLabelled({ [INSTANCE_LABEL]: instance.id }), [], 'no container of the server is left');

  assertNoPageProblems(page);
  await context.close();
});
