// The owner adds a moderator, who then signs in with less to see; the audit log shows who did it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoPageProblems, newPage, screenshot, signIn, signedInAs, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const moderator = { email: 'mira.moderator@example.org', name: 'Mira', password: 'quiet-harbour-bicycle-31' };
const hearth = useHearth({ owner });

/** The owner's window, kept open across the tests of this file like a person's browser tab. */
let ownerSession;

test('the owner creates a moderator from the Operators page', async () => {
  ownerSession = await newPage(hearth);
  const { page } = ownerSession;
  await signIn(page, owner);
  await page.getByRole('menuitem', { name: 'Operators' }).click();
  await page.getByRole('cell', { name: owner.email }).waitFor();

  await page.getByRole('link', { name: 'Create' }).click();
  await page.getByRole('textbox', { name: 'Email' }).fill(moderator.email);
  await page.getByRole('textbox', { name: 'Name' }).fill(moderator.name);
  await page.getByRole('combobox', { name: 'Role' }).click();
  await page.getByRole('option', { name: 'Moderator' }).click();
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(moderator.password);
  await page.getByRole('button', { name: 'Save' }).click();

  // Saved: back on the list, which now shows the new operator with their role.
  await page.getByText('Element created').waitFor();
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: moderator.email, exact: true }) });
  await row.waitFor();
  assert.match(page.url(), /#\/operators$/);
  assert.equal(await row.getByRole('cell', { name: moderator.name, exact: true }).count(), 1);
  assert.equal(await row.getByRole('cell', { name: 'Moderator', exact: true }).count(), 1);
  assert.equal(await page.getByRole('row').filter({ has: page.getByRole('cell', { name: owner.email }) }).count(), 1);
  await page.getByText('Element created').waitFor({ state: 'hidden' });
  await screenshot(page, 'operators-list');
});

test('the moderator signs in in another browser and sees no Operators entry', async () => {
  const { context, page } = await newPage(hearth);
  await signIn(page, moderator);
  await page.getByRole('heading', { name: 'Console health' }).waitFor();
  assert.equal(await signedInAs(page, moderator.name), moderator.name);

  const menu = page.getByRole('menu');
  await menu.getByRole('menuitem', { name: 'My account' }).waitFor();
  await menu.getByRole('menuitem', { name: 'Jobs' }).waitFor();
  assert.equal(await menu.getByRole('menuitem', { name: 'Operators' }).count(), 0);
  assert.equal(await menu.getByRole('menuitem', { name: 'Audit log' }).count(), 0);

  // Typing the address does not reveal the list either.
  await page.goto('/#/operators');
  await page.getByText("You don't have the right permissions to access this page").waitFor();
  assert.equal(await page.getByRole('cell', { name: owner.email }).count(), 0);

  assertNoPageProblems(page);
  await context.close();
});

test('the audit log shows who created the operator, without the password', async () => {
  const { page } = ownerSession;
  await page.getByRole('menuitem', { name: 'Audit log' }).click();

  // The owner's creation (the first-start one was done by Hearth itself, with no one's email).
  const event = page
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: 'operator.create', exact: true }) })
    .filter({ has: page.getByRole('cell', { name: owner.email, exact: true }) });
  await event.waitFor();
  assert.equal(await event.getByRole('cell', { name: 'Success', exact: true }).count(), 1);
  assert.ok(!(await page.getByRole('main').innerText()).includes(moderator.password));
  await screenshot(page, 'audit-log');

  await event.click();
  await page.getByText('Details').waitFor();
  const main = page.getByRole('main');
  await main.getByText('operator.create', { exact: true }).waitFor();
  await main.getByText(owner.email, { exact: true }).waitFor();
  await main.getByText('Operator (signed in)', { exact: true }).waitFor();
  const details = main.locator('pre');
  await details.waitFor();
  const detailText = await details.innerText();
  assert.match(detailText, new RegExp(moderator.email.replaceAll('.', '\\.')));
  assert.match(detailText, /"role": "moderator"/);
  assert.ok(!(await main.innerText()).includes(moderator.password), 'the password is nowhere on the event page');
  await screenshot(page, 'audit-event', { fullPage: true });

  assertNoPageProblems(page);
  await ownerSession.context.close();
});
