// Retention policies and the privacy report through the console, on a real Prosody server: an admin
// makes a policy from the "Minimal metadata" preset (its plain-words explanation shown, its knobs
// editable), applies it from the server's page and follows the job, sees the report read back from
// the running server with no drift, downloads it as a Markdown privacy notice, changes a knob (the
// server gets a re-apply job, linked from the policy), makes another policy Hearth's own and deletes
// it; a viewer sees the report but no way to change it. At the end the server is destroyed.
import assert from 'node:assert/strict';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertNoPageProblems, jobSucceeds, jobSucceedsThroughApi, newPage, ownerApi, screenshot, signIn, signedInAs, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const viewer = { email: 'vic.viewer@example.org', name: 'Vic', password: 'silent-meadow-anchor-29' };
// Ports of its own: each Hearth allocates from its own database, so two test files running at once
// on the default range could hand the same port to two servers.
const PORT_RANGE = '28900-28999';
const hearth = useHearth({ owner, env: { HEARTH_PORT_RANGE: PORT_RANGE }, cleanUp: true });
const prosody = { name: 'family', kind: 'prosody', domain: 'family.example' };
const policyName = 'Family, minimal';

/** Provisioning Prosody takes a few seconds; a loaded CI machine much more. */
const PROVISION_TIMEOUT_MS = 120_000;
/** Applying a policy rewrites the config and restarts the server: seconds for Prosody. */
const JOB_TIMEOUT_MS = 90_000;
/** Server knobs, federation, and Hearth's four own records. */
const REPORT_ROWS = 12 + 1 + 4;

/** What the tests hand on. */
const state = { instance: undefined, policy: undefined };

/** An owner's window, signed in. */
async function signedIn(operator = owner, shownName = owner.email) {
  const session = await newPage(hearth);
  await signIn(session.page, operator);
  await signedInAs(session.page, shownName);
  return session;
}

/** The Privacy card of the instance page open in `page`. */
function privacyCard(page) {
  return page.getByRole('main').locator('section').filter({ has: page.getByRole('heading', { name: 'Privacy', exact: true }) });
}

/** The report as the card shows it: a row a knob, with its status. */
async function shownReport(card) {
  const table = card.getByRole('table', { name: `Privacy report of ${prosody.name}` });
  await table.waitFor();
  const rows = table.locator('tbody tr');
  return Promise.all(
    (await rows.all()).map(async (row) => ({
      knob: (await row.getAttribute('data-testid')).replace('privacy-row-', ''),
      status: await row.getAttribute('data-status'),
      chip: await row.getByTestId('privacy-status').innerText(),
      text: await row.innerText(),
    })),
  );
}

/** Fails unless every row of the report (card and API alike) is ok or unsupported, none drifted. */
async function assertNoDrift(api, card) {
  const { status, body: report } = await api('GET', `/instances/${state.instance.id}/privacy-report`);
  assert.equal(status, 200, JSON.stringify(report));
  const drifted = report.rows.filter((row) => row.status === 'drift');
  assert.deepEqual(drifted, [], 'nothing drifted');
  assert.equal(report.rows.length, REPORT_ROWS);
  const shown = await shownReport(card);
  assert.deepEqual(
    shown.map(({ knob, status: shownStatus }) => [knob, shownStatus]),
    report.rows.map((row) => [row.knob, row.status]),
    'the card shows every row of the report',
  );
  for (const row of shown) assert.ok(['OK', 'Not supported'].includes(row.chip), `${row.knob}: ${row.text}`);
  await card.getByTestId('privacy-summary').getByText(`${report.summary.ok} as the policy says, 0 drifted, ${report.summary.unsupported} not supported by Prosody.`).waitFor();
  return report;
}

test('an admin makes a policy from the "Minimal metadata" preset', { timeout: PROVISION_TIMEOUT_MS + 60_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory.
  await chmod(hearth.dataDir, 0o711);
  const api = await ownerApi(hearth);
  const accepted = await api('POST', '/instances', { ...prosody, healthIntervalSec: 5 });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  await jobSucceedsThroughApi(api, accepted.body.jobId, PROVISION_TIMEOUT_MS);
  state.instance = (await api('GET', `/instances/${accepted.body.id}`)).body;
  const { body: presets } = await api('GET', '/retention-presets');
  const minimal = presets.data.find((preset) => preset.id === 'minimal');

  const { page, context } = await signedIn();
  await page.getByRole('menuitem', { name: 'Privacy' }).click();
  await page.getByText('No retention policy yet. Start one from a preset.').waitFor();
  await page.getByRole('link', { name: 'New policy' }).click();

  // Every preset, with what choosing it means in plain words.
  for (const preset of presets.data) {
    const radio = page.getByRole('radio', { name: preset.name });
    await radio.waitFor();
    await page.getByText(preset.explanation).waitFor();
  }
  await page.getByRole('radio', { name: 'Minimal metadata' }).check();
  const form = page.getByRole('form', { name: 'New retention policy' });
  const name = form.getByRole('textbox', { name: 'Name' });
  assert.equal(await name.inputValue(), 'Minimal metadata', 'named after the preset');
  await name.fill(policyName);

  // The preset's knobs, ready to be changed.
  const messages = form.getByTestId('knob-messageDays');
  assert.equal(await messages.getByRole('radio', { name: 'Keep for', exact: true }).isChecked(), true);
  const messageDays = form.getByRole('spinbutton', { name: 'Days of Message history on the server' });
  assert.equal(await messageDays.inputValue(), String(minimal.knobs.messageDays));
  assert.equal(await form.getByRole('switch', { name: 'Presence (online status)' }).isChecked(), false);
  assert.equal(await form.getByRole('combobox', { name: 'Log level' }).innerText(), 'Warnings');
  assert.equal(await form.getByRole('combobox', { name: 'Federation' }).innerText(), 'Closed');
  assert.equal(await form.getByRole('spinbutton', { name: 'Backups kept per schedule' }).inputValue(), String(minimal.knobs.backupsKept));
  await form.getByText('This is the first policy: Hearth’s own records will follow it.').waitFor();

  // A number of days the contract refuses is said under the knob, and nothing is sent.
  await messageDays.fill('0.5');
  await form.getByRole('button', { name: 'Create policy' }).click();
  await messages.getByText('Enter a whole number of days from 1 to 36500, or choose another option').waitFor();
  // "Keep for good" and "Don't keep" are the other two choices.
  await messages.getByRole('radio', { name: 'Keep for good' }).check();
  await messages.getByRole('radio', { name: 'Don’t keep' }).check();
  await messageDays.fill(String(minimal.knobs.messageDays));
  assert.equal(await messages.getByRole('radio', { name: 'Keep for', exact: true }).isChecked(), true, 'typing days chooses them');
  await form.getByRole('button', { name: 'Create policy' }).click();

  // Its page: the first policy is also the one Hearth's own records follow.
  await page.getByText(`Retention policy ${policyName} created`, { exact: false }).waitFor();
  await page.waitForURL(/#\/retention-policies\/[^/]+\/show$/);
  await page.getByTestId('policy-console').waitFor();
  await page.getByTestId('policy-knob-messageDays').getByText('7 days').waitFor();
  await page.getByTestId('policy-knob-auditDays').getByText('90 days').waitFor();
  const { body: policies } = await api('GET', '/retention-policies');
  assert.equal(policies.total, 1);
  state.policy = policies.data[0];
  assert.equal(state.policy.name, policyName);
  assert.equal(state.policy.preset, 'minimal');
  assert.equal(state.policy.console, true);
  assert.deepEqual(state.policy.knobs, minimal.knobs, "the preset's knobs, unchanged");
  assert.equal(state.policy.description, minimal.explanation, "left empty, the preset's explanation");
  assertNoPageProblems(page);
  await context.close();
});

test('an admin applies it from the server page, follows the job, and the report shows no drift', { timeout: JOB_TIMEOUT_MS + 60_000 }, async () => {
  assert.ok(state.policy, 'the policy was made');
  const api = await ownerApi(hearth);
  const { page, context } = await signedIn();
  await page.goto(`/#/instances/${state.instance.id}/show`);
  const card = privacyCard(page);
  await card.getByText('Under no retention policy', { exact: false }).waitFor();

  await card.getByRole('combobox', { name: 'Retention policy' }).click();
  await page.getByRole('option', { name: policyName }).click();
  await card.getByRole('button', { name: 'Apply policy' }).click();
  const dialog = page.getByRole('dialog', { name: `Apply ${policyName} to ${prosody.name}?` });
  await dialog.getByText('restarts it', { exact: false }).waitFor();
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('privacy notice for the family');
  await dialog.getByRole('button', { name: 'Apply policy' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await card.getByTestId('job-follower').getByRole('link', { name: 'Open the job page' }).waitFor();
  await jobSucceeds(page, `Applying ${policyName} to ${prosody.name}`, JOB_TIMEOUT_MS);

  // The reconfigure job, step by step.
  const jobId = (await card.getByTestId('job-follower').getByRole('link', { name: 'Open the job page' }).getAttribute('href')).match(/jobs\/([^/]+)\/show/)[1];
  const { body: job } = await api('GET', `/jobs/${jobId}`);
  assert.equal(job.type, 'instance.reconfigure');
  assert.deepEqual(
    job.steps.map((step) => [step.name, step.status]),
    ['apply-settings', 'write-config', 'prepare', 'stop', 'start', 'wait-healthy', 'verify'].map((step) => [step, 'succeeded']),
  );
  await card.getByRole('button', { name: 'Hide' }).click();

  // Under the policy now, and the server does what it says.
  await card.getByTestId('privacy-policy').getByRole('link', { name: policyName }).waitFor();
  const report = await assertNoDrift(api, card);
  assert.deepEqual(report.policy, { id: state.policy.id, name: policyName });
  const messages = report.rows.find((row) => row.knob === 'messageDays');
  assert.deepEqual([messages.wanted, messages.actual, messages.status], ['7 days', '7 days', 'ok']);
  // Where it was read is in the status's tooltip; what it reveals is under its name.
  const messageRow = card.getByTestId('privacy-row-messageDays');
  await messageRow.getByText(messages.reveals).waitFor();
  await messageRow.getByTestId('privacy-status').hover();
  await page.getByRole('tooltip').filter({ hasText: messages.detail }).waitFor();
  await page.mouse.move(0, 0);
  // Why a knob is unsupported is said in its row.
  const unsupported = report.rows.find((row) => row.status === 'unsupported');
  assert.ok(unsupported, 'Prosody leaves some knobs unsupported');
  await card.getByTestId(`privacy-row-${unsupported.knob}`).getByTestId('privacy-detail').getByText(unsupported.detail).waitFor();

  // The report as a Markdown privacy notice, fetched with the session and saved.
  const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download as Markdown' }).click()]);
  assert.equal(download.suggestedFilename(), `privacy-${prosody.domain}.md`);
  const file = join(hearth.dataDir, 'privacy.md');
  await download.saveAs(file);
  const markdown = await readFile(file, 'utf8');
  assert.equal(markdown.split('\n')[0], `# What ${prosody.domain} keeps about you`);
  assert.match(markdown, /^\| What \| Kept \| Status \| What it reveals \|$/m);
  assert.match(markdown, new RegExp(`Policy: ${policyName}\\.`));

  // A window tall enough for the whole card, scrolled to just below the app bar, which would otherwise cross it.
  await page.setViewportSize({ width: 1280, height: 2600 });
  await card.evaluate((element) => window.scrollBy(0, element.getBoundingClientRect().top - 80));
  await screenshot(page, 'privacy-report', { element: card });
  await page.setViewportSize({ width: 1280, height: 800 });
  assertNoPageProblems(page);
  await context.close();
});

test('changing a knob applies the policy again to its server, and the policy page links the job', { timeout: JOB_TIMEOUT_MS + 60_000 }, async () => {
  assert.ok(state.policy, 'the policy was made');
  const api = await ownerApi(hearth);
  const { page, context } = await signedIn();
  await page.goto(`/#/retention-policies/${state.policy.id}/show`);
  await page.getByRole('link', { name: prosody.name, exact: true }).waitFor();
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  const form = page.getByRole('form', { name: 'Edit retention policy' });
  const messageDays = form.getByRole('spinbutton', { name: 'Days of Message history on the server' });
  assert.equal(await messageDays.inputValue(), '7');
  // Only a change of a knob restarts the servers under the policy, and the form says so first.
  assert.equal(await form.getByTestId('policy-reapply').count(), 0);
  await messageDays.fill('14');
  await form.getByTestId('policy-reapply').getByText('Saving applies the changed settings again to the 1 server under this policy', { exact: false }).waitFor();
  await form.getByRole('button', { name: 'Save and apply' }).click();

  const applied = page.getByTestId('policy-applied');
  await applied.getByText(`Policy ${policyName} saved.`).waitFor();
  await applied.getByText('Its new settings are being applied again to 1 server:').waitFor();
  await applied.getByRole('link', { name: prosody.name, exact: true }).waitFor();
  await applied.getByText('Succeeded').waitFor({ timeout: JOB_TIMEOUT_MS });
  const jobLink = applied.getByRole('link', { name: 'Open the job page' });
  const jobId = (await jobLink.getAttribute('href')).match(/jobs\/([^/]+)\/show/)[1];
  const { body: job } = await api('GET', `/jobs/${jobId}`);
  assert.equal(job.type, 'instance.reconfigure');
  assert.equal(job.status, 'succeeded');
  // Only the knob that changed was sent (the audit log names it).
  const { body: audit } = await api('GET', '/audit-events?action=retention_policy.update');
  const update = audit.data.find((event) => event.action === 'retention_policy.update');
  assert.deepEqual(update.detail.changed, ['messageDays']);

  // The server does what the policy now says.
  await page.goto(`/#/instances/${state.instance.id}/show`);
  const card = privacyCard(page);
  const report = await assertNoDrift(api, card);
  const messages = report.rows.find((row) => row.knob === 'messageDays');
  assert.deepEqual([messages.wanted, messages.actual, messages.status], ['14 days', '14 days', 'ok']);

  // The policy's page: its knobs in words and the server under it; it can't be deleted while in use.
  await page.goto(`/#/retention-policies/${state.policy.id}/show`);
  await page.getByTestId('policy-knob-messageDays').getByText('14 days').waitFor();
  await page.getByRole('link', { name: prosody.name, exact: true }).waitFor();
  const remove = page.getByRole('button', { name: 'Delete' });
  assert.equal(await remove.isDisabled(), true, 'a policy in use is not deleted');
  await page.getByTestId('policy-delete-reason').getByText('A server is under this policy: put it under another one first').waitFor();
  await screenshot(page, 'retention-policy', { fullPage: true });
  assertNoPageProblems(page);
  await context.close();
});

test("another policy is made Hearth's own, then deleted once nothing follows it", { timeout: 60_000 }, async () => {
  assert.ok(state.policy, 'the policy was made');
  const api = await ownerApi(hearth);
  const created = await api('POST', '/retention-policies', { name: 'Spare', preset: 'balanced' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const spare = created.body;
  assert.equal(spare.console, false, 'the first policy stays the console one');

  const { page, context } = await signedIn();
  await page.getByRole('menuitem', { name: 'Privacy' }).click();
  const rows = page.getByRole('table', { name: 'Retention policies' }).locator('tbody tr');
  await rows.filter({ hasText: 'Spare' }).getByText('From “Balanced”').waitFor();
  await rows.filter({ hasText: policyName }).getByText('Hearth’s own records').waitFor();
  await rows.filter({ hasText: policyName }).getByText(prosody.name, { exact: true }).waitFor();
  await rows.filter({ hasText: 'Spare' }).getByRole('link', { name: 'Spare' }).click();

  await page.getByRole('button', { name: 'Make it Hearth’s' }).click();
  const making = page.getByRole('dialog', { name: 'Make Hearth’s own records follow Spare?' });
  await making.getByRole('button', { name: 'Make it Hearth’s' }).click();
  await making.waitFor({ state: 'hidden' });
  await page.getByTestId('policy-console').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Delete' }).isDisabled(), true, "the console's policy is not deleted");
  const { body: policies } = await api('GET', '/retention-policies');
  assert.deepEqual(policies.data.map(({ name, console }) => [name, console]).sort(), [[policyName, false], ['Spare', true]].sort());

  // Back to the first, through the API; then Spare goes.
  const back = await api('PATCH', `/retention-policies/${state.policy.id}`, { console: true });
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.deepEqual(back.body.applied, [], 'no knob changed, so no server is touched');
  await page.reload();
  await page.getByTestId('policy-knob-messageDays').waitFor();
  assert.equal(await page.getByTestId('policy-console').count(), 0, 'no longer the console policy');
  const remove = page.getByRole('button', { name: 'Delete' });
  assert.equal(await remove.isEnabled(), true, 'nothing follows it: it may go');
  await remove.click();
  await page.getByRole('dialog', { name: 'Delete retention policy Spare?' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Retention policy Spare deleted').waitFor();
  await page.waitForURL(/#\/retention-policies$/);
  assert.equal((await api('GET', `/retention-policies/${spare.id}`)).status, 404);
  assertNoPageProblems(page);
  await context.close();
});

test('a viewer sees the report but no way to change the policy', { timeout: 60_000 }, async () => {
  assert.ok(state.policy, 'the policy was made');
  const api = await ownerApi(hearth);
  const added = await api('POST', '/operators', { email: viewer.email, password: viewer.password, role: 'viewer', displayName: viewer.name });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const { page, context } = await signedIn(viewer, viewer.name);
  await page.goto(`/#/instances/${state.instance.id}/show`);
  const card = privacyCard(page);
  await card.getByTestId('privacy-policy').getByRole('link', { name: policyName }).waitFor();
  await assertNoDrift(api, card);
  assert.equal(await card.getByRole('combobox', { name: 'Retention policy' }).count(), 0, 'no policy to choose');
  assert.equal(await card.getByRole('button').count(), 1, 'one button in the card');
  await card.getByRole('button', { name: 'Download as Markdown' }).waitFor();
  await page.goto(`/#/retention-policies/${state.policy.id}/show`);
  await page.getByTestId('policy-knob-messageDays').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Edit', exact: true }).count(), 0, 'no way to edit');
  assertNoPageProblems(page);
  await context.close();
});

test('destroying the server leaves nothing running', { timeout: JOB_TIMEOUT_MS + 30_000 }, async () => {
  assert.ok(state.instance, 'the server was made');
  const api = await ownerApi(hearth);
  const destroying = await api('DELETE', `/instances/${state.instance.id}?confirm=${encodeURIComponent(prosody.name)}`);
  assert.equal(destroying.status, 202, JSON.stringify(destroying.body));
  await jobSucceedsThroughApi(api, destroying.body.jobId, JOB_TIMEOUT_MS);
  assert.equal((await api('GET', `/instances/${state.instance.id}`)).status, 404);
  // The policy outlives the server, which is no longer under it.
  const { body: policy } = await api('GET', `/retention-policies/${state.policy.id}`);
  assert.deepEqual(policy.instanceIds, []);
});
