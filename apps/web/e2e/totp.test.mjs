// Turning on two-factor authentication from the account page, then signing in with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoPageProblems, newPage, screenshot, signIn, signOut, signedInAs, totpCode, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const hearth = useHearth({ owner });

const TOTP_STEP_MS = 30_000;

/** What the enrolment test leaves for the sign-in tests after it. */
const enrolled = { secret: '', confirmedAt: 0, recoveryCodes: [] };

/** The second sign-in step: the code form, reached after a correct password. */
async function passwordThenCode(page, code) {
  await signIn(page, owner);
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
  await page.getByRole('textbox', { name: 'Authentication code' }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

test('the owner turns on two-factor authentication on the account page', async () => {
  const { context, page } = await newPage(hearth);
  await signIn(page, owner);
  await page.getByRole('menuitem', { name: 'My account' }).click();

  const main = page.getByRole('main');
  await main.getByText('Off: signing in needs only your password.').waitFor();
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();

  // The QR code is a real, decoded image, and the secret is there to type in by hand.
  const qr = page.getByRole('img', { name: 'QR code to add Hearth to your authenticator app' });
  await qr.waitFor();
  assert.ok(await qr.evaluate((img) => img.decode().then(() => img.naturalWidth > 0)), 'the QR code image loads');
  enrolled.secret = await page.getByRole('textbox', { name: 'Secret key' }).inputValue();
  assert.match(enrolled.secret, /^[A-Z2-7]{32}$/);
  await screenshot(page, 'account-totp-enrolment', { fullPage: true });

  // What the authenticator app shows now, typed in the way a person would.
  enrolled.confirmedAt = Date.now();
  await page.getByRole('textbox', { name: 'Authentication code' }).fill(totpCode(enrolled.secret, enrolled.confirmedAt));
  await page.getByRole('button', { name: 'Turn on' }).click();

  // The recovery codes, once.
  const codes = page.getByRole('list', { name: 'Recovery codes' });
  await codes.waitFor();
  await page.getByRole('alert').filter({ hasText: 'They will not be shown again.' }).waitFor();
  enrolled.recoveryCodes = (await codes.getByRole('listitem').allInnerTexts()).map((code) => code.trim());
  assert.equal(enrolled.recoveryCodes.length, 10);
  for (const code of enrolled.recoveryCodes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  await screenshot(page, 'account-recovery-codes', { fullPage: true });

  await page.getByRole('button', { name: 'I have stored these codes' }).click();
  await main.getByText('On: signing in needs your password and a code').waitFor();
  assert.equal(await codes.count(), 0, 'the recovery codes are gone once acknowledged');
  await page.reload();
  await main.getByText('On: signing in needs your password and a code').waitFor();
  assert.equal(await page.getByText(enrolled.recoveryCodes[0]).count(), 0, 'the recovery codes are not shown again');
  assert.equal(await page.getByRole('button', { name: 'Set up two-factor authentication' }).count(), 0);

  await signOut(page);
  assertNoPageProblems(page);
  await context.close();
});

test('signing in then asks for the authentication code', async () => {
  assert.ok(enrolled.secret, 'needs the enrolment above');
  const { context, page } = await newPage(hearth);

  await signIn(page, owner);
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
  await page.getByText('Enter the 6-digit code from your authenticator app').waitFor();
  assert.match(page.url(), /#\/login$/);
  await screenshot(page, 'login-totp-step');

  // The confirmation used the code of the step it was typed in, and a code is accepted only for
  // a later step than the last one used (replay protection). Rather than sleep up to 30 s for the
  // authenticator's next code, this types that next code now: the server accepts one step of clock
  // drift either way, so it is valid from the confirmation's step until one step after its own,
  // i.e. for at least 30 s after the confirmation, much longer than it takes to get here.
  const nextCode = totpCode(enrolled.secret, enrolled.confirmedAt + TOTP_STEP_MS);
  await page.getByRole('textbox', { name: 'Authentication code' }).fill(nextCode);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('heading', { name: 'Console health' }).waitFor();
  assert.equal(await signedInAs(page, owner.email), owner.email);
  await signOut(page);

  // The same code again is refused: it has been used.
  await passwordThenCode(page, nextCode);
  await page.getByRole('alert').filter({ hasText: 'That code is wrong or has already been used.' }).waitFor();
  await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();

  assertNoPageProblems(page);
  await context.close();
});

test('a recovery code signs in once', async () => {
  assert.equal(enrolled.recoveryCodes.length, 10, 'needs the enrolment above');
  const { context, page } = await newPage(hearth);
  const [code] = enrolled.recoveryCodes;

  await passwordThenCode(page, code);
  await page.getByRole('heading', { name: 'Console health' }).waitFor();
  await signOut(page);

  await passwordThenCode(page, code);
  await page.getByRole('alert').filter({ hasText: 'That code is wrong or has already been used.' }).waitFor();
  assert.match(page.url(), /#\/login$/);

  // "Use a different account" goes back to the password step.
  await page.getByRole('button', { name: 'Use a different account' }).click();
  await page.getByRole('heading', { name: 'Sign in to Hearth' }).waitFor();

  assertNoPageProblems(page);
  await context.close();
});
