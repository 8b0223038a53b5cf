// Upgrading a chat server through the console, on a real Prosody server: the Version card shows
// Debian's Prosody 0.12 as the current version and bookworm-backports' one as installable; an
// admin upgrades through the dialog (a backup target and key, a reason, the plan and the rollback
// spelled out), follows the job (install, backup, stop, snapshot, switch, start, health gate) and
// sees 13.0.1 current. The version store is the test's own, so the backports tree is built fresh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { chmod, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoPageProblems, jobSucceeds, jobSucceedsThroughApi, newPage, ownerApi, screenshot, signIn, signedInAs, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
// Ports of its own: each Hearth allocates from its own database, so two test files running at once
// on the default range could hand the same port to two servers.
const PORT_RANGE = '29200-29299';
/** The test's own version store: nothing built by another run (or the host's Hearth) is reused. */
const versionStore = mkdtempSync(join(tmpdir(), 'hearth-e2e-versions-'));
const hearth = useHearth({ owner, env: { HEARTH_PORT_RANGE: PORT_RANGE, HEARTH_VERSION_STORE: versionStore }, cleanUp: true });
const prosody = { name: 'family', kind: 'prosody', domain: 'family.example' };
const BACKPORTS = 'bookworm-backports';

/** Provisioning Prosody takes a few seconds; a loaded CI machine much more. */
const PROVISION_TIMEOUT_MS = 120_000;
/** The upgrade builds the backports tree (about 5 s), backs up, restarts and waits for health. */
const UPGRADE_TIMEOUT_MS = 240_000;
const JOB_TIMEOUT_MS = 90_000;

/** The server, once it runs. */
let instance;

/** The Version card of the instance page open in `page`. */
function versionCard(page) {
  return page.getByRole('main').locator('section').filter({ has: page.getByRole('heading', { name: 'Version', exact: true }) });
}

test('an admin upgrades a Prosody server from Debian’s 0.12 to the backports’ 13.0.1, backed up first', { timeout: PROVISION_TIMEOUT_MS + UPGRADE_TIMEOUT_MS + 60_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory
  // and the version store (mkdtemp makes both 0700).
  await chmod(hearth.dataDir, 0o711);
  await chmod(versionStore, 0o755);
  const api = await ownerApi(hearth);

  // The server, a directory to back up to and a key, all through the API.
  const accepted = await api('POST', '/instances', { ...prosody, healthIntervalSec: 5 });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  await jobSucceedsThroughApi(api, accepted.body.jobId, PROVISION_TIMEOUT_MS);
  ({ body: instance } = await api('GET', `/instances/${accepted.body.id}`));
  assert.equal(instance.status, 'running', JSON.stringify(instance));
  const target = await api('POST', '/backup-targets', { name: 'upgrade disk', kind: 'local', config: { path: join(hearth.dataDir, 'backups') } });
  assert.equal(target.status, 201, JSON.stringify(target.body));
  const keyFile = join(hearth.dataDir, 'upgrade-key.txt');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const publicKey = (await readFile(keyFile, 'utf8')).match(/^# public key: (age1\w+)$/m)[1];
  const key = await api('POST', '/backup-recipients', { name: 'Upgrade key', publicKey });
  assert.equal(key.status, 201, JSON.stringify(key.body));

  const { body: before } = await api('GET', `/instances/${instance.id}/versions`);
  assert.equal(before.current.id, 'system', JSON.stringify(before));
  assert.match(before.current.version, /^0\.12\./);
  const backports = before.versions.find((version) => version.suite === BACKPORTS && version.source === 'tree');
  assert.equal(backports?.state, 'installable', JSON.stringify(before.versions));
  const label = backports.version ?? backports.id;

  const { page, context } = await newPage(hearth);
  await signIn(page, owner);
  await signedInAs(page, owner.email);
  await page.goto(`/#/instances/${instance.id}/show`);
  const card = versionCard(page);
  await card.getByTestId('version-current').filter({ hasText: `${prosody.name} runs ${before.current.version}.` }).waitFor();
  const system = card.getByTestId('version-system');
  await system.getByText('Current', { exact: true }).waitFor();
  await system.getByText('Installed', { exact: true }).waitFor();
  const candidate = card.getByTestId(`version-${backports.id}`);
  await candidate.getByText('Can be installed', { exact: true }).waitFor();
  await candidate.getByText(`From ${BACKPORTS}`, { exact: false }).waitFor();

  await candidate.getByRole('button', { name: `Upgrade to ${label}` }).click();
  const dialog = page.getByRole('dialog', { name: `Upgrade ${prosody.name} to ${label}` });
  // The plan, and what happens if it fails.
  await dialog.getByText(`Hearth installs ${label} into its version store`, { exact: false }).waitFor();
  await dialog.getByText('If anything fails after the stop, Hearth puts back the previous version', { exact: false }).waitFor();
  // The only target and the only key are already chosen, as in "Back up now".
  await dialog.getByRole('combobox', { name: 'Backup target' }).filter({ hasText: 'upgrade disk' }).waitFor();
  assert.equal(await dialog.getByRole('checkbox', { name: /^Upgrade key/ }).isChecked(), true);
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('Prosody 13 for the family');
  // A window tall enough for the whole dialog, which otherwise scrolls.
  await page.setViewportSize({ width: 1280, height: 1100 });
  await screenshot(page, 'upgrade-dialog', { element: dialog });
  await page.setViewportSize({ width: 1280, height: 800 });
  await dialog.getByRole('button', { name: 'Upgrade', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });

  // The job, followed in the card, step by step.
  const follower = card.getByTestId('job-follower');
  await follower.getByRole('link', { name: 'Open the job page' }).waitFor();
  await jobSucceeds(page, `Upgrading ${prosody.name} to ${label}`, UPGRADE_TIMEOUT_MS);
  const steps = await follower.innerText();
  for (const step of ['preflight', 'backup', 'stop', 'snapshot', 'switch', 'start', 'wait-healthy', 'post-check', 'clean-up']) {
    assert.match(steps, new RegExp(`\\b${step}\\b`), `the follower lists the ${step} step`);
  }
  await card.getByRole('button', { name: 'Hide' }).click();

  // 13.0.1 is current now; Debian's package is one to switch back to.
  await card.getByTestId('version-current').filter({ hasText: `${prosody.name} runs 13.0.1.` }).waitFor();
  const { body: after } = await api('GET', `/instances/${instance.id}/versions`);
  assert.equal(after.current.version, '13.0.1', JSON.stringify(after));
  const upgraded = card.getByTestId(`version-${after.current.id}`);
  await upgraded.getByText('Current', { exact: true }).waitFor();
  await upgraded.getByText('Installed', { exact: true }).waitFor();
  await system.getByRole('button', { name: `Switch to ${before.current.version}` }).waitFor();

  // The server runs 13.0.1, and the backup made before the stop is verified.
  const { body: server } = await api('GET', `/instances/${instance.id}`);
  assert.equal(server.version, '13.0.1');
  assert.equal(server.status, 'running', JSON.stringify(server));
  const { body: backups } = await api('GET', `/backups?instanceId=${instance.id}`);
  assert.deepEqual(
    backups.data.map(({ trigger, status }) => ({ trigger, status })),
    [{ trigger: 'pre-upgrade', status: 'verified' }],
  );

  assertNoPageProblems(page);
  await context.close();
});

test('destroying the server leaves nothing running', { timeout: JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(instance, 'the server was made');
  const api = await ownerApi(hearth);
  const destroying = await api('DELETE', `/instances/${instance.id}?confirm=${encodeURIComponent(prosody.name)}`);
  assert.equal(destroying.status, 202, JSON.stringify(destroying.body));
  await jobSucceedsThroughApi(api, destroying.body.jobId, JOB_TIMEOUT_MS);
  assert.equal((await api('GET', `/instances/${instance.id}`)).status, 404);
  await rm(versionStore, { recursive: true, force: true });
});
