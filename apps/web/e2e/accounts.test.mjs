// Members of a Prosody server, through the console: the owner invites someone, who makes their
// account on the public invite page without any login and signs in with a real XMPP client; the
// owner signs a session out, resets the password with a one-time link the member uses, works on
// several accounts at once, and erases the account. Runs the real thing: Debian's prosody.
import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';
import { test } from 'node:test';
import { assertNoPageProblems, browserStorage, newPage, ownerApi, screenshot, signIn, useHearth } from './support/hearth.mjs';
import { xmppPasswordWorks, xmppSignIn } from './support/xmpp.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
// Links Hearth hands out start with its public address; the browser here reaches it on loopback.
const PUBLIC_URL = 'https://hearth.family.example';
const hearth = useHearth({ owner, env: { HEARTH_PUBLIC_URL: PUBLIC_URL }, cleanUp: true });
const server = { name: 'family', domain: 'family.example' };
const member = { username: 'alice', password: 'quiet-harbour-lamp-93', newPassword: 'copper-meadow-kite-18' };

/** Provisioning Prosody takes a few seconds; a loaded CI machine much more. */
const PROVISION_TIMEOUT_MS = 90_000;

/** The owner's window, kept open across the tests of this file like a person's browser tab. */
let session;
/** The server as the API describes it once it runs. */
let instance;
/** Whether alice made her account through the invite (the first test). */
let joined = false;

/** The page a link opens, on the Hearth under test (the link itself names the public address). */
function onThisHearth(url) {
  assert.ok(url.startsWith(`${PUBLIC_URL}/`), `${url} starts with HEARTH_PUBLIC_URL`);
  return new URL(url).pathname;
}

function xmppAccount(password) {
  return { endpoint: instance.endpoints.client, domain: server.domain, username: member.username, password };
}

/** The one-time link in the dialog that shows it, then the dialog closed as its reader would. */
async function copyOneTimeLink(page, title) {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.getByText('will not show it again', { exact: false }).waitFor();
  const url = await dialog.getByRole('textbox', { name: 'One-time link' }).inputValue();
  await dialog.getByRole('button', { name: 'Copy' }).waitFor();
  return { dialog, url, close: () => dialog.getByRole('button', { name: 'I have copied it' }).click() };
}

function accountRow(page, username) {
  return page.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });
}

test('an invite made in the console lets someone make an account on the public page, which works in an XMPP app', { timeout: PROVISION_TIMEOUT_MS + 120_000 }, async () => {
  // Servers run as an unprivileged user, who must be able to pass through the data directory.
  await chmod(hearth.dataDir, 0o711);
  const api = await ownerApi(hearth);
  const accepted = await api('POST', '/instances', { name: server.name, kind: 'prosody', domain: server.domain, healthIntervalSec: 5 });
  assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  const deadline = Date.now() + PROVISION_TIMEOUT_MS;
  do {
    await setTimeout(500);
    ({ body: instance } = await api('GET', `/instances/${accepted.body.id}`));
    assert.ok(Date.now() < deadline && instance.status !== 'failed', `the server runs: ${JSON.stringify(instance)}`);
  } while (instance.status !== 'running');

  session = await newPage(hearth);
  const { page } = session;
  await signIn(page, owner);
  await page.getByRole('heading', { name: 'Your chat servers' }).waitFor();
  await page.goto(`/#/instances/${instance.id}/show`);
  await page.getByRole('main').getByRole('heading', { name: 'Members' }).waitFor();
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.waitForURL(/#\/instances\/[^/]+\/users$/);
  await page.getByRole('banner').getByRole('heading', { name: `Accounts on ${server.name}` }).waitFor();
  await page.getByText('No Accounts found').waitFor();

  // An account with a password the owner passes on; another with a link its owner opens.
  await page.getByRole('button', { name: 'New account' }).click();
  let dialog = page.getByRole('dialog', { name: `New account on ${server.name}` });
  await dialog.getByRole('textbox', { name: 'User name' }).fill('bob');
  await dialog.getByText('The address will be bob@family.example', { exact: false }).waitFor();
  await dialog.getByRole('radio', { name: 'A password you choose and pass on to them' }).check();
  const password = dialog.getByRole('textbox', { name: 'Password', exact: true });
  await password.fill('short');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await dialog.getByText('Use at least 8 characters').waitFor();
  await password.fill('lantern-orchard-bob-42');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Account bob@family.example created').waitFor();
  await accountRow(page, 'bob').waitFor();

  await page.getByRole('button', { name: 'New account' }).click();
  dialog = page.getByRole('dialog', { name: `New account on ${server.name}` });
  await dialog.getByRole('textbox', { name: 'User name' }).fill('carol');
  assert.equal(await dialog.getByRole('radio', { name: /one-time link/ }).isChecked(), true, 'a link is the default');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  const carolLink = await copyOneTimeLink(page, 'Set-password link for carol');
  assert.match(onThisHearth(carolLink.url), /^\/set-password\/hl_/);
  await carolLink.close();
  await accountRow(page, 'carol').waitFor();

  // The invite: its link is shown once, then only its use and expiry.
  await page.getByRole('tab', { name: 'Invites' }).click();
  await page.getByRole('banner').getByRole('heading', { name: `Invites to ${server.name}` }).waitFor();
  await page.getByRole('button', { name: 'New invite' }).click();
  dialog = page.getByRole('dialog', { name: `New invite to ${server.name}` });
  await dialog.getByRole('textbox', { name: 'Note' }).fill('For Alice');
  await dialog.getByRole('button', { name: 'Create invite' }).click();
  const invite = await copyOneTimeLink(page, 'Your new invite link');
  const invitePath = onThisHearth(invite.url);
  assert.match(invitePath, /^\/invite\/hl_/);
  await screenshot(page, 'invite-created');
  await invite.close();
  const inviteRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'For Alice', exact: true }) });
  await inviteRow.getByRole('cell', { name: '0 of 1', exact: true }).waitFor();
  await inviteRow.getByText('Active', { exact: true }).waitFor();
  assert.equal(await page.getByText(invitePath.split('/').pop()).count(), 0, 'the link is not shown again');
  assertNoPageProblems(page);

  // Someone without any login opens it in their own browser.
  const guest = await newPage(hearth);
  await guest.page.goto(invitePath);
  await guest.page.getByRole('heading', { name: `Join ${server.name}` }).waitFor();
  const form = guest.page.getByRole('form', { name: 'Create your account' });
  await form.getByText(`You are invited to make a chat account on ${server.domain}`, { exact: false }).waitFor();
  await form.getByRole('textbox', { name: 'User name' }).fill(member.username);
  await form.getByText(`The address will be ${member.username}@${server.domain}`, { exact: false }).waitFor();
  await form.getByRole('textbox', { name: 'Password', exact: true }).fill(member.password);
  await form.getByRole('textbox', { name: 'Repeat password', exact: true }).fill('not-the-same-password');
  await form.getByRole('button', { name: 'Create my account' }).click();
  await form.getByText('The two passwords are not the same').waitFor();
  await form.getByRole('textbox', { name: 'Repeat password', exact: true }).fill(member.password);
  await screenshot(guest.page, 'public-invite');
  await form.getByRole('button', { name: 'Create my account' }).click();

  // How to connect: the address, the server, and apps to do it with.
  await guest.page.getByRole('heading', { name: `Welcome to ${server.name}` }).waitFor();
  const connection = guest.page.getByRole('table', { name: 'How to connect' });
  await connection.getByRole('cell', { name: `${member.username}@${server.domain}`, exact: true }).waitFor();
  const [, port] = instance.endpoints.client.split(':');
  await connection.getByRole('cell', { name: `${server.domain} (port ${port})`, exact: true }).waitFor();
  const apps = guest.page.getByRole('table', { name: 'Apps we recommend' });
  for (const app of ['Conversations', 'Monal', 'Gajim', 'Dino']) await apps.getByRole('cell', { name: app, exact: true }).waitFor();
  await screenshot(guest.page, 'public-invite-done', { fullPage: true });
  assert.deepEqual(await browserStorage(guest.page), [], 'the page keeps nothing in the browser');
  assert.deepEqual(await guest.context.cookies(), [], 'no login, no cookie');

  // The link was for one account.
  await guest.page.reload();
  await guest.page.getByText('This link has been used').waitFor();
  assertNoPageProblems(guest.page);
  await guest.context.close();

  // The account works in an XMPP app, and the console counts the invite as used.
  assert.equal(await xmppPasswordWorks(xmppAccount(member.password)), true, 'alice signs in with the password she chose');
  await page.reload();
  await inviteRow.getByRole('cell', { name: '1 of 1', exact: true }).waitFor();
  await inviteRow.getByText('Used', { exact: true }).waitFor();
  joined = true;
});

test('the owner signs a session out and resets the password with a one-time link the member uses', { timeout: 90_000 }, async () => {
  assert.ok(joined, 'the server runs with alice on it');
  const { page } = session;
  const phone = await xmppSignIn({ ...xmppAccount(member.password), resource: 'phone' });

  await page.getByRole('tab', { name: 'Accounts' }).click();
  await accountRow(page, member.username).click();
  await page.waitForURL(new RegExp(`#/instances/[^/]+/users/${member.username}$`));
  const drawer = page.getByRole('dialog', { name: member.username, exact: true });
  await drawer.getByText(`${member.username}@${server.domain}`, { exact: true }).waitFor();
  const sessions = drawer.getByRole('table', { name: 'Sessions' });
  const phoneRow = sessions.getByRole('row').filter({ has: page.getByRole('cell', { name: 'phone', exact: true }) });
  await phoneRow.waitFor();
  // Prosody has no locks nor per-account admins: those actions say so instead of failing.
  for (const action of ['Lock', 'Make admin']) assert.equal(await drawer.getByRole('button', { name: action, exact: true }).isDisabled(), true);
  await drawer.getByTitle(/^Prosody [\d.]+ cannot lock accounts$/).waitFor();
  await screenshot(page, 'account-drawer');

  await phoneRow.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('dialog', { name: 'Sign out phone?' }).getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Session signed out').waitFor();
  assert.equal(await phone.ended, 'policy-violation', 'the server ended the phone’s session');
  await drawer.getByText('Not signed in anywhere right now.').waitFor();

  // A reset by link: the old password stops at once, the member picks the new one.
  await drawer.getByRole('button', { name: 'Reset password' }).click();
  const reset = page.getByRole('dialog', { name: `Reset the password of ${member.username}?` });
  await reset.getByRole('textbox', { name: /^Reason/ }).fill('forgot it');
  await reset.getByRole('button', { name: 'Reset password' }).click();
  const link = await copyOneTimeLink(page, `Set-password link for ${member.username}`);
  const linkPath = onThisHearth(link.url);
  await link.close();
  assert.equal(await xmppPasswordWorks(xmppAccount(member.password)), false, 'the old password no longer works');

  const guest = await newPage(hearth);
  await guest.page.goto(linkPath);
  await guest.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  const form = guest.page.getByRole('form', { name: 'Choose your password' });
  const username = form.getByRole('textbox', { name: 'User name' });
  assert.equal(await username.inputValue(), member.username);
  assert.equal(await username.getAttribute('readonly'), '', 'the link is for this account only');
  await form.getByRole('textbox', { name: 'Password', exact: true }).fill(member.newPassword);
  await form.getByRole('textbox', { name: 'Repeat password', exact: true }).fill(member.newPassword);
  await form.getByRole('button', { name: 'Set password' }).click();
  await guest.page.getByRole('heading', { name: 'Your password is set' }).waitFor();
  await guest.page.getByRole('table', { name: 'How to connect' }).getByRole('cell', { name: `${member.username}@${server.domain}`, exact: true }).waitFor();
  assertNoPageProblems(guest.page);
  await guest.context.close();

  assert.equal(await xmppPasswordWorks(xmppAccount(member.newPassword)), true, 'the new password works');
  assertNoPageProblems(page);
});

test('several accounts are signed out at once, an invite is withdrawn, and erasing asks for the user name', { timeout: 90_000 }, async () => {
  assert.ok(joined, 'the server runs with alice on it');
  const { page } = session;
  await page.getByRole('dialog', { name: member.username, exact: true }).getByRole('button', { name: 'Close', exact: true }).click();
  await page.waitForURL(/#\/instances\/[^/]+\/users$/);
  for (const username of ['alice', 'bob', 'carol']) await accountRow(page, username).waitFor();
  await screenshot(page, 'accounts-list');

  // Bulk: sign out bob and carol everywhere; locking is not for Prosody.
  for (const username of ['bob', 'carol']) await accountRow(page, username).getByRole('checkbox').check();
  await page.getByText('2 items selected').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Lock', exact: true }).isDisabled(), true);
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  const confirm = page.getByRole('dialog', { name: 'Sign out 2 accounts everywhere?' });
  await confirm.getByRole('textbox', { name: /^Reason/ }).fill('end-to-end test');
  await confirm.getByRole('button', { name: 'Sign out everywhere' }).click();
  const outcome = page.getByRole('dialog', { name: 'Signed out 2 accounts' });
  await outcome.getByText('All 2 selected accounts were done.').waitFor();
  await outcome.getByRole('button', { name: 'Close' }).click();

  // An invite withdrawn before use: its link stops working.
  await page.getByRole('tab', { name: 'Invites' }).click();
  await page.getByRole('button', { name: 'New invite' }).click();
  await page.getByRole('dialog', { name: `New invite to ${server.name}` }).getByRole('textbox', { name: 'Note' }).fill('For Dan');
  await page.getByRole('button', { name: 'Create invite' }).click();
  const invite = await copyOneTimeLink(page, 'Your new invite link');
  await invite.close();
  const inviteRow = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'For Dan', exact: true }) });
  await inviteRow.getByRole('button', { name: 'Withdraw' }).click();
  await page.getByRole('dialog', { name: 'Withdraw the invite "For Dan"?' }).getByRole('button', { name: 'Withdraw' }).click();
  await page.getByText('Invite withdrawn').waitFor();
  await inviteRow.getByText('Withdrawn', { exact: true }).waitFor();
  const guest = await newPage(hearth);
  await guest.page.goto(onThisHearth(invite.url));
  await guest.page.getByText('This link has expired').waitFor();
  // A link cut short when it was copied.
  await guest.page.goto(onThisHearth(invite.url).slice(0, 16));
  await guest.page.getByText('This link is not valid').waitFor();
  assertNoPageProblems(guest.page);
  await guest.context.close();

  // Erasing: nothing happens before the user name is typed.
  await page.getByRole('tab', { name: 'Accounts' }).click();
  await accountRow(page, member.username).click();
  const drawer = page.getByRole('dialog', { name: member.username, exact: true });
  await drawer.getByRole('button', { name: 'Erase' }).click();
  const erase = page.getByRole('dialog', { name: `Erase ${member.username}?` });
  const submit = erase.getByRole('button', { name: 'Erase account' });
  await erase.getByRole('textbox', { name: 'User name' }).fill('alic');
  assert.equal(await submit.isDisabled(), true);
  await erase.getByRole('textbox', { name: 'User name' }).fill(member.username);
  await erase.getByRole('textbox', { name: /^Reason/ }).fill('end-to-end test');
  await submit.click();
  await page.getByText(`Account ${member.username} erased`).waitFor();
  await page.waitForURL(/#\/instances\/[^/]+\/users$/);
  await accountRow(page, 'bob').waitFor();
  assert.equal(await accountRow(page, member.username).count(), 0);

  const listed = await (await ownerApi(hearth))('GET', `/instances/${instance.id}/users`);
  assert.deepEqual(listed.body.data.map((account) => account.username), ['bob', 'carol']);
  await assert.rejects(xmppSignIn(xmppAccount(member.newPassword)), (error) => error.condition === 'not-authorized');
  assertNoPageProblems(page);
});

test('destroying the server leaves nothing running', { timeout: PROVISION_TIMEOUT_MS }, async () => {
  assert.ok(instance, 'the server runs');
  const api = await ownerApi(hearth);
  const destroying = await api('DELETE', `/instances/${instance.id}?confirm=${server.name}`);
  assert.equal(destroying.status, 202, JSON.stringify(destroying.body));
  while ((await api('GET', '/instances')).body.total > 0) await setTimeout(500);
  await session.context.close();
});
