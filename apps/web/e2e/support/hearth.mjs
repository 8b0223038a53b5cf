// Shared set-up of the browser end-to-end tests: a real Hearth (the compiled API serving the
// built web UI) on a fresh database, and Debian's Chromium driven through playwright-core.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { after, before } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const WEB_DIR = fileURLToPath(new URL('../../', import.meta.url));
const REPO_DIR = fileURLToPath(new URL('../../../../', import.meta.url));
const API_DIR = join(REPO_DIR, 'apps/api');

// The compiled API is CommonJS; its own dependencies (ioredis, @hearth/db) are resolved from it.
const requireFromApi = createRequire(join(API_DIR, 'package.json'));
requireFromApi('reflect-metadata');
const { loadConfig } = requireFromApi('./dist/config/config.js');
const { createHttpApp } = requireFromApi('./dist/http-app.js');
const { ensureFirstOwner } = requireFromApi('./dist/bootstrap/first-owner.js');
const { totpCode } = requireFromApi('./dist/crypto/totp.js');
const { Redis } = requireFromApi('ioredis');
const { deployMigrations, dropDatabase } = await import(pathToFileURL(requireFromApi.resolve('@hearth/db')).href);

export { totpCode };

/** A module of the compiled API, by its path below dist/ (for set-up a person would do by hand). */
export function apiModule(path) {
  return requireFromApi(`./dist/${path}`);
}

/** An ES module package as the API resolves it (its test dependencies, such as a real chat client). */
export function importFromApi(specifier) {
  return import(pathToFileURL(requireFromApi.resolve(specifier)).href);
}

const DATABASE_SERVER = process.env.HEARTH_TEST_DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.HEARTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Where every run leaves its screenshots; with HEARTH_UPDATE_SCREENSHOTS=1 they also replace docs/images. */
export const SCREENSHOT_DIR = process.env.HEARTH_SCREENSHOT_DIR ?? join(tmpdir(), 'hearth-e2e-screenshots');
const DOCS_IMAGES = join(REPO_DIR, 'docs/images');
const UPDATE_DOCS = process.env.HEARTH_UPDATE_SCREENSHOTS === '1';

/** How long one expectation may take before it fails (the UI answers in well under a second). */
export const UI_TIMEOUT_MS = 10_000;
/** Starting Hearth (migrations included) and Chromium, or tearing them down. */
const SETUP_TIMEOUT_MS = 60_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Destroying what a test left behind (the destroy job stops the server) may take this long. */
const CLEAN_UP_TIMEOUT_MS = 90_000;

/**
 * One per test file, called at its top level: before the tests it starts Hearth over a new
 * database with `owner` as the first owner and launches Chromium; after them it closes both,
 * drops the database and deletes the file's Redis keys. (It registers the file's only
 * before/after hooks, because Node 20 runs several top-level hooks concurrently.)
 * `env` adds to Hearth's configuration. Unless `cleanUp` is false, servers the tests left are destroyed
 * before Hearth closes, so none keeps running. `setUp` (optional) starts a service Hearth needs
 * before Hearth starts, and may add to `hearth.env` (a socket path, say); `tearDown` stops it once
 * Hearth has closed, after the clean-up that may still need it.
 */
export function useHearth(options) {
  const hearth = newHearth(options);
  before(() => startHearth(hearth), { timeout: SETUP_TIMEOUT_MS });
  after(() => stopHearth(hearth), { timeout: SETUP_TIMEOUT_MS + (hearth.cleanUp ? CLEAN_UP_TIMEOUT_MS : 0) });
  return hearth;
}

/**
 * Another Hearth, with its own database and browser, for the rest of the test `t` (for example
 * one that adopts a server the file's Hearth runs); it is closed when that test ends.
 */
export async function useAnotherHearth(t, options) {
  const hearth = newHearth(options);
  t.after(() => stopHearth(hearth));
  await startHearth(hearth);
  return hearth;
}

function newHearth({ owner, env = {}, cleanUp = true, setUp, tearDown }) {
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return {
    owner,
    env,
    cleanUp,
    setUp,
    tearDown,
    databaseUrl: Object.assign(new URL(DATABASE_SERVER), { pathname: `/hearth_e2e_${suffix}` }).toString(),
    redisPrefix: `hearth_e2e_${suffix}`,
    baseUrl: '',
    browser: undefined,
    app: undefined,
    dataDir: '',
  };
}

async function startHearth(hearth) {
  await hearth.setUp?.(hearth);
  hearth.dataDir = await mkdtemp(join(tmpdir(), 'hearth-e2e-'));
  await deployMigrations({ databaseUrl: hearth.databaseUrl });
  const config = loadConfig({
    DATABASE_URL: hearth.databaseUrl,
    REDIS_URL,
    HEARTH_DATA_DIR: hearth.dataDir,
    HEARTH_REDIS_PREFIX: hearth.redisPrefix,
    HEARTH_WORKER: 'embedded',
    HEARTH_LOG_LEVEL: 'warn',
    HEARTH_ADMIN_EMAIL: hearth.owner.email,
    HEARTH_ADMIN_PASSWORD: hearth.owner.password,
    HEARTH_WEB_DIR: join(WEB_DIR, 'dist'),
    ...hearth.env,
  });
  hearth.app = await createHttpApp(config);
  await ensureFirstOwner(hearth.app, config, () => undefined);
  await hearth.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = hearth.app.getHttpServer().address();
  hearth.baseUrl = `http://127.0.0.1:${port}`;
  hearth.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: SETUP_TIMEOUT_MS });
}

async function stopHearth(hearth) {
  const steps = [
    ['closing Chromium', () => hearth.browser?.close()],
    ['destroying what the tests left running', () => hearth.cleanUp && hearth.baseUrl && destroyAllInstances(hearth)],
    ['closing Hearth', () => hearth.app?.close()],
    ['dropping the database', () => dropDatabase(hearth.databaseUrl)],
    ['cleaning Redis', () => deleteRedisKeys(hearth.redisPrefix)],
    ['removing the data directory', () => hearth.dataDir && rm(hearth.dataDir, { recursive: true, force: true })],
    ['stopping the services it used', () => hearth.tearDown?.()],
  ];
  for (const [what, step] of steps) {
    await Promise.resolve()
      .then(step)
      .catch((error) => console.error(`${what}: ${error.message}`));
  }
}

/**
 * Calls Hearth's API as its owner, with a bearer token from a fresh login (no browser needed);
 * answers the status and the parsed body.
 */
export async function ownerApi(hearth) {
  const call = async (method, path, body, headers = {}) => {
    const response = await fetch(`${hearth.baseUrl}/api${path}`, {
      method,
      headers: { Accept: 'application/json', ...(body && { 'Content-Type': 'application/json' }), ...headers },
      body: body && JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const login = await call('POST', '/auth/login', { email: hearth.owner.email, password: hearth.owner.password });
  assert.equal(login.status, 200, `logging in to the API: ${JSON.stringify(login.body)}`);
  return (method, path, body) => call(method, path, body, { Authorization: `Bearer ${login.body.token}` });
}

async function destroyAllInstances(hearth) {
  const api = await ownerApi(hearth);
  const { body: list } = await api('GET', '/instances');
  for (const { id, name } of list.data) {
    console.error(`destroying the chat server ${name} a test left behind`);
    await api('DELETE', `/instances/${id}?confirm=${encodeURIComponent(name)}`);
  }
  const deadline = Date.now() + CLEAN_UP_TIMEOUT_MS;
  while ((await api('GET', '/instances')).body.total > 0) {
    if (Date.now() > deadline) throw new Error('chat servers are still there');
    await setTimeout(1_000);
  }
}

/**
 * A fresh browser context (its own cookies and storage, like a new private window) and a page
 * in it. Fixed size, locale and time zone keep the screenshots comparable between runs.
 */
export async function newPage(hearth) {
  const context = await hearth.browser.newContext({
    baseURL: hearth.baseUrl,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
  // Only the Hearth under test may be contacted; anything else would be a bug (or a leak).
  await context.route(/^(?!http:\/\/127\.0\.0\.1:\d+\/)/, (route) => route.abort('blockedbyclient'));
  const problems = [];
  await context.exposeFunction('hearthE2eCspViolation', (violation) => problems.push(`CSP violation: ${violation}`));
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (event) =>
      window.hearthE2eCspViolation(`${event.violatedDirective} ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`),
    ),
  );
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`uncaught ${error.name}: ${error.message}`));
  pageProblems.set(page, problems);
  return { context, page };
}

const pageProblems = new WeakMap();

/** Fails if the page threw an uncaught error or the browser refused something under the CSP. */
export function assertNoPageProblems(page) {
  const problems = pageProblems.get(page) ?? [];
  assert.deepEqual(problems, [], 'the page ran without uncaught errors or CSP violations');
}

/** Fills in and sends the login page's first step, as a person would; callers wait for what follows. */
export async function signIn(page, { email, password }) {
  await page.goto('/#/login');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the app bar's user menu names the signed-in operator (their name, else their email). */
export async function signedInAs(page, shownName) {
  const userMenu = page.getByRole('banner').getByRole('button', { name: 'Profile' });
  await userMenu.filter({ hasText: shownName }).waitFor();
  return (await userMenu.innerText()).trim();
}

/** Signs out through the user menu in the app bar. */
export async function signOut(page) {
  await page.getByRole('button', { name: 'Profile' }).click();
  await page.getByRole('menuitem', { name: 'Logout' }).click();
  await page.getByRole('heading', { name: 'Sign in to Hearth' }).waitFor();
}

/**
 * Saves a screenshot once nothing is loading any more (callers first wait for what the picture
 * should show). Always into SCREENSHOT_DIR; into docs/images too when HEARTH_UPDATE_SCREENSHOTS=1.
 * `fullPage` takes the whole scrollable page instead of the window; `element` (a locator) only that
 * part of the page.
 */
export async function screenshot(page, name, { fullPage = false, element } = {}) {
  // react-admin's loading indicator (any query or mutation under way) is the app bar's only
  // progress bar; job pages have progress bars of their own.
  await page.getByRole('banner').getByRole('progressbar').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  // No hover effect wherever the last click left the pointer.
  await page.mouse.move(0, 0);
  // From the top, so the app bar (which slides away while scrolling) is where a reader expects it.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  const options = { path: file, animations: 'disabled', caret: 'hide' };
  await (element ? element.screenshot(options) : page.screenshot({ ...options, fullPage }));
  if (UPDATE_DOCS) {
    await mkdir(DOCS_IMAGES, { recursive: true });
    await copyFile(file, join(DOCS_IMAGES, `${name}.png`));
  }
  return file;
}

/**
 * After "Create chat server": waits until the wizard has followed the provisioning job to the new
 * server's page, or fails with the job's steps if setting up failed.
 */
export async function waitForProvisioning(page, timeout) {
  const failure = page.getByText('Setting up the chat server failed', { exact: false });
  await Promise.race([
    page.waitForURL(/#\/instances\/[^/]+\/show$/, { timeout }),
    failure.waitFor({ timeout }).then(async () => {
      throw new Error(`provisioning failed:\n${await page.getByTestId('job-follower').innerText()}`);
    }),
  ]);
}

/**
 * Waits until the job follower under `heading` shows how its job ended; answers that (Succeeded,
 * Failed or Cancelled) and everything the follower shows.
 */
export async function jobOutcome(page, heading, timeout) {
  const follower = page.getByTestId('job-follower').filter({ has: page.getByRole('heading', { name: heading }) });
  // The status chip; a failed step's icon has a hidden title "Failed" too.
  const outcome = follower.getByText(/^(Succeeded|Failed|Cancelled)$/).filter({ visible: true });
  await outcome.waitFor({ timeout });
  return { outcome: await outcome.innerText(), text: await follower.innerText() };
}

/** Waits until the job follower under `heading` shows its outcome, and fails unless it succeeded. */
export async function jobSucceeds(page, heading, timeout) {
  const { outcome, text } = await jobOutcome(page, heading, timeout);
  assert.equal(outcome, 'Succeeded', text);
}

/** Waits through the API until the job has finished, and fails unless it succeeded. */
export async function jobSucceedsThroughApi(api, jobId, timeout) {
  const deadline = Date.now() + timeout;
  let job;
  do {
    assert.ok(Date.now() < deadline, `job ${jobId} ends in time`);
    await setTimeout(1_000);
    ({ body: job } = await api('GET', `/jobs/${jobId}`));
  } while (['queued', 'running'].includes(job.status));
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
}

/** Everything the page keeps in localStorage and sessionStorage, as [storage, key, value]. */
export function browserStorage(page) {
  return page.evaluate(() =>
    ['localStorage', 'sessionStorage'].flatMap((name) => {
      const storage = window[name];
      return Array.from({ length: storage.length }, (_, i) => [name, storage.key(i), storage.getItem(storage.key(i))]);
    }),
  );
}

async function deleteRedisKeys(prefix) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 })) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
