import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, test } from 'node:test';
import type { Driver, InstanceContext } from '../../src/drivers/driver';
import { EjabberdHttpApi } from '../../src/drivers/ejabberd/ejabberd-http-api';
import { EJABBERD_PATHS, HEARTH_ADMIN_USER, adminJid } from '../../src/drivers/ejabberd/ejabberd.config';
import { EjabberdDriver } from '../../src/drivers/ejabberd/ejabberd.driver';
import { PROSODY_PATHS } from '../../src/drivers/prosody/prosody.config';
import { ProsodyDriver } from '../../src/drivers/prosody/prosody.driver';
import { type LoginOptions, goOnline, loginAndEcho, loginFails, provision, testServers, waitFor } from './support';
import { retryLocked } from '../support/sqlite-read';

// Account operations on real Prosody 0.12 and ejabberd 23.01 servers, checked with real XMPP
// clients and by reading what the servers keep in storage.
const execFileAsync = promisify(execFile);
const DOMAIN = 'family.test';
const servers = testServers('accounts', { first: 26100, last: 26199 });

/** What differs between the servers in the tests both run. */
interface XmppServer {
  readonly driver: Driver;
  readonly id: string;
  /** The stream error a client gets when its session is revoked. */
  readonly revokedCondition: string;
  /** Where the server keeps an account's password, archive, the messages waiting for it, its vCard and roster. */
  readonly stores: { readonly account: string; readonly archive: string; readonly offline: string; readonly vcard: string; readonly roster: string };
  /** Every store holding something of the account, read from the server's storage itself. */
  stored(context: InstanceContext, username: string): Promise<string[]>;
}

type Login = (username: string, password?: string) => LoginOptions;

/** The tests every XMPP driver passes, and the server's own (extra); the instance starts with alice, eve and frank. */
function accountTests(server: XmppServer, extra: (instance: () => InstanceContext, login: Login) => void): void {
  const { driver } = server;
  const provisioned = servers.instance(driver, server.id, DOMAIN, ['alice', 'eve', 'frank']);
  // Replaced when a test restarts the instance with other settings.
  let instance: InstanceContext;
  const login: Login = (username, password = `${username}-password`) => ({ port: instance.spec.ports.client, domain: DOMAIN, username, password });
  const has = async (username: string, store: string) => (await server.stored(instance, username)).includes(store);

  before(() => {
    instance = provisioned();
  });

  test('logged-in clients show as the account\'s sessions; revoking one ends just that one', async () => {
    assert.ok(driver.capabilities.has('sessions.revoke'));
    // Logins run side by side: the client library's SCRAM takes ~1 s of CPU each.
    const [phone, laptop] = await Promise.all(['phone', 'laptop'].map((resource) => goOnline(login('alice'), resource)));
    try {
      const sessions = await driver.accountSessions!(instance, 'alice');
      assert.deepEqual(sessions.map((session) => session.id), ['laptop', 'phone']);
      for (const session of sessions) assert.ok(session.connectedSeconds !== null && session.connectedSeconds >= 0 && session.connectedSeconds < 60);
      assert.ok(!JSON.stringify(sessions).includes('127.0.0.1'), 'no addresses');
      assert.deepEqual(await driver.accountSessions!(instance, 'eve'), []);

      assert.equal(await driver.revokeSession!(instance, 'alice', 'phone'), true);
      assert.equal(await phone.ended, server.revokedCondition);
      await waitFor(async () => (await driver.accountSessions!(instance, 'alice')).length === 1, 2_000, 'the session to leave the listing');
      assert.deepEqual((await driver.accountSessions!(instance, 'alice')).map((session) => session.id), ['laptop']);
      assert.equal(await driver.revokeSession!(instance, 'alice', 'phone'), false);
      assert.equal(await driver.revokeSession!(instance, 'nobody', 'phone'), false);
    } finally {
      await phone.stop();
      await laptop.stop();
    }
  });

  test('bad names and unknown accounts', async () => {
    await assert.rejects(driver.accountSessions!(instance, 'nobody'), { code: 'user/not_found' });
    await assert.rejects(driver.accountSessions!(instance, 'Alice'), { code: 'user/invalid' });
    await assert.rejects(driver.revokeSession!(instance, 'a@b', 'x'), { code: 'user/invalid' });
  });

  extra(() => instance, login);

  test('deleteUser erases the account\'s archive, the messages waiting for it, its vCard and roster from storage', async () => {
    const [frank, eve] = await Promise.all([goOnline(login('frank')), goOnline(login('eve'))]);
    await frank.saveProfile('Frank', `eve@${DOMAIN}`);
    await frank.send(`frank@${DOMAIN}`, 'a note to self');
    await waitFor(() => has('frank', server.stores.archive), 5_000, 'the archived note');
    await frank.stop();
    // Eve's message, sent once he is offline, waits for him.
    await waitFor(async () => (await driver.accountSessions!(instance, 'frank')).length === 0, 5_000, 'frank to be offline');
    await eve.send(`frank@${DOMAIN}`, 'while you were away');
    await waitFor(() => has('frank', server.stores.offline), 5_000, 'the offline message');
    await eve.stop();
    const stored = await server.stored(instance, 'frank');
    for (const store of Object.values(server.stores)) assert.ok(stored.includes(store), `${store} in ${stored}`);

    assert.equal(await driver.deleteUser(instance, 'frank'), true);
    assert.deepEqual(await server.stored(instance, 'frank'), []);
    assert.ok(await has('eve', server.stores.archive), 'the sender keeps her own copy');
  });

  test('an archive kept from before the archive was turned off is erased too', async () => {
    await driver.createUser(instance, 'gus', 'gus-password');
    await loginAndEcho(login('gus'));
    assert.ok(await has('gus', server.stores.archive));
    await servers.runtime.stop(instance.spec);
    instance = { ...instance, spec: { ...instance.spec, settings: { messageRetentionDays: 0 } } };
    await provision(driver, instance);
    assert.equal(await driver.deleteUser(instance, 'gus'), true);
    assert.deepEqual(await server.stored(instance, 'gus'), []);
  });
}

describe('Prosody 0.12 account operations', () => {
  const driver = new ProsodyDriver();
  accountTests(
    {
      driver,
      id: 'acct-p',
      revokedCondition: 'policy-violation',
      stores: {
        account: 'prosody/accounts',
        archive: 'prosodyarchive/archive',
        offline: 'prosodyarchive/offline',
        // mod_vcard_legacy keeps a vcard-temp as a vCard4 PEP node.
        vcard: 'prosodyarchive/pep_urn:xmpp:vcard4',
        roster: 'prosody/roster',
      },
      async stored(context, username) {
        const query = ['prosody', 'prosodyarchive']
          .map((table) => `SELECT DISTINCT '${table}/' || store FROM ${table} WHERE host = '${DOMAIN}' AND user = '${username}'`)
          .join(' UNION ');
        // Prosody writes meanwhile: wait for its locks rather than fail.
        const database = join(context.spec.dir, PROSODY_PATHS.data, 'prosody.sqlite');
        const { stdout } = await retryLocked(() => execFileAsync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', database, query]));
        return stdout.split('\n').filter(Boolean).sort();
      },
    },
    (instance) => {
      test('no deactivation: Prosody 0.12 has no user:disable', () => {
        assert.ok(!driver.capabilities.has('users.deactivate'));
        assert.equal((driver as Driver).deactivateUser, undefined);
        assert.equal((driver as Driver).reactivateUser, undefined);
      });

      test('listAccounts reports what Prosody knows: no admin flag, no last activity', async () => {
        assert.deepEqual(
          await driver.listAccounts(instance()),
          ['alice', 'eve', 'frank'].map((username) => ({ username, admin: null, deactivated: false, lastSeenAt: null, displayName: null })),
        );
      });
    },
  );
});

describe('ejabberd 23.01 account operations', () => {
  const driver = new EjabberdDriver();
  accountTests(
    {
      driver,
      id: 'acct-e',
      revokedCondition: 'conflict',
      stores: { account: 'passwd', archive: 'archive_msg', offline: 'offline_msg', vcard: 'vcard', roster: 'roster' },
      /** Tables holding a record keyed by the account, from a dump of the whole Mnesia database. */
      async stored(context, username) {
        // The node writes the file, as the instance's user, into its own spool directory.
        const file = join(context.spec.dir, EJABBERD_PATHS.spool, 'hearth-test-dump.txt');
        await new EjabberdHttpApi(context.spec.ports.http, { jid: adminJid(context.spec), password: context.secrets.adminPassword }).call('dump', { file });
        const text = await readFile(file, 'utf8');
        await rm(file);
        const owned = new RegExp(`^\\{(\\w+),\\{<<"${username}">>,<<"${DOMAIN.replace('.', '\\.')}">>`, 'gm');
        return [...new Set([...text.matchAll(owned)].map((match) => match[1]))].sort();
      },
    },
    (instance, login) => {

      test('Hearth\'s own account is out of reach; ban_account and change_password never create a missing account', async () => {
        await assert.rejects(driver.deactivateUser(instance(), 'Bad name'), { code: 'user/invalid' });
        await assert.rejects(driver.deactivateUser(instance(), HEARTH_ADMIN_USER), { code: 'user/reserved' });
        await assert.rejects(driver.accountSessions(instance(), HEARTH_ADMIN_USER), { code: 'user/reserved' });
        await assert.rejects(driver.deactivateUser(instance(), 'nobody'), { code: 'user/not_found' });
        await assert.rejects(driver.reactivateUser(instance(), 'nobody', 'x'), { code: 'user/not_found' });
        assert.deepEqual(await driver.listUsers(instance()), ['alice', 'eve', 'frank']);
      });

      test('listAccounts: last seen from mod_last, null for an account that never logged in', async (t) => {
        const startedAt = Date.now();
        const eve = await goOnline(login('eve'));
        const online = await driver.listAccounts(instance());
        await eve.stop();
        await waitFor(async () => (await driver.accountSessions(instance(), 'eve')).length === 0, 2_000, 'eve to be offline');
        const listing = performance.now();
        const offline = await driver.listAccounts(instance());
        t.diagnostic(`listAccounts of ${offline.length} accounts: ${Math.round(performance.now() - listing)} ms`);

        const seen = (accounts: typeof online) => accounts.find((account) => account.username === 'eve')?.lastSeenAt?.getTime() ?? 0;
        // mod_last keeps whole seconds.
        assert.ok(seen(online) >= startedAt - 1_000, 'online: seen now');
        assert.ok(seen(offline) >= startedAt - 1_000 && seen(offline) <= Date.now(), 'offline: when she left');
        assert.deepEqual(offline.find((account) => account.username === 'frank'), { username: 'frank', admin: null, deactivated: false, lastSeenAt: null, displayName: null });
      });

      test('deactivate ends the sessions and locks the account; reactivating with a new password opens it again', async () => {
        assert.ok(driver.capabilities.has('users.deactivate'));
        const phone = await goOnline(login('alice'), 'phone');
        try {
          await driver.deactivateUser(instance(), 'alice');
          assert.equal(await phone.ended, 'conflict');
        } finally {
          await phone.stop();
        }
        assert.equal(await loginFails(login('alice')), 'not-authorized');
        assert.deepEqual(await driver.accountSessions(instance(), 'alice'), []);
        // 23.01 keeps no trace of the ban that could be read back.
        assert.equal((await driver.listAccounts(instance())).find((account) => account.username === 'alice')?.deactivated, false);

        await driver.reactivateUser(instance(), 'alice', 'a new password');
        await loginAndEcho(login('alice', 'a new password'));
      });
    },
  );
});
