import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { InstanceContext } from '../../src/drivers/driver';
import { PROSODY_LAUNCHERS, prosodyTreeSpec } from '../../src/drivers/prosody/prosody-release';
import { PROSODY_DATABASE, PROSODY_PATHS } from '../../src/drivers/prosody/prosody.config';
import { ProsodyDriver } from '../../src/drivers/prosody/prosody.driver';
import type { PackageTree } from '../../src/runtimes/packages/package-tree';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { goOnline, loginAndEcho, loginFails, makeBaseDir, provision, waitFor } from '../instances/support';
import { ensureSharedTree, newContext, releaseOf, switchRelease, treesSkipReason } from './support';

// Prosody 13.0.1 (bookworm-backports) run from a package tree of the version store, beside the
// host's 0.12, through the driver and the process runtime (as nobody when the tests run as root).
const execFileAsync = promisify(execFile);
const RANGE = { first: 29000, last: 29049 };
const driver = new ProsodyDriver();
const runtime = new ProcessRuntime({ stopTimeoutMs: 10_000 });
const taken = new Set<number>();

describe('Prosody 13 from a version tree', { skip: treesSkipReason }, () => {
  let tree: PackageTree;
  let base: Awaited<ReturnType<typeof makeBaseDir>>;
  const contexts: InstanceContext[] = [];
  const login = (context: InstanceContext, username: string, password: string) => ({ port: context.spec.ports.client, domain: context.spec.domain, username, password });

  before(async () => {
    const started = performance.now();
    tree = await ensureSharedTree(prosodyTreeSpec('bookworm'));
    console.log(`# tree ${tree.dir} ready in ${Math.round(performance.now() - started)} ms (built now: ${tree.built})`);
    base = await makeBaseDir('versions-prosody');
  });

  after(async () => {
    for (const context of contexts) await runtime.destroy(context.spec).catch(() => undefined);
    await base?.remove();
  });

  test('render(): launchers pointing into the tree, the tree Lua libraries first, a config in 13 dialect', async () => {
    const context = await newContext(driver, runtime, base.dir, 'render13', RANGE, taken, releaseOf(tree));
    const rendered = await driver.render(context.spec, context.secrets);
    assert.equal(rendered.process.command, join(context.spec.dir, PROSODY_LAUNCHERS.prosody));
    const launcher = rendered.files.find((file) => file.path === PROSODY_LAUNCHERS.prosody);
    assert.ok(launcher && 'content' in launcher);
    const script = String(launcher.content);
    assert.ok(script.startsWith('#!/usr/bin/lua5.4\n'), script.slice(0, 80));
    assert.match(script, new RegExp(`^CFG_SOURCEDIR="${tree.root}/usr/lib/prosody";$`, 'm'));
    assert.match(script, new RegExp(`^CFG_CONFIGDIR="${context.spec.dir}/conf";$`, 'm'));
    assert.equal(rendered.process.env.LUA_CPATH_5_4, `${tree.root}/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;;`);
    const config = rendered.files.find((file) => file.path === PROSODY_PATHS.config);
    assert.ok(config && 'content' in config);
    assert.match(String(config.content), /^-- Rendered by Hearth for instance render13 \(Prosody 13\)\./);
    assert.doesNotMatch(String(config.content), /legacy_ssl_ports/);

    await assert.rejects(driver.render({ ...context.spec, release: { tree: tree.root, version: '13.0.2' } }, context.secrets), { code: 'spec/invalid', message: /holds Prosody 13\.0\.1, not 13\.0\.2/ });
    await assert.rejects(driver.render({ ...context.spec, release: { tree: '/nonexistent/tree', version: '13.0.1' } }, context.secrets), { code: 'driver/unavailable' });
    await assert.rejects(driver.render({ ...context.spec, release: { tree: '/', version: '13.0.1' } }, context.secrets), { code: 'spec/invalid', message: /set to run Prosody 13\.0\.1, but this host has 0\.12/ });
  });

  test('a new instance runs 13.0.1: healthy, its config check passes, accounts, a real client, the admin operations', { timeout: 90_000 }, async () => {
    const context = await newContext(driver, runtime, base.dir, 'fresh13', RANGE, taken, releaseOf(tree));
    contexts.push(context);
    const readyMs = await provision(driver, context);
    console.log(`# Prosody 13 healthy ${readyMs} ms after start`);
    const probe = await driver.probe(context.spec);
    assert.equal(probe.version, '13.0.1');

    // The server is the host's Lua running this instance's launcher of the tree, as nobody (or Hearth's own user).
    const { pid } = await runtime.status(context.spec);
    assert.equal(await readlink(`/proc/${pid}/exe`), '/usr/bin/lua5.4');
    assert.ok((await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(join(context.spec.dir, PROSODY_LAUNCHERS.prosody)));
    const maps = await readFile(`/proc/${pid}/maps`, 'utf8');
    assert.ok(maps.includes(`${tree.root}/usr/lib/prosody/util/`), 'its C modules come from the tree');
    // lua/5.4/lunbound.so (found through LUA_CPATH) is a link to the library it loads.
    assert.ok(maps.includes(`${tree.root}/usr/lib/x86_64-linux-gnu/liblua5.4-unbound.so`), 'lua-unbound from the tree');
    assert.doesNotMatch(maps, /\s\/usr\/lib\/prosody\//, "nothing of the host's 0.12");
    const console_ = (await runtime.readLogTail(context.spec, 200)).join('\n');
    assert.match(console_, /Hello and welcome to Prosody version 13\.0\.1/);
    assert.doesNotMatch(console_, /unable to find lua-unbound/);

    const check = await driver.checkConfig(context);
    assert.ok(check.ok, check.output);
    assert.match(check.output, /All checks passed/);

    await driver.createUser(context, 'alice', 'alice-password');
    await assert.rejects(driver.createUser(context, 'alice', 'x-password'), { code: 'user/exists' });
    assert.match(await loginAndEcho(login(context, 'alice', 'alice-password')), /^hello /);
    assert.deepEqual(await driver.listUsers(context), ['alice']);
    await driver.changePassword(context, 'alice', 'alice-new-password');
    assert.ok(await loginFails(login(context, 'alice', 'alice-password')));
    await assert.rejects(driver.changePassword(context, 'nobody-here', 'whatever-password'), { code: 'user/not_found' });

    const phone = await goOnline(login(context, 'alice', 'alice-new-password'), 'phone');
    try {
      assert.deepEqual((await driver.accountSessions(context, 'alice')).map((session) => session.id), ['phone']);
      assert.deepEqual((await driver.listSessions(context)).map((session) => session.jid), ['alice@fresh13.test/phone']);
      await driver.sendServerNotice(context, 'alice', 'maintenance tonight');
      const notice = await phone.message((message) => message.getChildText('body') === 'maintenance tonight');
      assert.equal(notice.attrs.from, 'fresh13.test');
    } finally {
      await phone.stop();
    }
    const laptop = await goOnline(login(context, 'alice', 'alice-new-password'), 'laptop');
    try {
      assert.equal(await driver.revokeSession(context, 'alice', 'laptop'), true);
      // Prosody sends the stream error and closes at once; the connection then ends in a reset
      // (ECONNRESET, seen for both versions). On a busy machine the client occasionally sees only the
      // disconnect, without the error (1 in 25 for 13 under load): the session ends either way.
      assert.ok(['policy-violation', 'closed'].includes(await laptop.ended));
      await waitFor(async () => (await driver.accountSessions(context, 'alice')).length === 0, 2_000, 'the session to leave the listing');
    } finally {
      await laptop.stop();
    }
    const retention = await driver.effectiveRetention(context);
    assert.equal(retention.messageDays?.value, 7, JSON.stringify(retention));
    assert.equal((await driver.effectiveFederation(context)).policy?.mode, 'closed');
    await driver.enforceRetention(context);
    assert.equal(await driver.deleteUser(context, 'alice'), true);
    assert.equal(await driver.deleteUser(context, 'alice'), false);
    assert.deepEqual(await driver.listUsers(context), []);
  });

  test('the same data first run by the host 0.12, then by 13: accounts log in, an offline message is delivered', { timeout: 90_000 }, async () => {
    let context = await newContext(driver, runtime, base.dir, 'upgrade', RANGE, taken);
    contexts.push(context);
    await provision(driver, context);
    assert.match((await driver.probe(context.spec)).version ?? '', /^0\.12\./);
    assert.ok((await driver.checkConfig(context)).ok);
    // The preflight of an upgrade: 13's check on the config rendered for 13, while 0.12 keeps running on its own.
    const liveConfig = await readFile(join(context.spec.dir, PROSODY_PATHS.config), 'utf8');
    const target = await driver.checkConfig(context, releaseOf(tree));
    assert.ok(target.ok, target.output);
    assert.match(target.output, /All checks passed/);
    assert.equal(await readFile(join(context.spec.dir, PROSODY_PATHS.config), 'utf8'), liveConfig, 'the live config is untouched');
    assert.deepEqual(await readdir(join(context.spec.dir, PROSODY_PATHS.run)).then((names) => names.sort()), ['admin.sock', 'prosody.pid']);
    await driver.createUser(context, 'alice', 'alice-password');
    await driver.createUser(context, 'bob', 'bob-password');
    const alice = await goOnline(login(context, 'alice', 'alice-password'));
    await alice.send('bob@upgrade.test', 'sent while bob was offline, before the upgrade');
    await alice.stop();
    const database = join(context.spec.dir, PROSODY_DATABASE);
    const rows = async (sql: string) => (await execFileAsync('sqlite3', ['-readonly', database, sql])).stdout.trim();
    await waitFor(async () => (await rows(`select count(*) from prosodyarchive where store = 'offline'`)) === '1', 5_000, 'the offline message to be stored');
    assert.match(await rows(`select name from sqlite_master where type = 'index' and tbl_name = 'prosody'`), /^prosody_index$/);

    const upgraded = await switchRelease(driver, context, releaseOf(tree));
    context = upgraded.context;
    contexts.push(context);
    console.log(`# upgraded to 13: healthy ${upgraded.readyMs} ms after start`);
    assert.equal((await driver.probe(context.spec)).version, '13.0.1');
    assert.ok((await driver.checkConfig(context)).ok);
    assert.deepEqual(await driver.listUsers(context), ['alice', 'bob']);
    assert.match(await loginAndEcho(login(context, 'alice', 'alice-password')), /^hello /);
    const bob = await goOnline(login(context, 'bob', 'bob-password'));
    try {
      const kept = await bob.message((message) => message.getChildText('body') === 'sent while bob was offline, before the upgrade');
      assert.equal(String(kept.attrs.from).split('/')[0], 'alice@upgrade.test');
    } finally {
      await bob.stop();
    }
    // 13 upgraded 0.12's schema when it first opened the database: the key-value index became unique.
    assert.match(await rows(`select name from sqlite_master where type = 'index' and tbl_name = 'prosody'`), /^prosody_unique_index$/);

    // A rollback that does not restore the snapshot: 0.12 still opens what 13 upgraded.
    const back = await switchRelease(driver, context, undefined);
    context = back.context;
    contexts.push(context);
    assert.match((await driver.probe(context.spec)).version ?? '', /^0\.12\./);
    assert.deepEqual(await driver.listUsers(context), ['alice', 'bob']);
    assert.match(await loginAndEcho(login(context, 'bob', 'bob-password')), /^hello /);
  });
});
