import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import type { Element } from '@xmpp/client';
import type { Driver, InstanceContext } from '../../src/drivers/driver';
import { EjabberdHttpApi } from '../../src/drivers/ejabberd/ejabberd-http-api';
import { adminJid } from '../../src/drivers/ejabberd/ejabberd.config';
import { EjabberdDriver } from '../../src/drivers/ejabberd/ejabberd.driver';
import { PROSODY_PATHS } from '../../src/drivers/prosody/prosody.config';
import { ProsodyDriver } from '../../src/drivers/prosody/prosody.driver';
import { type LoginOptions, type OnlineClient, goOnline, testServers, waitFor } from './support';
import { retryLocked } from '../support/sqlite-read';

// Server notices (announcements) on real Prosody 0.12 and ejabberd 23.01 servers, received by
// real XMPP clients: at once when online, from offline storage at the next login otherwise.
const execFileAsync = promisify(execFile);
const DOMAIN = 'family.test';
const servers = testServers('notices', { first: 27800, last: 27899 });

/** Everything that could break out of a Lua string, an XML element or a JSON string, and more than ASCII. */
const AWKWARD = 'Restart at 22:00 "tonight" \'sharp\' ]] ]=] \\ \\065 %s ${x} </body></repl-input><x/> &amp; & ünïcödé 🎉\n-- second line\n\tend';
const WELCOME = 'Welcome to the family server';

/** What differs between the servers. */
interface XmppServer {
  readonly driver: Driver;
  readonly id: string;
  /** Whether an account that blocks the server's domain (XEP-0191) refuses its messages. */
  readonly blockingRefuses: boolean;
  /** How many messages wait for the account in the server's offline storage, read from the server itself. */
  offlineCount(context: InstanceContext, username: string): Promise<number>;
}

function noticeTests(server: XmppServer): void {
  const { driver, offlineCount } = server;
  const instance = servers.instance(driver, server.id, DOMAIN, ['alice', 'bob']);
  const login = (username: string): LoginOptions => ({ port: instance().spec.ports.client, domain: DOMAIN, username, password: `${username}-password` });
  /** A message from the server itself: the bare domain, no user, no resource. */
  const fromServer = (body: string) => (message: Element) => message.attrs.from === DOMAIN && message.getChildText('body') === body;

  test('an offline account gets the notice at its next login, an online one at once; from the domain, the text exact, nothing left stored', async (t) => {
    assert.ok(driver.capabilities.has('server-notices'));
    // Bob has never logged in.
    let started = performance.now();
    await driver.sendServerNotice!(instance(), 'bob', WELCOME);
    t.diagnostic(`to an offline account: ${Math.round(performance.now() - started)} ms`);
    assert.equal(await offlineCount(instance(), 'bob'), 1);

    // Logins run side by side: the client library's SCRAM takes 1-2 s of CPU each.
    const [alice, bob] = await Promise.all([available('alice'), goOnline(login('bob'))]);
    try {
      const stored = await bob.message(fromServer(WELCOME));
      assert.equal(stored.attrs.type, 'chat');
      assert.equal(stored.attrs.to, `bob@${DOMAIN}`);
      assert.equal(stored.getChild('delay', 'urn:xmpp:delay')?.attrs.from, DOMAIN, 'stamped as kept by the server');
      // Blocking the server is no failure that would stop an announcement.
      await bob.setBlocked(DOMAIN, true);
      await driver.sendServerNotice!(instance(), 'bob', 'While blocking');
      // The server answers this after anything it sent him before.
      await bob.setBlocked(DOMAIN, false);
      const bodies = bob.messages.filter((message) => message.attrs.from === DOMAIN).map((message) => message.getChildText('body'));
      assert.deepEqual(bodies, server.blockingRefuses ? [WELCOME] : [WELCOME, 'While blocking']);

      started = performance.now();
      // A control character XML can't carry is dropped, \r\n becomes \n (as any XML parser would make it); the rest arrives as written.
      await driver.sendServerNotice!(instance(), 'alice', `${AWKWARD.replace('\n--', '\r\n--')}\u0001`);
      const sentMs = performance.now() - started;
      const live = await alice.message(fromServer(AWKWARD));
      t.diagnostic(`to an online account: ${Math.round(sentMs)} ms, received after ${Math.round(performance.now() - started)} ms`);
      assert.equal(live.attrs.type, 'chat');
      assert.equal(live.attrs.to, `alice@${DOMAIN}`);
      assert.equal(live.getChild('delay', 'urn:xmpp:delay'), undefined, 'delivered live, not from storage');
    } finally {
      await Promise.all([alice.stop(), bob.stop()]);
    }
    // Delivered is delivered: the live one was never stored, the stored one went with its delivery, a refused one was dropped.
    await waitFor(async () => (await driver.listSessions(instance())).length === 0, 5_000, 'the sessions to end');
    assert.equal(await offlineCount(instance(), 'alice'), 0);
    assert.equal(await offlineCount(instance(), 'bob'), 0);
  });

  test('an unknown account is user/not_found, a bad name user/invalid', async () => {
    await assert.rejects(driver.sendServerNotice!(instance(), 'nobody', 'hello'), { code: 'user/not_found' });
    await assert.rejects(driver.sendServerNotice!(instance(), 'Alice', 'hello'), { code: 'user/invalid' });
    await assert.rejects(driver.sendServerNotice!(instance(), 'a@b', 'hello'), { code: 'user/invalid' });
  });

  /** Logged in and available: the server handles a session's stanzas in order, so once a message to itself is back, so is its initial presence. */
  async function available(username: string): Promise<OnlineClient> {
    const client = await goOnline(login(username));
    await client.send(`${username}@${DOMAIN}/test`, 'ready');
    await client.message((message) => message.getChildText('body') === 'ready');
    return client;
  }
}

describe('Prosody 0.12 server notices', () =>
  noticeTests({
    driver: new ProsodyDriver(),
    id: 'notice-p',
    blockingRefuses: true,
    async offlineCount(context, username) {
      const database = join(context.spec.dir, PROSODY_PATHS.data, 'prosody.sqlite');
      const query = `SELECT COUNT(*) FROM prosodyarchive WHERE host = '${DOMAIN}' AND user = '${username}' AND store = 'offline'`;
      const { stdout } = await retryLocked(() => execFileAsync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', database, query]));
      return Number(stdout.trim());
    },
  }));

describe('ejabberd 23.01 server notices', () =>
  noticeTests({
    driver: new EjabberdDriver(),
    id: 'notice-e',
    // ejabberd lets its own server through a block.
    blockingRefuses: false,
    async offlineCount(context, username) {
      const api = new EjabberdHttpApi(context.spec.ports.http, { jid: adminJid(context.spec), password: context.secrets.adminPassword });
      return (await api.call<{ value: number }>('get_offline_count', { user: username, host: DOMAIN })).value;
    },
  }));
