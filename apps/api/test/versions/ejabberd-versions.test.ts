import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { InstanceContext } from '../../src/drivers/driver';
import { ejabberdTreeSpec } from '../../src/drivers/ejabberd/ejabberd-release';
import { EJABBERD_PATHS } from '../../src/drivers/ejabberd/ejabberd.config';
import { EjabberdDriver } from '../../src/drivers/ejabberd/ejabberd.driver';
import type { PackageTree } from '../../src/runtimes/packages/package-tree';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { RUNTIME_LAYOUT } from '../../src/runtimes/runtime';
import { goOnline, loginAndEcho, loginFails, makeBaseDir, provision } from '../instances/support';
import { ensureSharedTree, newContext, releaseOf, switchRelease, treesSkipReason } from './support';

// ejabberd 24.12 (bookworm-backports) run from a package tree of the version store by bookworm's
// own Erlang 25, beside the host's 23.01, through the driver and the process runtime.
const RANGE = { first: 29050, last: 29099 };
const driver = new EjabberdDriver();
const runtime = new ProcessRuntime({ stopTimeoutMs: 15_000 });
const taken = new Set<number>();

describe('ejabberd 24.12 from a version tree', { skip: treesSkipReason }, () => {
  let tree: PackageTree;
  let base: Awaited<ReturnType<typeof makeBaseDir>>;
  const contexts: InstanceContext[] = [];
  const login = (context: InstanceContext, username: string, password: string) => ({ port: context.spec.ports.client, domain: context.spec.domain, username, password });

  before(async () => {
    const started = performance.now();
    tree = await ensureSharedTree(ejabberdTreeSpec('bookworm'));
    console.log(`# tree ${tree.dir} ready in ${Math.round(performance.now() - started)} ms (built now: ${tree.built})`);
    base = await makeBaseDir('versions-ejabberd');
  });

  after(async () => {
    for (const context of contexts) await runtime.destroy(context.spec).catch(() => undefined);
    await base?.remove();
  });

  test("render(): the tree's ejabberdctl, ERL_LIBS into the tree then the host's Erlang libraries", async () => {
    const context = await newContext(driver, runtime, base.dir, 'render24', RANGE, taken, releaseOf(tree));
    const rendered = await driver.render(context.spec, context.secrets);
    const ctl = rendered.files.find((file) => file.path === EJABBERD_PATHS.ctl);
    assert.ok(ctl && 'content' in ctl);
    const script = String(ctl.content);
    assert.match(script, new RegExp(`^ERL_LIBS='${tree.root}/usr/lib/x86_64-linux-gnu:${tree.root}/usr/lib/erlang/lib'$`, 'm'));
    assert.match(script, /^ERL="\/usr\/bin\/erl"$/m, "bookworm's Erlang runs it");
    assert.match(script, /^INSTALLUSER=$/m);
    assert.match(script, /as_current_user\) \$HEARTH_EXEC "\$@" ;;/);
    await assert.rejects(driver.render({ ...context.spec, release: { tree: tree.root, version: '25.01' } }, context.secrets), { code: 'spec/invalid', message: /holds ejabberd 24\.12, not 25\.01/ });
    await assert.rejects(driver.render({ ...context.spec, release: { tree: '/', version: '24.12' } }, context.secrets), { code: 'spec/invalid', message: /but this host has 23\.01/ });
  });

  test('a new instance runs 24.12 from the tree: healthy, Hearth admin account, accounts, a real client, the admin operations', { timeout: 90_000 }, async () => {
    const context = await newContext(driver, runtime, base.dir, 'fresh24', RANGE, taken, releaseOf(tree));
    contexts.push(context);
    const readyMs = await provision(driver, context);
    console.log(`# ejabberd 24.12 healthy ${readyMs} ms after start`);
    assert.match((await driver.probe(context.spec)).version ?? '', /^24\.12/);

    // bookworm's VM, with the tree's ejabberd and libraries: their NIFs are mapped from the tree, none from the host's older copies.
    const { pid } = await runtime.status(context.spec);
    assert.equal(await readlink(`/proc/${pid}/exe`), '/usr/lib/erlang/erts-13.1.5/bin/beam.smp');
    const maps = await readFile(`/proc/${pid}/maps`, 'utf8');
    for (const nif of ['p1_xml-1.1.55/priv/lib/fxml.so', 'p1_tls-1.1.22/priv/lib/fast_tls.so', 'p1_stringprep-1.0.30/priv/lib/stringprep.so']) {
      assert.ok(maps.includes(`${tree.root}/usr/lib/erlang/lib/${nif}`), `${nif} from the tree`);
    }
    assert.doesNotMatch(maps, /\s\/usr\/lib\/erlang\/lib\/p1_/, "none of the host's erlang-p1-* libraries");

    await driver.createUser(context, 'alice', 'alice-password');
    await assert.rejects(driver.createUser(context, 'alice', 'x-password'), { code: 'user/exists' });
    assert.match(await loginAndEcho(login(context, 'alice', 'alice-password')), /^hello /);
    assert.deepEqual(await driver.listUsers(context), ['alice']);
    await driver.changePassword(context, 'alice', 'alice-new-password');
    assert.ok(await loginFails(login(context, 'alice', 'alice-password')));

    const online = await goOnline(login(context, 'alice', 'alice-new-password'), 'phone');
    try {
      assert.deepEqual((await driver.accountSessions(context, 'alice')).map((session) => session.id), ['phone']);
      await driver.sendServerNotice(context, 'alice', 'maintenance tonight');
      const notice = await online.message((message) => message.getChildText('body') === 'maintenance tonight');
      assert.equal(notice.attrs.from, 'fresh24.test');
      assert.equal(await driver.revokeSession(context, 'alice', 'phone'), true);
      await online.ended;
    } finally {
      await online.stop();
    }
    const [account] = await driver.listAccounts(context);
    assert.equal(account?.username, 'alice');
    assert.ok(account.lastSeenAt instanceof Date, 'get_last answers');
    assert.equal(account.deactivated, false);
    // 24.06 and later keep a ban apart from the password: it shows, and reactivating lifts it.
    await driver.deactivateUser(context, 'alice');
    assert.match((await loginFails(login(context, 'alice', 'alice-new-password'))) ?? '', /account-disabled/);
    assert.equal((await driver.listAccounts(context))[0]?.deactivated, true);
    await driver.reactivateUser(context, 'alice', 'alice-third-password');
    assert.equal((await driver.listAccounts(context))[0]?.deactivated, false);
    assert.match(await loginAndEcho(login(context, 'alice', 'alice-third-password')), /^hello /);
    const retention = await driver.effectiveRetention(context);
    assert.equal(retention.messageDays?.value, 7, JSON.stringify(retention));
    assert.equal((await driver.effectiveFederation(context)).policy?.mode, 'closed');
    await driver.enforceRetention(context);
    // The backup's online snapshot, through this instance's copy of the tree's ejabberdctl.
    const staging = await mkdtemp(join(tmpdir(), 'hearth-snapshot-'));
    try {
      assert.deepEqual(await driver.snapshot(context, staging), { node: 'ejabberd_fresh24@localhost' });
      assert.ok((await stat(join(staging, EJABBERD_PATHS.snapshot))).size > 0);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    assert.equal(await driver.deleteUser(context, 'alice'), true);
    assert.equal(await driver.deleteUser(context, 'alice'), false);
    assert.deepEqual(await driver.listUsers(context), []);
  });

  test('the same Mnesia data first run by the host 23.01, then by 24.12: accounts log in, an offline message is delivered', { timeout: 90_000 }, async () => {
    let context = await newContext(driver, runtime, base.dir, 'upgrade24', RANGE, taken);
    contexts.push(context);
    await provision(driver, context);
    assert.match((await driver.probe(context.spec)).version ?? '', /^23\.01/);
    await driver.createUser(context, 'alice', 'alice-password');
    await driver.createUser(context, 'bob', 'bob-password');
    const alice = await goOnline(login(context, 'alice', 'alice-password'));
    await alice.send('bob@upgrade24.test', 'sent while bob was offline, before the upgrade');
    await alice.stop();

    const upgraded = await switchRelease(driver, context, releaseOf(tree));
    context = upgraded.context;
    contexts.push(context);
    console.log(`# upgraded to 24.12: healthy ${upgraded.readyMs} ms after start`);
    assert.match((await driver.probe(context.spec)).version ?? '', /^24\.12/);
    assert.deepEqual(await driver.listUsers(context), ['alice', 'bob']);
    assert.match(await loginAndEcho(login(context, 'alice', 'alice-password')), /^hello /);
    const bob = await goOnline(login(context, 'bob', 'bob-password'));
    try {
      const kept = await bob.message((message) => message.getChildText('body') === 'sent while bob was offline, before the upgrade');
      assert.equal(String(kept.attrs.from).split('/')[0], 'alice@upgrade24.test');
    } finally {
      await bob.stop();
    }
    await driver.createUser(context, 'carol', 'carol-password');

    // A rollback that does not restore the snapshot: 23.01 still opens what 24.12 ran on, its accounts too.
    const back = await switchRelease(driver, context, undefined);
    context = back.context;
    contexts.push(context);
    assert.match((await driver.probe(context.spec)).version ?? '', /^23\.01/);
    assert.deepEqual(await driver.listUsers(context), ['alice', 'bob', 'carol']);
    assert.match(await loginAndEcho(login(context, 'carol', 'carol-password')), /^hello /);
    const started = (await readFile(join(context.spec.dir, RUNTIME_LAYOUT.consoleLog), 'utf8')).match(/ejabberd \S+ is started in the node/g);
    assert.deepEqual(started, ['ejabberd 23.01-1 is started in the node', 'ejabberd 24.12-3~bpo12+1 is started in the node', 'ejabberd 23.01-1 is started in the node']);
  });
});
