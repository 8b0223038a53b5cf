// Starting the maintenance job by hand and following it to the end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoPageProblems, newPage, screenshot, signIn, useHearth } from './support/hearth.mjs';

const owner = { email: 'owner@example.org', password: 'kettle-orchard-lantern-57' };
const hearth = useHearth({ owner });

/** The job page polls every 2 s while the job runs; pruning an empty database takes well under a second. */
const JOB_TIMEOUT_MS = 20_000;

test('"prune now" on the Jobs list runs a job that succeeds with its steps', async () => {
  const { context, page } = await newPage(hearth);
  await signIn(page, owner);
  await page.getByRole('menuitem', { name: 'Jobs' }).click();
  const prune = page.getByRole('button', { name: 'Prune expired sessions and tokens now' });
  await prune.waitFor();
  const listUrl = page.url();
  await prune.click();

  // The button follows the job it started to its own page (the list stays on screen until that
  // page's code has loaded, so everything below waits for the job page's title first).
  await page.getByText('Pruning started').waitFor();
  await page.waitForURL(/#\/jobs\/[^/]+\/show$/);
  assert.notEqual(page.url(), listUrl);
  await page.getByRole('banner').getByRole('heading', { name: 'Job console.prune' }).waitFor();
  const main = page.getByRole('main');
  await main.getByText('Succeeded', { exact: true }).waitFor({ timeout: JOB_TIMEOUT_MS });
  await main.getByText('100 %', { exact: true }).waitFor();

  // Each step of the job, in order, done.
  const stepList = page.getByRole('list', { name: 'Steps' });
  const steps = stepList.getByRole('listitem');
  await stepList.waitFor();
  assert.deepEqual(
    (await steps.allInnerTexts()).map((text) => text.split('\n')[0].trim()),
    ['sessions', 'api-tokens'],
  );
  for (const step of await steps.all()) {
    assert.match(await step.innerText(), /^Done( · .+)?$/m);
    assert.equal(await step.getByRole('img', { name: 'Done' }).count(), 1);
  }
  await page.getByText('Pruning started').waitFor({ state: 'hidden' });
  await screenshot(page, 'job-steps');

  assertNoPageProblems(page);
  await context.close();
});
