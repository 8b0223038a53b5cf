import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { InstanceContext, InstanceSettings } from '../../src/drivers/driver';
import { EjabberdHttpApi } from '../../src/drivers/ejabberd/ejabberd-http-api';
import { EJABBERD_PATHS, adminJid, nodeName, renderEjabberdConfig } from '../../src/drivers/ejabberd/ejabberd.config';
import { readYamlKeys } from '../../src/drivers/yaml-reader';
import { EjabberdDriver } from '../../src/drivers/ejabberd/ejabberd.driver';
import { findExecutable } from '../../src/drivers/host-programs';
import { goOnline, testServers, waitFor } from '../instances/support';
import { assertCoverage, differing, reconfigure, xmppPolicy } from './support';

// A retention policy on a real ejabberd 23.01: rendered, applied with a restart the way the
// reconfigure job does it, read back from the running node, and Hearth's purge checked in its
// Mnesia tables. ejabberd's purge commands take whole days (delete_old_mam_messages all DAYS,
// delete_old_messages DAYS; 1.5 is refused): the tests make messages old by moving their
// timestamps back in Mnesia itself, so the purge runs exactly as it does in production.
const DOMAIN = 'retention.test';
const DAY = 86_400;
const servers = testServers('retention-e', { first: 28600, last: 28699 });

/**
 * Runs on the node over Erlang distribution (as the driver's bootstrap does): every archived and
 * offline message as "table user body", after moving those whose body starts with MARKER back
 * SHIFT seconds (their timestamp, which is all ejabberd's purge looks at).
 */
const MESSAGES = `
Node = list_to_atom(os:getenv("HEARTH_NODE")),
Shift = list_to_integer(os:getenv("SHIFT")) * 1000000,
Marker = unicode:characters_to_binary(os:getenv("MARKER")),
Back = fun({Mega, Sec, Micro}) -> T = (Mega * 1000000 + Sec) * 1000000 + Micro - Shift, {T div 1000000000000, (T div 1000000) rem 1000000, T rem 1000000} end,
Body = fun(Packet) -> case catch fxml:get_subtag_cdata(Packet, <<"body">>) of B when is_binary(B) -> B; _ -> <<>> end end,
Work = fun() ->
  lists:flatmap(fun({Table, Time}) ->
    [begin
       B = Body(element(7, R)),
       case Shift > 0 andalso binary:longest_common_prefix([B, Marker]) =:= byte_size(Marker) of
         true -> mnesia:delete_object(R), mnesia:write(setelement(Time, R, Back(element(Time, R))));
         false -> ok
       end,
       {Table, element(1, element(2, R)), B}
     end || R <- mnesia:match_object(Table, mnesia:table_info(Table, wild_pattern), write)]
  end, [{archive_msg, 4}, {offline_msg, 3}])
end,
case rpc:call(Node, mnesia, transaction, [Work], 15000) of
  {atomic, Rows} -> [io:format("~ts ~ts ~ts~n", [T, U, B]) || {T, U, B} <- Rows], halt(0);
  Other -> io:format("~p~n", [Other]), halt(1)
end.`;

describe('ejabberd 23.01 retention, rendered (no server)', () => {
  const render = (settings: InstanceSettings) =>
    readYamlKeys(renderEjabberdConfig({ id: 'pure', kind: 'ejabberd', domain: DOMAIN, bindAddress: '127.0.0.1', dir: '/srv/pure', ports: { client: 5222, http: 5280, dist: 5299 }, settings }), [
      'loglevel',
      'hide_sensitive_log_data',
      'shaper_rules',
      'modules',
    ]) as { loglevel: string; hide_sensitive_log_data: boolean; shaper_rules: Record<string, unknown>; modules: Record<string, Record<string, unknown>> };

  test('without a policy: what Hearth always rendered (a week of archive, offline until delivered, no IPs in logs)', () => {
    const config = render({});
    assert.equal(config.loglevel, 'info');
    assert.equal(config.hide_sensitive_log_data, true);
    assert.deepEqual(config.modules.mod_mam, { assume_mam_usage: true, default: 'always' });
    assert.ok(config.modules.mod_offline);
    assert.equal(config.shaper_rules.hearth_message_days, 7);
    assert.equal(config.shaper_rules.hearth_offline_days, undefined);
  });

  test('null keeps for good, 0 turns the store off', () => {
    const forGood = render({ retention: xmppPolicy({ messageDays: null, offlineDays: null, logIps: true, logLevel: 'error' }) });
    assert.equal(forGood.shaper_rules.hearth_message_days, undefined);
    assert.equal(forGood.shaper_rules.hearth_offline_days, undefined);
    assert.equal(forGood.modules.mod_mam.default, 'always');
    assert.equal(forGood.hide_sensitive_log_data, false);
    assert.equal(forGood.loglevel, 'error');
    const none = render({ retention: xmppPolicy({ messageDays: 0, offlineDays: 0, logLevel: 'warn' }) });
    assert.deepEqual(none.modules.mod_mam, { default: 'never', access_preferences: 'none' }, 'loaded, archiving nothing');
    assert.equal(none.modules.mod_offline, undefined);
    assert.equal(none.loglevel, 'warning');
  });
});

describe('ejabberd 23.01 retention', () => {
  const driver = new EjabberdDriver();
  const provisioned = servers.instance(driver, 'ret-e', DOMAIN, ['alice', 'bob']);
  let instance: InstanceContext;
  const login = (username: string) => ({ port: instance.spec.ports.client, domain: DOMAIN, username, password: `${username}-password` });
  const api = () => new EjabberdHttpApi(instance.spec.ports.http, { jid: adminJid(instance.spec), password: instance.secrets.adminPassword });

  /** Archived and offline messages in Mnesia ("table/user/body", sorted), after making those starting with `marker` older. */
  const mnesia = async (marker = '', days = 0): Promise<string[]> => {
    const erl = (await findExecutable('erl')) ?? 'erl';
    const { spec } = instance;
    const result = await instance.runtime.exec(
      spec,
      erl,
      ['-sname', `hearthtest_${randomBytes(4).toString('hex')}@localhost`, '-hidden', '-noshell', '-noinput', '-dist_listen', 'false', '-erl_epmd_port', String(spec.ports.dist), '-start_epmd', 'false', '-eval', MESSAGES],
      { env: { HEARTH_NODE: nodeName(spec), SHIFT: String(days * DAY), MARKER: marker || '-' }, timeoutMs: 30_000 },
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    return result.stdout.split('\n').filter(Boolean).map((line) => line.replace(' ', '/').replace(' ', '/')).sort();
  };

  before(() => {
    instance = provisioned();
  });

  test("without a policy the node runs on Hearth's old defaults, read back from it", async () => {
    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(differing(read, {}), []);
    assert.deepEqual(Object.fromEntries(Object.entries(read).map(([knob, reading]) => [knob, reading.value])), { messageDays: 7, offlineDays: null, logIps: false, logLevel: 'info' });
    assertCoverage(driver, read);
  });

  test('a policy is rendered, applied by a restart and read back from the running node', async (t) => {
    const settings: InstanceSettings = { retention: xmppPolicy() };
    const started = performance.now();
    instance = await reconfigure(driver, instance, settings);
    t.diagnostic(`re-rendered and restarted in ${Math.round(performance.now() - started)} ms`);
    const config = await readFile(join(instance.spec.dir, EJABBERD_PATHS.config), 'utf8');
    for (const line of ['  hearth_message_days: 1', '  hearth_offline_days: 1', 'loglevel: "warning"', 'hide_sensitive_log_data: true']) assert.ok(config.includes(line), `config lacks ${line}`);
    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(differing(read, settings), [], 'what the reconfigure job checks');
    assertCoverage(driver, read);
  });

  test('the purge deletes archived and offline messages past the window and keeps newer ones, in Mnesia', async (t) => {
    // Bob is offline: what Alice sends him is archived and waits in offline storage.
    const alice = await goOnline(login('alice'));
    try {
      for (const body of ['old-1', 'old-2']) await alice.send(`bob@${DOMAIN}`, body);
      await waitFor(async () => (await mnesia()).filter((row) => row.startsWith('offline_msg/bob/old-')).length === 2, 10_000, 'the offline messages');
      // Two days ago, as far as Mnesia says; then one message of today.
      await mnesia('old-', 2);
      await alice.send(`bob@${DOMAIN}`, 'new-1');
      await waitFor(async () => (await mnesia()).includes('offline_msg/bob/new-1'), 10_000, 'the new offline message');
    } finally {
      await alice.stop();
    }
    const before = await mnesia();
    for (const row of ['archive_msg/alice/old-1', 'archive_msg/alice/old-2', 'offline_msg/bob/old-1', 'offline_msg/bob/old-2', 'archive_msg/alice/new-1', 'offline_msg/bob/new-1']) {
      assert.ok(before.includes(row), `${row} in ${before}`);
    }

    const started = performance.now();
    await driver.enforceRetention(instance);
    const after = await mnesia();
    t.diagnostic(`purge: ${Math.round(performance.now() - started)} ms (with a Mnesia read); stored before: ${before.join(' ')}; after: ${after.join(' ')}`);
    assert.deepEqual(after.filter((row) => row.includes('/old-')), [], 'nothing older than a day is left');
    assert.deepEqual(after, before.filter((row) => row.endsWith('/new-1')), 'what is newer stays');

    const bob = await goOnline(login('bob'));
    try {
      await bob.message((message) => message.getChildText('body') === 'new-1');
      assert.deepEqual(bob.messages.map((message) => message.getChildText('body')).filter(Boolean), ['new-1']);
    } finally {
      await bob.stop();
    }
  });

  test("the config edited behind Hearth's back: after reload_config the read-back shows it, and the purge follows the running node", async () => {
    const file = join(instance.spec.dir, EJABBERD_PATHS.config);
    const edited = (await readFile(file, 'utf8'))
      .replace('  hearth_message_days: 1', '  hearth_message_days: 30')
      .replace('hide_sensitive_log_data: true', 'hide_sensitive_log_data: false')
      .replace('loglevel: "warning"', 'loglevel: "error"');
    await writeFile(file, edited);
    await api().call('reload_config');

    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(
      differing(read, instance.spec.settings).map((line) => line.split(' (')[0]),
      ['messageDays: read 30, wanted 1', 'logIps: read true, wanted false', 'logLevel: read "error", wanted "warn"'],
    );
    // A message two days old is within the 30 days the node now keeps.
    await mnesia('new-', 2);
    await driver.enforceRetention(instance);
    assert.ok((await mnesia()).includes('archive_msg/alice/new-1'));
  });

  test('0 turns offline storage off; null keeps the archive for good', async () => {
    const settings: InstanceSettings = { retention: xmppPolicy({ messageDays: null, offlineDays: 0 }) };
    instance = await reconfigure(driver, instance, settings);
    const read = await driver.effectiveRetention(instance);
    assert.deepEqual(differing(read, settings), []);
    assert.equal(read.messageDays!.value, null);
    assert.equal(read.offlineDays!.value, 0);
    assert.match(read.offlineDays!.detail, /mod_offline is not loaded/);

    const before = await mnesia();
    assert.ok(before.includes('archive_msg/alice/new-1'));
    await driver.enforceRetention(instance);
    assert.deepEqual(await mnesia(), before, 'nothing deleted: the archive is kept for good, and there is no offline storage');
  });
});
