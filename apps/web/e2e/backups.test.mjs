// Encrypted backups through the console, on a real Prosody server: an admin generates an age key
// pair in the browser (and Debian's age-keygen agrees with the file it downloads), adds a directory
// and an SFTP server as targets and tests them, backs the server up from its page, schedules it,
// sees the backup verified in the list, runs a restore drill with the downloaded key file (a wrong
// key is refused at once) and opens the restore dialog; the private key never lands in the
// browser's storage.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoPageProblems, browserStorage, jobSucceeds, jobSucceedsThroughApi, newPage, ownerApi, screenshot, signIn, signedInAs, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
// Ports of its own: each Hearth allocates from its own database, so two test files running at once
// on the default range could hand the same port to two servers (the drill's scratch server too).
const PORT_RANGE = '28200-28299';
const hearth = useHearth({ owner, env: { HEARTH_PORT_RANGE: PORT_RANGE }, cleanUp: true });
const prosody = { name: 'family', kind: 'prosody', domain: 'family.example' };
const members = ['alice', 'bob'];
/** In the file's range, above what its servers take: nothing listens there. */
const SILENT_PORT = 28299;
const sftpPassword = 'quiet-harbour-pebble-83';

/** Provisioning Prosody takes a few seconds; a loaded CI machine much more. */
const PROVISION_TIMEOUT_MS = 120_000;
/** Backing up, and a drill (a scratch server started, checked and removed), take seconds each. */
const JOB_TIMEOUT_MS = 120_000;

const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const KEY_FILE = /^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: (age1[02-9ac-hj-np-z]{58})\n(AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})\n$/;

/** What the tests hand on: the key file the browser made, its public key, the server, its backup. */
const state = { keyFile: '', publicKey: '', secret: '', instance: undefined, backupId: '' };

/** An owner's window, signed in. */
async function signedIn() {
  const session = await newPage(hearth);
  await signIn(session.page, owner);
  await signedInAs(session.page, owner.email);
  return session;
}

/** Chooses `file` in the file dialog that clicking `button` opens. */
async function chooseFile(page, button, file) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button.click()]);
  await chooser.setFiles(file);
}

/** Fails if the page keeps anything of the private key: storage, IndexedDB, or the document itself. */
async function assertKeyNotKept(page) {
  const secretBody = state.secret.slice('AGE-SECRET-KEY-1'.length);
  for (const [storage, key, value] of await browserStorage(page)) {
    assert.ok(!/AGE-SECRET-KEY/i.test(`${key}${value}`) && !`${key}${value}`.toUpperCase().includes(secretBody), `${storage} holds no private key (${key})`);
  }
  assert.deepEqual(await page.evaluate(() => indexedDB.databases()), [], 'no IndexedDB database');
  const html = await page.content();
  assert.ok(!html.includes(secretBody) && !html.includes(secretBody.toLowerCase()), 'the document shows no private key');
}

test('an admin generates a backup key in the browser; age-keygen derives the same public key from the downloaded file', { timeout: 60_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory.
  await chmod(hearth.dataDir, 0o711);
  const { page, context } = await signedIn();
  // Debian's Chromium has X25519 in WebCrypto, which the key generation needs.
  const algorithm = await page.evaluate(async () => (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])).publicKey.algorithm.name);
  assert.equal(algorithm, 'X25519');

  await page.getByRole('menuitem', { name: 'Backup keys' }).click();
  await page.getByText('No backup keys yet.').waitFor();
  await page.getByRole('button', { name: 'Generate key pair' }).click();
  const dialog = page.getByRole('dialog', { name: 'Generate a backup key' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill('Owner laptop');
  await dialog.getByRole('button', { name: 'Generate', exact: true }).click();
  const publicKey = await dialog.getByRole('textbox', { name: 'Public key' }).inputValue();
  assert.match(publicKey, AGE_RECIPIENT);
  const add = dialog.getByRole('button', { name: 'Add key' });
  assert.equal(await add.isDisabled(), true, 'the key is added only once its private key was downloaded');

  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download hearth-backup-key.txt' }).click()]);
  assert.equal(download.suggestedFilename(), 'hearth-backup-key.txt');
  state.keyFile = join(hearth.dataDir, 'hearth-backup-key.txt');
  await download.saveAs(state.keyFile);
  const [, filePublicKey, secret] = (await readFile(state.keyFile, 'utf8')).match(KEY_FILE) ?? [];
  assert.ok(secret, 'the file is written as age-keygen writes it');
  assert.equal(filePublicKey, publicKey);
  // The reference implementation reads the browser's private key and derives the same public key.
  assert.equal(execFileSync('age-keygen', ['-y', state.keyFile], { encoding: 'utf8' }), `${publicKey}\n`);
  Object.assign(state, { publicKey, secret });

  await screenshot(page, 'backup-key-generate', { element: dialog });
  await add.click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByTestId('recipient-key').filter({ hasText: publicKey }).waitFor();

  // Only the public key reached Hearth.
  const api = await ownerApi(hearth);
  const { body: recipients } = await api('GET', '/backup-recipients');
  assert.deepEqual(
    recipients.data.map(({ name, publicKey: key }) => ({ name, key })),
    [{ name: 'Owner laptop', key: publicKey }],
  );
  assert.doesNotMatch(JSON.stringify(recipients), /AGE-SECRET-KEY/i);
  await assertKeyNotKept(page);
  assertNoPageProblems(page);
  await context.close();
});

test('an admin adds a directory and an SFTP server as backup targets and tests their connections', { timeout: 60_000 }, async () => {
  const { page, context } = await signedIn();
  await page.getByRole('menuitem', { name: 'Backup targets' }).click();
  await page.getByText('No backup targets yet.').waitFor();
  await page.getByRole('button', { name: 'Add target' }).click();
  const dialog = page.getByRole('dialog', { name: 'New backup target' });
  // Relative paths are refused before anything is sent.
  await dialog.getByRole('textbox', { name: 'Name' }).fill('offsite disk');
  await dialog.getByRole('textbox', { name: 'Directory' }).fill('backups');
  await dialog.getByRole('button', { name: 'Add target' }).click();
  await dialog.getByText('must be an absolute path').waitFor();
  const directory = join(hearth.dataDir, 'offsite');
  await dialog.getByRole('textbox', { name: 'Directory' }).fill(directory);
  await dialog.getByRole('button', { name: 'Add target' }).click();
  await dialog.waitFor({ state: 'hidden' });

  const row = page.getByRole('row').filter({ hasText: 'offsite disk' });
  await row.getByText('Not tested yet').waitFor();
  await row.getByRole('button', { name: 'Test connection' }).click();
  const result = page.getByRole('dialog', { name: 'Connection test of offsite disk' });
  const check = result.getByTestId('target-check');
  await check.getByText('Connection works').waitFor();
  assert.match(await check.innerText(), new RegExp(`Wrote, read back and deleted a test file in ${directory}`));
  await result.getByRole('button', { name: 'Close' }).click();
  await result.waitFor({ state: 'hidden' });
  await row.getByText('Connection works').waitFor();

  // An SFTP server that does not answer: the form sends the password (which never comes back),
  // and the test says why it failed. Then the target is removed again.
  await page.getByRole('button', { name: 'Add target' }).click();
  await dialog.getByRole('textbox', { name: 'Name' }).fill('storage box');
  await dialog.getByRole('radio', { name: 'SFTP server' }).check();
  await dialog.getByRole('textbox', { name: 'Host', exact: true }).fill('127.0.0.1');
  await dialog.getByRole('spinbutton', { name: 'Port' }).fill(String(SILENT_PORT));
  await dialog.getByRole('textbox', { name: 'User name' }).fill('hearth');
  await dialog.getByRole('textbox', { name: 'Directory on the server' }).fill('backups');
  await dialog.getByRole('button', { name: 'Add target' }).click();
  await dialog.getByText('Required').waitFor();
  await dialog.getByRole('textbox', { name: 'Password' }).fill(sftpPassword);
  await dialog.getByRole('button', { name: 'Add target' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const api = await ownerApi(hearth);
  const { body: targets } = await api('GET', '/backup-targets');
  const sftp = targets.data.find((target) => target.name === 'storage box');
  assert.deepEqual(sftp.config, { host: '127.0.0.1', port: SILENT_PORT, username: 'hearth', path: 'backups' });
  assert.equal(sftp.hasSecrets, true);
  assert.ok(!JSON.stringify(targets).includes(sftpPassword), 'the password is never answered');

  const sftpRow = page.getByRole('row').filter({ hasText: 'storage box' });
  await sftpRow.getByText('Host key: pinned at the first successful test').waitFor();
  await sftpRow.getByRole('button', { name: 'Test connection' }).click();
  const failed = page.getByRole('dialog', { name: 'Connection test of storage box' });
  await failed.getByTestId('target-check').getByText('Connection failed').waitFor();
  await failed.getByRole('button', { name: 'Close' }).click();
  await sftpRow.getByText('Connection failed').waitFor();
  await sftpRow.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog', { name: 'Remove backup target storage box?' }).getByRole('button', { name: 'Remove' }).click();
  await sftpRow.waitFor({ state: 'detached' });
  assertNoPageProblems(page);
  await context.close();
});

test('an admin backs the Prosody server up from its page and schedules it; the list shows the backup verified', { timeout: PROVISION_TIMEOUT_MS + JOB_TIMEOUT_MS + 60_000 }, async () => {
  assert.ok(state.publicKey, 'a backup key was added');
  const api = await ownerApi(hearth);
  const accepted = await api('POST', '/instances', { ...prosody, healthIntervalSec: 5 });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  await jobSucceedsThroughApi(api, accepted.body.jobId, PROVISION_TIMEOUT_MS);
  state.instance = (await api('GET', `/instances/${accepted.body.id}`)).body;
  for (const username of members) {
    const created = await api('POST', `/instances/${state.instance.id}/users`, { username, password: `${username}-garden-lantern-42` });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }

  const { page, context } = await signedIn();
  await page.goto(`/#/instances/${state.instance.id}/show`);
  const card = page.getByRole('main').locator('section').filter({ has: page.getByRole('heading', { name: 'Backups', exact: true }) });
  await card.getByText('No backups yet.').waitFor();
  await card.getByText('No schedule: this server is backed up only by hand.').waitFor();

  await card.getByRole('button', { name: 'Back up now' }).click();
  const now = page.getByRole('dialog', { name: `Back up ${prosody.name} now` });
  // The only target and the only key are chosen already.
  await now.getByRole('combobox', { name: 'Backup target' }).filter({ hasText: 'offsite disk' }).waitFor();
  assert.equal(await now.getByRole('checkbox', { name: /^Owner laptop/ }).isChecked(), true);
  await now.getByRole('button', { name: 'Back up', exact: true }).click();
  await now.waitFor({ state: 'hidden' });
  await card.getByTestId('job-follower').getByRole('link', { name: 'Open the job page' }).waitFor();
  await jobSucceeds(page, `Backing up ${prosody.name}`, JOB_TIMEOUT_MS);
  await card.getByRole('table', { name: `Latest backups of ${prosody.name}` }).getByTestId('backup-status').filter({ hasText: 'Verified' }).waitFor();

  // A nightly schedule, from the presets, then paused.
  await card.getByRole('button', { name: 'Add schedule' }).click();
  const scheduling = page.getByRole('dialog', { name: `New backup schedule for ${prosody.name}` });
  await scheduling.getByRole('combobox', { name: 'When' }).filter({ hasText: 'Every day at 03:30' }).waitFor();
  await scheduling.getByRole('button', { name: 'Add schedule' }).click();
  await scheduling.waitFor({ state: 'hidden' });
  const schedule = card.getByTestId('backup-schedule');
  await schedule.getByText('Every day at 03:30 (UTC)').waitFor();
  await schedule.getByText('Keeps the latest 7', { exact: false }).waitFor();
  // The switch follows the schedule as the API answers it, so it turns once the change is saved.
  await schedule.getByLabel('Enabled').click();
  await schedule.getByText('Paused').waitFor();
  const { body: schedules } = await api('GET', `/backup-schedules?instanceId=${state.instance.id}`);
  assert.deepEqual(
    schedules.data.map(({ cron, timezone, enabled }) => ({ cron, timezone, enabled })),
    [{ cron: '30 3 * * *', timezone: 'UTC', enabled: false }],
  );

  await page.getByRole('menuitem', { name: 'Backups' }).click();
  const row = page.getByRole('row').filter({ hasText: prosody.name });
  await row.getByTestId('backup-status').filter({ hasText: 'Verified' }).waitFor();
  await row.getByText('No drill yet').waitFor();
  const { body: backups } = await api('GET', '/backups');
  assert.equal(backups.total, 1);
  const [backup] = backups.data;
  assert.equal(backup.status, 'verified');
  assert.equal(backup.accountCount, members.length);
  assert.deepEqual(backup.recipients, [state.publicKey]);
  state.backupId = backup.id;
  assertNoPageProblems(page);
  await context.close();
});

test('a restore drill with the downloaded key file passes, a wrong key is refused at once, and the key stays out of the browser', { timeout: JOB_TIMEOUT_MS + 60_000 }, async () => {
  assert.ok(state.backupId, 'the server was backed up');
  // Someone else's key, made by the reference tool.
  const otherKey = join(hearth.dataDir, 'other-key.txt');
  execFileSync('age-keygen', ['-o', otherKey], { stdio: 'ignore' });

  const { page, context } = await signedIn();
  await page.goto(`/#/backups/${state.backupId}/show`);
  await page.getByTestId('backup-status').filter({ hasText: 'Verified' }).waitFor();
  await page.getByRole('button', { name: 'Restore drill' }).click();
  const drill = page.getByRole('dialog', { name: /^Restore drill of family/ });
  await chooseFile(page, drill.getByRole('button', { name: 'Choose key file' }), otherKey);
  await drill.getByTestId('identity-file').filter({ hasText: 'other-key.txt: 1 key' }).waitFor();
  await drill.getByRole('button', { name: 'Start the drill' }).click();
  // The API checks the key against the backup before queueing anything, and the form drops it.
  await drill.getByText("None of the given identities is one of this backup's recipients", { exact: false }).waitFor();
  assert.equal(await drill.getByTestId('identity-file').count(), 0, 'the refused key is no longer held');

  await chooseFile(page, drill.getByRole('button', { name: 'Choose key file' }), state.keyFile);
  await drill.getByTestId('identity-file').filter({ hasText: 'hearth-backup-key.txt: 1 key' }).waitFor();
  await drill.getByRole('button', { name: 'Start the drill' }).click();
  await drill.waitFor({ state: 'hidden' });
  await jobSucceeds(page, `Restore drill of the backup of ${prosody.name}`, JOB_TIMEOUT_MS);
  const outcome = page.getByTestId('backup-drill-outcome');
  await outcome.getByText(/^Passed, /).waitFor();
  await outcome.getByText(`healthy, ${members.length} accounts as when backed up`, { exact: false }).waitFor();

  // The restore dialog, filled in but not sent: the server itself is the only place to restore to
  // while it serves the backup's domain.
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  const restore = page.getByRole('dialog', { name: /^Restore the backup of family/ });
  assert.equal(await restore.getByRole('radio', { name: /^family itself/ }).isChecked(), true);
  assert.equal(await restore.getByRole('radio', { name: /^A new chat server/ }).isDisabled(), true);
  const submit = restore.getByRole('button', { name: 'Restore', exact: true });
  await chooseFile(page, restore.getByRole('button', { name: 'Choose key file' }), state.keyFile);
  assert.equal(await submit.isDisabled(), true, 'the name must be typed first');
  await restore.getByRole('textbox', { name: `Type ${prosody.name} to confirm` }).fill(prosody.name);
  assert.equal(await submit.isEnabled(), true);
  await page.setViewportSize({ width: 1280, height: 1100 });
  await screenshot(page, 'backup-restore-dialog', { element: restore });
  await page.setViewportSize({ width: 1280, height: 800 });
  await restore.getByRole('button', { name: 'Cancel' }).click();
  await restore.waitFor({ state: 'hidden' });

  const api = await ownerApi(hearth);
  const { body: backup } = await api('GET', `/backups/${state.backupId}`);
  assert.equal(backup.lastDrillOk, true, backup.lastDrillDetail);
  await assertKeyNotKept(page);
  await page.getByRole('menuitem', { name: 'Backups' }).click();
  await page.getByRole('row').filter({ hasText: prosody.name }).getByTestId('backup-drill').filter({ hasText: 'Drill passed' }).waitFor();
  await screenshot(page, 'backups-list');
  assertNoPageProblems(page);
  await context.close();
});
