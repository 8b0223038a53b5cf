// First sign-in of the owner through the login page, and what the browser keeps afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoPageProblems, browserStorage, newPage, screenshot, signedInAs, signOut, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const hearth = useHearth({ owner });

test('the owner signs in through the login page and lands on the dashboard', async () => {
  const { context, page } = await newPage(hearth);

  // Opening the console without a session leads to the sign-in form.
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to Hearth' }).waitFor();
  assert.match(page.url(), /#\/login$/);
  await screenshot(page, 'login');

  // A wrong password: an error, and still the sign-in form.
  await page.getByLabel('Email').fill(owner.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not-the-right-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'The email or password is wrong.' }).waitFor();
  assert.match(page.url(), /#\/login$/);
  assert.equal(await page.getByRole('heading', { name: 'Sign in to Hearth' }).isVisible(), true);
  assert.deepEqual(await context.cookies(), [], 'a failed sign-in sets no cookie');

  // The right password: the dashboard, with the owner's identity in the app bar.
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Console health' }).waitFor();
  assert.match(page.url(), /#\/$/);
  assert.equal(await page.getByRole('banner').getByRole('heading', { name: 'Dashboard' }).isVisible(), true);
  assert.equal(await signedInAs(page, owner.email), owner.email);
  await page.getByRole('alert').filter({ hasText: 'Everything Hearth needs is working.' }).waitFor();
  await screenshot(page, 'dashboard');

  // The session is an httpOnly, same-site cookie: scripts on the page can't read it…
  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === 'hearth_session');
  assert.ok(session, `a session cookie is set (got ${cookies.map((c) => c.name).join(', ') || 'none'})`);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '');

  // …and neither it, nor the password, nor the bearer token of the login answer is kept in web storage.
  const stored = await browserStorage(page);
  for (const [storage, key, value] of stored) {
    const entry = `${key}=${value}`;
    assert.ok(!entry.includes(session.value), `${storage} holds the session token under "${key}"`);
    assert.ok(!entry.includes(owner.password), `${storage} holds the password under "${key}"`);
    assert.doesNotMatch(key, /token|session|password|secret|auth/i, `${storage} has a credential-like key "${key}"`);
  }
  assert.deepEqual(stored, [], 'the console leaves nothing in localStorage or sessionStorage');

  // Reloading keeps the session (the cookie alone carries it); signing out ends it.
  await page.reload();
  await page.getByRole('heading', { name: 'Console health' }).waitFor();
  await signOut(page);
  assert.equal((await context.cookies()).some((cookie) => cookie.name === 'hearth_session'), false);
  await page.goto('/#/operators');
  await page.getByRole('heading', { name: 'Sign in to Hearth' }).waitFor();

  assertNoPageProblems(page);
  await context.close();
});
