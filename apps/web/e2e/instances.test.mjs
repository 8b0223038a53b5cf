// The owner sets up a Prosody chat server with the wizard, watches it come up and destroys it.
// Runs the real thing: Debian's prosody, started by Hearth's embedded worker.
import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { test } from 'node:test';
import { assertNoPageProblems, newPage, screenshot, signIn, useHearth, waitForProvisioning } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const hearth = useHearth({ owner });
const server = { name: 'family', domain: 'family.example' };

/** Provisioning Prosody takes a few seconds; a loaded CI machine much more. */
const PROVISION_TIMEOUT_MS = 90_000;
/** The first health sample comes within one check interval (5 s here); the page polls every 15 s. */
const HEALTH_TIMEOUT_MS = 45_000;

/** The owner's window, kept open across the tests of this file like a person's browser tab. */
let session;

test('the wizard creates a Prosody server, follows its set-up and shows it running', { timeout: 180_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory
  // (mkdtemp makes it 0700).
  await chmod(hearth.dataDir, 0o711);
  session = await newPage(hearth);
  const { page } = session;
  await signIn(page, owner);
  await page.getByRole('heading', { name: 'Your chat servers' }).waitFor();
  await page.getByText('No chat servers yet.', { exact: false }).waitFor();

  await page.getByRole('menuitem', { name: 'Chat servers' }).click();
  await page.getByRole('link', { name: 'Create' }).first().click();
  await page.getByRole('banner').getByRole('heading', { name: 'New chat server' }).waitFor();
  const wizard = page.getByRole('form', { name: 'New chat server' });

  // Step 1: the server program; Prosody is installed on this host.
  const prosody = wizard.getByRole('radio', { name: 'Prosody' });
  await prosody.waitFor();
  assert.equal(await prosody.isEnabled(), true);
  await prosody.check();
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 2: the domain, and a name suggested from it.
  const domain = wizard.getByRole('textbox', { name: 'Domain' });
  await domain.fill('Not a domain');
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByText('Enter a domain name such as family.example').waitFor();
  await domain.fill(server.domain);
  assert.equal(await wizard.getByRole('textbox', { name: 'Name' }).inputValue(), server.name);
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 3: network and settings. Listening beyond this machine is possible, with a warning.
  const bind = wizard.getByRole('textbox', { name: 'Listens on' });
  assert.equal(await bind.inputValue(), '127.0.0.1');
  assert.equal(await wizard.getByTestId('bind-warning').count(), 0);
  await bind.fill('0.0.0.0');
  await wizard.getByTestId('bind-warning').waitFor();
  await bind.fill('127.0.0.1');
  await wizard.getByTestId('bind-warning').waitFor({ state: 'hidden' });
  await wizard.getByRole('spinbutton', { name: 'Health check interval (seconds)' }).fill('5');
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 4: the review, then create.
  const review = wizard.getByRole('table', { name: 'Review' });
  await review.getByRole('cell', { name: server.domain, exact: true }).waitFor();
  assert.equal(await review.getByRole('cell', { name: server.name, exact: true }).count(), 1);
  assert.equal(await review.getByRole('cell', { name: '127.0.0.1', exact: true }).count(), 1);
  await screenshot(page, 'instance-wizard');
  await wizard.getByRole('button', { name: 'Create chat server' }).click();

  // The provisioning job, step by step, then the server's own page once it is up.
  await page.getByRole('heading', { name: `Setting up ${server.name}` }).waitFor();
  await page.getByRole('list', { name: 'Steps' }).getByRole('listitem').first().waitFor();
  await waitForProvisioning(page, PROVISION_TIMEOUT_MS);
  const main = page.getByRole('main');
  await main.getByTestId('instance-status').filter({ hasText: 'Running' }).waitFor();
  const client = await main.getByRole('table', { name: 'Endpoints' }).getByRole('row', { name: /Chat clients/ }).innerText();
  assert.match(client, /127\.0\.0\.1:\d+/);
  await main.getByText('Prosody (XMPP)', { exact: true }).waitFor();

  // Health: the first check passes and the chart has a point.
  await main.getByTestId('instance-health').getByText('Answering', { exact: false }).waitFor({ timeout: HEALTH_TIMEOUT_MS });
  await main.getByRole('img', { name: /^Response time: median/ }).waitFor({ timeout: HEALTH_TIMEOUT_MS });
  // A few more checks (one every 5 s), so the chart in the picture below has a line.
  await main.getByTestId('latency-chart').locator('circle').nth(2).waitFor({ timeout: HEALTH_TIMEOUT_MS });
  // Events: provisioning ended in "running".
  await main.getByRole('table', { name: 'Recent events' }).getByRole('cell', { name: /→ Running/ }).first().waitFor();
  // The owner may read the server log.
  const logs = main.getByTestId('instance-logs');
  await logs.waitFor();
  assert.ok((await logs.innerText()).trim().length > 0, 'the log has lines');
  await screenshot(page, 'instance-detail', { fullPage: true });

  // The dashboard counts it, and the list shows it with its status.
  await page.getByRole('menuitem', { name: 'Dashboard' }).click();
  await page.getByRole('link', { name: 'Running: 1' }).waitFor();
  await page.getByRole('menuitem', { name: 'Chat servers' }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: server.name, exact: true }) });
  await row.waitFor();
  assert.equal(await row.getByRole('cell', { name: server.domain, exact: true }).count(), 1);
  assert.equal(await row.getByRole('cell', { name: 'Prosody (XMPP)', exact: true }).count(), 1);
  await row.getByTestId('instance-status').filter({ hasText: 'Running' }).waitFor();
  await row.getByText('Answering', { exact: false }).waitFor();
  await screenshot(page, 'instances-list');

  assertNoPageProblems(page);
});

test('destroying the server from its page asks for its name, follows the job and removes it', { timeout: 120_000 }, async () => {
  const { page, context } = session;
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: server.name, exact: true }) });
  await row.click();
  await page.waitForURL(/#\/instances\/[^/]+\/show$/);
  await page.getByRole('button', { name: 'Destroy', exact: true }).click();

  const dialog = page.getByRole('dialog', { name: `Destroy ${server.name}?` });
  const submit = dialog.getByRole('button', { name: 'Destroy chat server' });
  assert.equal(await submit.isDisabled(), true, 'nothing is destroyed before the name is typed');
  await dialog.getByRole('textbox', { name: 'Chat server name' }).fill('famil');
  assert.equal(await submit.isDisabled(), true);
  await dialog.getByRole('textbox', { name: 'Chat server name' }).fill(server.name);
  await dialog.getByRole('textbox', { name: /^Reason/ }).fill('end-to-end test');
  await submit.click();

  await page.getByRole('heading', { name: `Destroying ${server.name}` }).waitFor();
  await page.getByText('Chat server destroyed').waitFor({ timeout: PROVISION_TIMEOUT_MS });
  await page.waitForURL(/#\/instances$/);
  // The list is empty again (react-admin's own "No Chat servers yet." page).
  await page.getByText('No chat servers yet', { exact: false }).waitFor();
  assert.equal(await page.getByRole('cell', { name: server.name, exact: true }).count(), 0);

  // Hearth agrees: nothing is left.
  const answer = await context.request.get('/api/instances');
  assert.equal(answer.status(), 200);
  assert.equal((await answer.json()).total, 0);

  assertNoPageProblems(page);
  await context.close();
});
