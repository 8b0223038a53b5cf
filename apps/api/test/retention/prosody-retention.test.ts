import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { InstanceContext, InstanceSettings } from '../../src/drivers/driver';
import { expirySeconds } from '../../src/drivers/prosody/prosody-retention';
import { PROSODY_DATABASE, PROSODY_PATHS, renderProsodyConfig } from '../../src/drivers/prosody/prosody.config';
import { ProsodyDriver } from '../../src/drivers/prosody/prosody.driver';
import { goOnline, testServers, waitFor } from '../instances/support';
import { assertCoverage, differing, reconfigure, restartAsIs, xmppPolicy } from './support';
import { retryLocked } from '../support/sqlite-read';

// A retention policy on a real Prosody 0.12: rendered, applied with a restart the way the
// reconfigure job does it, read back from the running server, and Hearth's purge checked in
// Prosody's own SQLite storage. Windows are whole days: the tests make messages old by moving
// their timestamps back in that storage, so the purge runs exactly as it does in production.
const DOMAIN = 'retention.test';
const DAY = 86_400;
const servers = testServers('retention-p', { first: 28500, last: 28599 });

describe('Prosody 0.12 retention, rendered (no server)', () => {
  const spec = (settings: InstanceSettings) =>
    ({ id: 'pure', kind: 'prosody', domain: DOMAIN, bindAddress: '127.0.0.1', dir: '/srv/pure', ports: { client: 5222, http: 5280 }, settings }) as const;
  const share = { externalUrl: `https://upload.${DOMAIN}/` };

  test("without a policy: what Hearth always rendered (a week of archive, a week of uploads, offline until delivered)", () => {
    const config = renderProsodyConfig(spec({ fileShare: share }));
    for (const line of ['"mam"', 'archive_expires_after = "7d"', 'http_file_share_expires_after = 604800', 'levels = { min = "info" }', 'modules_disabled = { "s2s", "s2s_auth_certs" }']) {
      assert.ok(config.includes(line), `config lacks ${line}`);
    }
    assert.ok(!config.includes('hearth_offline_expires_after'));
  });

  test('null keeps for good, 0 turns the store off', () => {
    const forGood = renderProsodyConfig(spec({ fileShare: share, retention: xmppPolicy({ messageDays: null, mediaDays: null, offlineDays: null, logLevel: 'debug' }) }));
    for (const line of ['archive_expires_after = "never"', 'http_file_share_expires_after = -1', 'levels = { min = "debug" }']) assert.ok(forGood.includes(line), `config lacks ${line}`);
    assert.ok(!forGood.includes('hearth_offline_expires_after'));
    const none = renderProsodyConfig(spec({ fileShare: share, retention: xmppPolicy({ messageDays: 0, mediaDays: 0, offlineDays: 0 }) }));
    assert.ok(!none.includes('"mam"') && !none.includes('archive_expires_after'), 'no archive');
    assert.ok(!none.includes('http_file_share'), 'no upload service');
    assert.ok(none.includes('modules_disabled = { "s2s", "s2s_auth_certs", "offline" }'));
  });

  test('a policy is checked before it goes into the config', () => {
    for (const bad of [{ messageDays: 1.5 }, { offlineDays: -1 }, { mediaDays: 40_000 }, { logLevel: 'trace' }, { logIps: 'no' }] as const) {
      assert.throws(() => renderProsodyConfig(spec({ retention: xmppPolicy(bad as never) })), { code: 'spec/invalid' }, JSON.stringify(bad));
    }
  });

  test("expiries read the way mod_mam 0.12 reads archive_expires_after", () => {
    const seconds = (text: string, type = 'string') => expirySeconds({ type, text }, '1w').seconds;
    assert.equal(seconds('1d'), DAY);
    assert.equal(seconds('2w'), 14 * DAY);
    assert.equal(seconds('1m'), 31 * DAY);
    assert.equal(seconds('1y'), 365.2425 * DAY);
    assert.equal(seconds('90'), 90, 'a bare number is seconds');
    assert.equal(seconds('3600', 'number'), 3600);
    assert.equal(seconds('never'), null);
    assert.equal(seconds('soon'), null, 'unparseable: mod_mam expires nothing');
    assert.equal(expirySeconds({ type: 'nil', text: 'nil' }, '1w').seconds, 7 * DAY, 'unset: the default');
  });
});

describe('Prosody 0.12 retention', () => {
  const driver = new ProsodyDriver();
  const provisioned = servers.instance(driver, 'ret-p', DOMAIN, ['alice', 'bob']);
  let instance: InstanceContext;
  const login = (username: string) => ({ port: instance.spec.ports.client, domain: DOMAIN, username, password: `${username}-password` });

  /** SQL on Prosody's database, as the instance's user (Prosody writes meanwhile: wait for its locks). */
  const sql = (query: string): Promise<Array<Record<string, unknown>>> =>
    retryLocked(async () => {
      const result = await instance.runtime.exec(instance.spec, 'sqlite3', ['-json', '-cmd', '.timeout 5000', join(instance.spec.dir, PROSODY_DATABASE), query]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.trim() ? (JSON.parse(result.stdout) as Array<Record<string, unknown>>) : [];
    });
  /** The archive and offline stores as Prosody keeps them: "store/user/body", sorted. */
  const stored = async (): Promise<string[]> => {
    const rows = await sql(`SELECT store, user, value FROM prosodyarchive WHERE host = '${DOMAIN}' AND store IN ('archive', 'offline')`);
    return rows.map((row) => `${row.store}/${row.user}/${/<body>([^<]*)<\/body>/.exec(String(row.value))?.[1] ?? ''}`).sort();
  };
  /** Makes the messages whose body starts with `prefix` `days` older, in Prosody's storage. */
  const age = (prefix: string, days: number) =>
    sql(`UPDATE prosodyarchive SET "when" = "when" - ${days * DAY} WHERE host = '${DOMAIN}' AND store IN ('archive', 'offline') AND value LIKE '%<body>${prefix}%'`);

  before(() => {
    instance = provisioned();
  });

  test("without a policy the server runs on Hearth's old defaults, read back from it", async () => {
    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(differing(read, {}), []);
    assert.deepEqual(
      Object.fromEntries(Object.entries(read).map(([knob, reading]) => [knob, reading.value])),
      { messageDays: 7, offlineDays: null, logLevel: 'info' },
      'no file sharing: no upload expiry to read',
    );
    assert.match(read.messageDays!.detail, /archive_expires_after = "7d"/);
  });

  test('a policy is rendered, applied by a restart and read back from the running server', async (t) => {
    const settings: InstanceSettings = { fileShare: { externalUrl: `https://upload.${DOMAIN}/` }, retention: xmppPolicy() };
    const started = performance.now();
    instance = await reconfigure(driver, instance, settings);
    t.diagnostic(`re-rendered and restarted in ${Math.round(performance.now() - started)} ms`);
    const config = await readFile(join(instance.spec.dir, PROSODY_PATHS.config), 'utf8');
    for (const line of ['archive_expires_after = "1d"', 'hearth_offline_expires_after = "1d"', 'http_file_share_expires_after = 172800', 'levels = { min = "warn" }']) {
      assert.ok(config.includes(line), `config lacks ${line}`);
    }
    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(differing(read, settings), [], 'what the reconfigure job checks');
    assert.deepEqual(read.mediaDays?.value, 2);
    assert.match(read.mediaDays!.detail, new RegExp(`upload\\.${DOMAIN.replace('.', '\\.')} \\(http_file_share_expires_after = 172800\\)`));
    assert.match(read.logLevel!.detail, /debug 0, info 0, warn 1, error 1/);
    assertCoverage(driver, read);
  });

  test("the purge deletes archived and offline messages past the window and keeps newer ones, in Prosody's storage", async (t) => {
    // Bob is offline: what Alice sends him is archived (for both) and waits in offline storage.
    const alice = await goOnline(login('alice'));
    try {
      for (const body of ['old-1', 'old-2']) await alice.send(`bob@${DOMAIN}`, body);
      await waitFor(async () => (await stored()).filter((row) => row.startsWith('offline/bob/old-')).length === 2, 5_000, 'the offline messages');
      // Two days ago, as far as Prosody's storage says; then one message of today.
      await age('old-', 2);
      await alice.send(`bob@${DOMAIN}`, 'new-1');
      await waitFor(async () => (await stored()).includes('offline/bob/new-1'), 5_000, 'the new offline message');
    } finally {
      await alice.stop();
    }
    const before = await stored();
    const fresh = before.filter((row) => row.endsWith('/new-1'));
    for (const row of ['archive/alice/old-1', 'archive/alice/old-2', 'offline/bob/old-1', 'offline/bob/old-2', 'archive/alice/new-1', 'offline/bob/new-1']) {
      assert.ok(before.includes(row), `${row} in ${before}`);
    }

    const started = performance.now();
    await driver.enforceRetention(instance);
    const after = await stored();
    t.diagnostic(`purge: ${Math.round(performance.now() - started)} ms; stored before: ${before.join(' ')}; after: ${after.join(' ')}`);
    assert.deepEqual(after.filter((row) => row.includes('/old-')), [], 'nothing older than a day is left');
    assert.deepEqual(after, fresh, 'what is newer stays');

    // Bob logs in and gets only what was kept.
    const bob = await goOnline(login('bob'));
    try {
      await bob.message((message) => message.getChildText('body') === 'new-1');
      assert.deepEqual(bob.messages.map((message) => message.getChildText('body')).filter(Boolean), ['new-1']);
    } finally {
      await bob.stop();
    }
  });

  test("the config edited behind Hearth's back: after a restart the read-back shows it, and the purge follows the running server", async () => {
    const file = join(instance.spec.dir, PROSODY_PATHS.config);
    const edited = (await readFile(file, 'utf8'))
      .replace('archive_expires_after = "1d"', 'archive_expires_after = "30d"')
      .replace('levels = { min = "warn" }', 'levels = { min = "error" }')
      .replace(/^hearth_offline_expires_after = .*$/m, '');
    await writeFile(file, edited);
    await restartAsIs(driver, instance);

    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(
      differing(read, instance.spec.settings).map((line) => line.split(' (')[0]),
      ['messageDays: read 30, wanted 1', 'offlineDays: read null, wanted 1', 'logLevel: read "error", wanted "warn"'],
    );
    // A message two days old is within the 30 days the server now keeps.
    await age('new-', 2);
    await driver.enforceRetention(instance);
    assert.ok((await stored()).includes('archive/alice/new-1'));
  });

  test('0 turns a store off and the purge empties what was kept before; null keeps for good', async () => {
    // A message waiting for Bob, from before offline storage is turned off.
    await driver.sendServerNotice!(instance, 'bob', 'kept-before');
    await waitFor(async () => (await stored()).includes('offline/bob/kept-before'), 5_000, 'the offline message');

    const settings: InstanceSettings = { retention: xmppPolicy({ messageDays: null, offlineDays: 0, mediaDays: 0 }) };
    instance = await reconfigure(driver, instance, settings);
    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(differing(read, settings), []);
    assert.equal(read.messageDays!.value, null);
    assert.equal(read.offlineDays!.value, 0);
    assert.match(read.offlineDays!.detail, /mod_offline is not loaded/);
    assert.equal(read.mediaDays, undefined, 'no upload service: nothing to read');

    const before = await stored();
    assert.ok(before.includes('offline/bob/kept-before'));
    assert.ok(before.includes('archive/alice/new-1'));
    await driver.enforceRetention(instance);
    assert.deepEqual(await stored(), before.filter((row) => row.startsWith('archive/')), 'offline storage emptied; the archive, kept for good, untouched');
    // Nothing new waits for an account that is offline.
    await assert.rejects(driver.sendServerNotice!(instance, 'bob', 'bounced'), /mod_offline is not loaded/);
  });
});
