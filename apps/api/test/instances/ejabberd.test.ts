import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type InstanceContext, type InstanceSpec } from '../../src/drivers/driver';
import { EjabberdHttpApi } from '../../src/drivers/ejabberd/ejabberd-http-api';
import { EJABBERD_PATHS, HEARTH_ADMIN_USER } from '../../src/drivers/ejabberd/ejabberd.config';
import { EjabberdDriver } from '../../src/drivers/ejabberd/ejabberd.driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { probeClientPort } from '../../src/drivers/xmpp-probe';
import { allocatePorts } from '../../src/runtimes/ports';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { allLogs, isAlive, listeningAddresses, loginAndEcho, loginFails, makeBaseDir, processesMentioning, provision, waitFor } from './support';

// A real ejabberd 23.01 node per instance, without epmd, run as nobody:nogroup when the tests run as root.
const RANGE = { first: 25400, last: 25599 };
const driver = new EjabberdDriver();
const runtime = new ProcessRuntime({ stopTimeoutMs: 15_000 });
let base: Awaited<ReturnType<typeof makeBaseDir>>;

describe('ejabberd instances on the process runtime', () => {
  let family: InstanceContext;
  const login = (username: string, password: string) => ({ port: family.spec.ports.client, domain: family.spec.domain, username, password });

  before(async () => {
    const detection = await driver.detect();
    assert.ok(detection.available, `ejabberd is needed for these tests: ${detection.installHint} ${detection.problems?.join('; ')}`);
    base = await makeBaseDir('ejabberd');
    const ports = await allocatePorts(
      driver.portNames.map((port) => ({ name: port.name, host: '127.0.0.1' })),
      { taken: new Set(), range: RANGE },
    );
    const spec: InstanceSpec = { id: 'family-e', kind: 'ejabberd', domain: 'family.test', bindAddress: '127.0.0.1', dir: join(base.dir, 'family-e'), ports, settings: {} };
    family = { spec, runtime, secrets: generateSecrets(driver) };
  });

  after(async () => {
    await runtime.destroy(family.spec).catch(() => undefined);
    await base.remove();
  });

  test('detect() finds ejabberd 23.01', async () => {
    const detection = await driver.detect();
    assert.match(detection.version ?? '', /^23\.01/);
    assert.equal(detection.binary, '/usr/sbin/ejabberdctl');
  });

  test('render() puts no secret in argv and binds admin ports to loopback', async () => {
    const rendered = await driver.render(family.spec, family.secrets);
    const argv = [rendered.process.command, ...rendered.process.args].join(' ');
    for (const secret of Object.values(family.secrets)) assert.ok(!argv.includes(secret), 'a secret in argv');
    const config = rendered.files.find((file) => file.path === EJABBERD_PATHS.config);
    assert.ok(config && 'content' in config);
    const text = String(config.content);
    assert.ok(!text.includes(family.secrets.adminPassword), 'the admin password is not in the config');
    assert.match(text, /hide_sensitive_log_data: true/);
    assert.match(text, new RegExp(`port: ${family.spec.ports.http}\\n\\s+ip: "127\\.0\\.0\\.1"`));
    assert.match(text, /"Hearth admin account":\n\s+from: \["mod_http_api"\]\n\s+who:\n\s+user: "hearth-admin@family\.test"\n\s+what: "\*"/);
    const ctl = rendered.files.find((file) => file.path === EJABBERD_PATHS.ctl);
    assert.ok(ctl && 'content' in ctl);
    assert.match(String(ctl.content), /^INSTALLUSER=$/m);
    assert.match(String(ctl.content), /as_current_user\) \$HEARTH_EXEC "\$@" ;;/);
  });

  test('provisioning starts a healthy node without epmd, as an unprivileged user, on loopback', async (t) => {
    const rendered = await driver.render(family.spec, family.secrets);
    await runtime.writeFiles(family.spec, rendered.files);
    await driver.prepare(family);
    const started = performance.now();
    await runtime.start({ ...family.spec, process: rendered.process });
    const probe = await waitHealthy(driver, family, { timeoutMs: 30_000 });
    const readyMs = Math.round(performance.now() - started);
    t.diagnostic(`ejabberd healthy ${readyMs} ms after start`);
    assert.ok(probe.ok, JSON.stringify(probe));
    assert.match(probe.version ?? '', /^23\.01/);
    await driver.bootstrap(family);
    await driver.bootstrap(family); // idempotent: resets the password to the same secret

    const status = await runtime.status(family.spec);
    const cmdline = (await readFile(`/proc/${status.pid}/cmdline`, 'utf8')).split('\0');
    assert.match(cmdline[0], /beam\.smp$/, `the runtime's pid is the Erlang VM itself (ready in ${readyMs} ms)`);
    assert.ok(cmdline.includes('-start_epmd') && cmdline[cmdline.indexOf('-start_epmd') + 1] === 'false');
    if (process.getuid?.() === 0) assert.match(await readFile(`/proc/${status.pid}/status`, 'utf8'), /^Uid:\s+65534\s/m);
    for (const name of ['client', 'http', 'dist']) {
      assert.deepEqual(await listeningAddresses(family.spec.ports[name]), ['127.0.0.1'], `${name} port on loopback only`);
    }
    const c2s = await probeClientPort('127.0.0.1', family.spec.ports.client, family.spec.domain, 2_000);
    assert.deepEqual(c2s.features, { mechanisms: ['SCRAM-SHA-1'], starttls: 'none' });
    const cookie = await stat(join(family.spec.dir, EJABBERD_PATHS.cookie));
    assert.equal(cookie.mode & 0o777, 0o400);
  });

  test('a user created through the driver logs in with an XMPP client; sessions are listed', async () => {
    await driver.createUser(family, 'alice', 'correct horse ü "battery"');
    let sessions: Awaited<ReturnType<typeof driver.listSessions>> = [];
    await loginAndEcho(login('alice', 'correct horse ü "battery"'), async () => {
      sessions = await driver.listSessions(family);
    });
    assert.deepEqual(sessions.map((session) => session.jid), ['alice@family.test/test']);
    await assert.rejects(driver.createUser(family, 'alice', 'other'), { code: 'user/exists' });
    await assert.rejects(driver.createUser(family, HEARTH_ADMIN_USER, 'x'), { code: 'user/reserved' });
  });

  test('only Hearth\'s admin account may use the API, and it cannot log in as a chat user', async () => {
    const asAlice = new EjabberdHttpApi(family.spec.ports.http, { jid: 'alice@family.test', password: 'correct horse ü "battery"' });
    await assert.rejects(asAlice.call('registered_users', { host: 'family.test' }), { httpStatus: 403 });
    const anonymous = new EjabberdHttpApi(family.spec.ports.http);
    await assert.rejects(anonymous.call('registered_users', { host: 'family.test' }), { httpStatus: 403 });
    const wrong = new EjabberdHttpApi(family.spec.ports.http, { jid: `${HEARTH_ADMIN_USER}@family.test`, password: 'wrong' });
    await assert.rejects(wrong.call('registered_users', { host: 'family.test' }), { httpStatus: 401 });
    assert.ok(await loginFails(login(HEARTH_ADMIN_USER, family.secrets.adminPassword)));
  });

  test('listUsers includes the new user and not Hearth\'s account', async () => {
    await driver.createUser(family, 'bob', 'bob-password');
    assert.deepEqual(await driver.listUsers(family), ['alice', 'bob']);
  });

  test('a second node with a self-signed certificate runs beside the first, users apart', async () => {
    const ports = await allocatePorts(
      driver.portNames.map((port) => ({ name: port.name, host: '127.0.0.1' })),
      { taken: new Set(Object.values(family.spec.ports)), range: RANGE },
    );
    const club: InstanceContext = {
      spec: { id: 'club-e', kind: 'ejabberd', domain: 'club.test', bindAddress: '127.0.0.1', dir: join(base.dir, 'club-e'), ports, settings: { tls: { mode: 'self-signed' } } },
      runtime,
      secrets: generateSecrets(driver),
    };
    try {
      await provision(driver, club);
      const c2s = await probeClientPort('127.0.0.1', club.spec.ports.client, club.spec.domain, 2_000);
      assert.equal(c2s.features?.starttls, 'required');
      await driver.createUser(club, 'carol', 'carol-password');
      assert.deepEqual(await driver.listUsers(club), ['carol']);
      assert.deepEqual(await driver.listUsers(family), ['alice', 'bob']);
      // Each node only accepts its own admin account.
      const crossed = new EjabberdHttpApi(club.spec.ports.http, { jid: `${HEARTH_ADMIN_USER}@family.test`, password: family.secrets.adminPassword });
      await assert.rejects(crossed.call('registered_users', { host: 'club.test' }), { httpStatus: 401 });
    } finally {
      await runtime.destroy(club.spec);
    }
    assert.deepEqual(await processesMentioning(club.spec.dir), []);
    assert.ok((await driver.probe(family.spec)).ok);
  });

  test('after a password change the old password fails and the new one works', async () => {
    await driver.changePassword(family, 'alice', 'new secret');
    assert.equal(await loginFails(login('alice', 'correct horse ü "battery"')), 'not-authorized');
    await loginAndEcho(login('alice', 'new secret'));
    await assert.rejects(driver.changePassword(family, 'nobody-here', 'x'), { code: 'user/not_found' });
  });

  test('deleteUser removes the account and is safe to repeat; retention runs', async () => {
    assert.equal(await driver.deleteUser(family, 'bob'), true);
    assert.equal(await driver.deleteUser(family, 'bob'), false);
    assert.deepEqual(await driver.listUsers(family), ['alice']);
    await driver.enforceRetention(family);
  });

  test('the instance\'s own ejabberdctl talks to the node over its distribution port', async () => {
    const result = await driver.ctl(family, ['status']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /is running in that node/);
  });

  test('a restarted Hearth (a new runtime object) finds the same process and starts no duplicate', async () => {
    const before = await runtime.status(family.spec);
    const restarted = new ProcessRuntime();
    const found = await restarted.status(family.spec);
    assert.equal(found.state, 'running');
    assert.equal(found.pid, before.pid);
    const rendered = await driver.render(family.spec, family.secrets);
    assert.equal((await restarted.start({ ...family.spec, process: rendered.process })).pid, before.pid);
    // The VM and erl_child_setup, which calls setsid and so leaves the process group.
    assert.ok((await restarted.processes(family.spec)).length >= 2);
  });

  test('after kill -9 status() says stopped, and a new start brings the data back', async () => {
    const { pid } = await runtime.status(family.spec);
    process.kill(pid!, 'SIGKILL');
    await waitFor(async () => (await runtime.status(family.spec)).state === 'stopped', 5_000, 'the killed node to be seen as stopped');
    const rendered = await driver.render(family.spec, family.secrets);
    await runtime.start({ ...family.spec, process: rendered.process });
    await waitHealthy(driver, family, { timeoutMs: 30_000 });
    // Whatever the killed VM left behind is gone: every process in the directory is the new node's.
    const current = await runtime.processes(family.spec);
    for (const line of await processesMentioning(family.spec.dir)) assert.ok(current.includes(Number(line.split(':')[0])), `left over: ${line}`);
    assert.deepEqual(await driver.listUsers(family), ['alice']);
    await loginAndEcho(login('alice', 'new secret'));
  });

  test('stop() is graceful and leaves no process behind; the directory can be removed', async () => {
    const { pid } = await runtime.status(family.spec);
    const result = await runtime.stop(family.spec);
    assert.deepEqual(result, { wasRunning: true, forced: false });
    assert.equal(isAlive(pid!), false);
    assert.equal((await runtime.status(family.spec)).state, 'stopped');
    assert.match((await runtime.readLogTail(family.spec, 30)).join('\n'), /is stopped in the node/);
    assert.deepEqual(await processesMentioning(family.spec.dir), []);
    const logs = await allLogs(family.spec.dir);
    assert.ok(logs.length > 0);
    for (const secret of ['correct horse', 'new secret', 'bob-password', family.secrets.adminPassword, family.secrets.erlangCookie]) assert.ok(!logs.includes(secret), 'a password in the logs');
    // Listeners may name their own address; a client's address and port must not show up (Hearth's own API calls aside).
    const clientAddresses = logs.split('\n').filter((line) => /127\.0\.0\.1\]?:(3[3-9]\d{3}|[4-6]\d{4})\b/.test(line) && !/API call|\] from 127/.test(line));
    assert.deepEqual(clientAddresses, [], 'client addresses in the logs');
    await runtime.destroy(family.spec);
    await assert.rejects(stat(family.spec.dir), { code: 'ENOENT' });
  });
});
