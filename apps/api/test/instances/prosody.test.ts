import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { type InstanceContext, type InstanceSpec } from '../../src/drivers/driver';
import { PROSODY_PATHS } from '../../src/drivers/prosody/prosody.config';
import { ProsodyDriver } from '../../src/drivers/prosody/prosody.driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { probeClientPort } from '../../src/drivers/xmpp-probe';
import { allocatePorts } from '../../src/runtimes/ports';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { allLogs, isAlive, listeningAddresses, loginAndEcho, loginFails, makeBaseDir, processesMentioning, provision, waitFor } from './support';

// Real Prosody 0.12 processes, run by the process runtime as nobody:nogroup (or an instance's own
// uid) when the tests run as root.
const execFileAsync = promisify(execFile);
const RANGE = { first: 25200, last: 25399 };
const driver = new ProsodyDriver();
const runtime = new ProcessRuntime({ stopTimeoutMs: 10_000 });
const taken = new Set<number>();
let base: Awaited<ReturnType<typeof makeBaseDir>>;

async function newInstance(id: string, domain: string, settings: InstanceSpec['settings'] = {}, uid?: number): Promise<InstanceContext> {
  const ports = await allocatePorts(
    driver.portNames.map((port) => ({ name: port.name, host: '127.0.0.1' })),
    { taken, range: RANGE },
  );
  for (const port of Object.values(ports)) taken.add(port);
  const spec: InstanceSpec = { id, kind: 'prosody', domain, bindAddress: '127.0.0.1', dir: join(base.dir, id), uid, ports, settings };
  return { spec, runtime, secrets: generateSecrets(driver) };
}

describe('Prosody instances on the process runtime', () => {
  let family: InstanceContext;
  const login = (username: string, password: string) => ({ port: family.spec.ports.client, domain: family.spec.domain, username, password });

  before(async () => {
    const detection = await driver.detect();
    assert.ok(detection.available, `Prosody is needed for these tests: ${detection.installHint} ${detection.problems?.join('; ')}`);
    base = await makeBaseDir('prosody');
    family = await newInstance('family', 'family.test');
  });

  after(async () => {
    await runtime.destroy(family.spec).catch(() => undefined);
    await base.remove();
  });

  test('detect() finds Prosody 0.12 and its SQLite driver', async () => {
    const detection = await driver.detect();
    assert.match(detection.version ?? '', /^0\.12\./);
    assert.equal(detection.binary, '/usr/bin/prosody');
  });

  test('render() keeps everything inside the instance directory and on loopback', async () => {
    const rendered = await driver.render(family.spec, family.secrets);
    const config = rendered.files.find((file) => file.path === PROSODY_PATHS.config);
    assert.ok(config && 'content' in config);
    const text = String(config.content);
    for (const expected of [
      `data_path = "${family.spec.dir}/data"`,
      `c2s_ports = { ${family.spec.ports.client} }`,
      'c2s_interfaces = { "127.0.0.1" }',
      'http_interfaces = { "127.0.0.1" }',
      's2s_ports = {}',
      'https_ports = {}',
      'storage = "sql"',
      'archive_expires_after = "7d"',
      'authentication = "internal_hashed"',
      'allow_unencrypted_plain_auth = false',
      'VirtualHost "family.test"',
    ]) {
      assert.ok(text.includes(expected), `config lacks ${expected}:\n${text}`);
    }
    assert.deepEqual(rendered.process.args, ['--config', join(family.spec.dir, PROSODY_PATHS.config), '-F']);
  });

  test('provisioning starts a healthy server as an unprivileged user, bound to loopback only', async (t) => {
    t.diagnostic(`Prosody healthy ${await provision(driver, family)} ms after start (the runtime watches 300 ms for an early exit)`);
    const status = await runtime.status(family.spec);
    assert.equal(status.state, 'running');
    const probe = await driver.probe(family.spec);
    assert.ok(probe.ok, JSON.stringify(probe));
    assert.match(probe.version ?? '', /^0\.12\./);
    assert.deepEqual(probe.checks.map((check) => check.name), ['c2s', 'admin-socket', 'http']);
    // Without TLS only SCRAM is offered: no password crosses the socket.
    const c2s = await probeClientPort('127.0.0.1', family.spec.ports.client, family.spec.domain, 2_000);
    assert.deepEqual(c2s.features, { mechanisms: ['SCRAM-SHA-1'], starttls: 'none' });

    const procStatus = await readFile(`/proc/${status.pid}/status`, 'utf8');
    if (process.getuid?.() === 0) assert.match(procStatus, /^Uid:\s+65534\s/m, 'runs as nobody');
    const stat = await readFile(`/proc/${status.pid}/stat`, 'utf8');
    const [, , pgid, sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(pgid), status.pid, 'its own process group');
    assert.equal(Number(sid), status.pid, 'its own session');

    assert.deepEqual(await listeningAddresses(family.spec.ports.client), ['127.0.0.1']);
    assert.deepEqual(await listeningAddresses(family.spec.ports.http), ['127.0.0.1']);
    assert.deepEqual(await listeningAddresses(5269), [], 'no s2s listener');
    assert.match((await runtime.readLogTail(family.spec, 200)).join('\n'), /Hello and welcome to Prosody version 0\.12/);
  });

  test('a user created through the driver logs in with an XMPP client; sessions are listed', async () => {
    await driver.createUser(family, 'alice', 'correct horse ü "battery"');
    let sessions: Awaited<ReturnType<typeof driver.listSessions>> = [];
    await loginAndEcho(login('alice', 'correct horse ü "battery"'), async () => {
      sessions = await driver.listSessions(family);
    });
    assert.deepEqual(sessions.map((session) => session.jid), ['alice@family.test/test']);
    await assert.rejects(driver.createUser(family, 'alice', 'other'), { code: 'user/exists' });
    await driver.createUser(family, 'alice', 'correct horse ü "battery"', { ifExists: 'set-password' });
    await assert.rejects(driver.createUser(family, 'Alice', 'x'), { code: 'user/invalid' });
    await assert.rejects(driver.createUser(family, 'a@b', 'x'), { code: 'user/invalid' });
  });

  test('listUsers includes the new user', async () => {
    await driver.createUser(family, 'bob', 'bob-password');
    assert.deepEqual(await driver.listUsers(family), ['alice', 'bob']);
  });

  test('after a password change the old password fails and the new one works', async () => {
    await driver.changePassword(family, 'alice', 'new secret');
    assert.equal(await loginFails(login('alice', 'correct horse ü "battery"')), 'not-authorized');
    await loginAndEcho(login('alice', 'new secret'));
    await assert.rejects(driver.changePassword(family, 'nobody-here', 'x'), { code: 'user/not_found' });
  });

  test('deleteUser removes the account and is safe to repeat', async () => {
    assert.equal(await driver.deleteUser(family, 'bob'), true);
    assert.equal(await driver.deleteUser(family, 'bob'), false);
    assert.deepEqual(await driver.listUsers(family), ['alice']);
    assert.equal(await loginFails(login('bob', 'bob-password')), 'not-authorized');
  });

  test('two instances side by side keep their users, files and ports apart', async () => {
    const club = await newInstance('club', 'club.test', {
      tls: { mode: 'self-signed' },
      messageRetentionDays: 0,
      fileShare: { externalUrl: 'https://upload.club.test/', retentionDays: 1 },
    });
    try {
      await provision(driver, club);
      // The self-signed certificate is there, owned by the instance, and STARTTLS is now required.
      const key = await stat(join(club.spec.dir, 'certs', 'club.test.key'));
      if (process.getuid?.() === 0) assert.equal(key.uid, 65534);
      const c2s = await probeClientPort('127.0.0.1', club.spec.ports.client, club.spec.domain, 2_000);
      assert.equal(c2s.features?.starttls, 'required');

      await driver.createUser(club, 'carol', 'carol-password');
      assert.deepEqual(await driver.listUsers(club), ['carol']);
      assert.deepEqual(await driver.listUsers(family), ['alice']);
      const familyPid = (await runtime.status(family.spec)).pid;
      const clubPid = (await runtime.status(club.spec)).pid;
      assert.notEqual(familyPid, clubPid);

      await runtime.stop(club.spec);
      assert.equal((await runtime.status(club.spec)).state, 'stopped');
      assert.ok((await driver.probe(family.spec)).ok, 'stopping one instance leaves the other running');
      assert.equal((await driver.probe(club.spec, { timeoutMs: 500 })).ok, false);
    } finally {
      await runtime.destroy(club.spec);
    }
    assert.deepEqual(await processesMentioning(club.spec.dir), []);
  });

  test('instances with uids of their own run as those uids and cannot read each other\'s data', async (t) => {
    // Ids without a passwd entry, as Hearth gives them (HEARTH_INSTANCE_UID_BASE + Instance.runAsId).
    const uidA = 2_900_001;
    const uidB = 2_900_002;
    const a = await newInstance('own-a', 'own-a.test', {}, uidA);
    const b = await newInstance('own-b', 'own-b.test', {}, uidB);
    try {
      await provision(driver, a);
      await provision(driver, b);
      await driver.createUser(a, 'anna', 'anna-password');
      await driver.createUser(b, 'bert', 'bert-password');
      assert.deepEqual(await driver.listUsers(a), ['anna']);
      assert.deepEqual(await driver.listUsers(b), ['bert']);
      if (process.getuid?.() !== 0) {
        t.skip('not root: every instance runs as this user');
        return;
      }
      for (const [context, uid] of [[a, uidA], [b, uidB]] as const) {
        const pid = (await runtime.status(context.spec)).pid!;
        const procStatus = await readFile(`/proc/${pid}/status`, 'utf8');
        assert.match(procStatus, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'), `${context.spec.id} runs as ${uid}`);
        assert.match(procStatus, new RegExp(`^Gid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
        assert.match(procStatus, /^Groups:\s*$/m, 'no supplementary groups');
        const database = await stat(join(context.spec.dir, PROSODY_PATHS.data, 'prosody.sqlite'));
        assert.deepEqual([database.uid, database.gid], [uid, uid], 'its data belongs to its uid');
        // The logs route reads the server's own files as the instance's uid.
        const whoami = await runtime.exec(context.spec, 'id', ['-u']);
        assert.equal(whoami.stdout.trim(), String(uid));
      }
      // As A's uid, B's data (database and directory) is out of reach; B's own uid reads it.
      const asUid = (uid: number, ...command: string[]) =>
        execFileAsync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...command]).then(
          (result) => ({ code: 0, stderr: result.stderr }),
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
      const bData = join(b.spec.dir, PROSODY_PATHS.data);
      for (const command of [['cat', join(bData, 'prosody.sqlite')], ['ls', bData], ['cat', join(b.spec.dir, PROSODY_PATHS.config)]]) {
        const denied = await asUid(uidA, ...command);
        assert.notEqual(denied.code, 0, `${command.join(' ')} as A`);
        assert.match(denied.stderr, /Permission denied/, `${command.join(' ')} as A`);
      }
      assert.equal((await asUid(uidB, 'cat', join(bData, 'prosody.sqlite'))).code, 0, 'B reads its own database');
      assert.match((await asUid(uidB, 'cat', join(a.spec.dir, PROSODY_PATHS.data, 'prosody.sqlite'))).stderr, /Permission denied/);
      // Nor can A's uid signal B's server.
      const killed = await asUid(uidA, 'kill', '-0', String((await runtime.status(b.spec)).pid));
      assert.notEqual(killed.code, 0);
    } finally {
      await runtime.destroy(a.spec);
      await runtime.destroy(b.spec);
    }
    assert.deepEqual(await processesMentioning(a.spec.dir), []);
    assert.deepEqual(await processesMentioning(b.spec.dir), []);
  });

  test('a restarted Hearth (a new runtime object) finds the same process and starts no duplicate', async () => {
    const before = await runtime.status(family.spec);
    const restarted = new ProcessRuntime();
    const found = await restarted.status(family.spec);
    assert.equal(found.state, 'running');
    assert.equal(found.pid, before.pid);
    assert.equal(found.startedAt?.getTime(), before.startedAt?.getTime());
    const rendered = await driver.render(family.spec, family.secrets);
    const again = await restarted.start({ ...family.spec, process: rendered.process });
    assert.equal(again.pid, before.pid);
    assert.deepEqual(await restarted.processes(family.spec), [before.pid]);
  });

  test('after kill -9 status() says stopped, and a new start brings the data back', async () => {
    const { pid } = await runtime.status(family.spec);
    process.kill(pid!, 'SIGKILL');
    await waitFor(async () => (await runtime.status(family.spec)).state === 'stopped', 5_000, 'the killed server to be seen as stopped');
    const rendered = await driver.render(family.spec, family.secrets);
    const restarted = await runtime.start({ ...family.spec, process: rendered.process });
    assert.notEqual(restarted.pid, pid);
    await waitHealthy(driver, family, { timeoutMs: 15_000 });
    assert.deepEqual(await driver.listUsers(family), ['alice']);
    await loginAndEcho(login('alice', 'new secret'));
  });

  test('stop() is graceful and leaves no process behind; the directory can be removed', async () => {
    const { pid } = await runtime.status(family.spec);
    const result = await runtime.stop(family.spec);
    assert.deepEqual(result, { wasRunning: true, forced: false });
    assert.equal(isAlive(pid!), false);
    assert.equal((await runtime.status(family.spec)).state, 'stopped');
    assert.match((await runtime.readLogTail(family.spec, 20)).join('\n'), /Shutdown complete/);
    assert.deepEqual(await processesMentioning(family.spec.dir), []);
    const logs = await allLogs(family.spec.dir);
    assert.ok(logs.length > 0);
    for (const secret of ['correct horse', 'new secret', 'bob-password', 'carol-password']) assert.ok(!logs.includes(secret), 'a password in the logs');
    // Listeners may name their own address; a client's address and port must not show up (Hearth's own API calls aside).
    const clientAddresses = logs.split('\n').filter((line) => /127\.0\.0\.1\]?:(3[3-9]\d{3}|[4-6]\d{4})\b/.test(line) && !/API call|\] from 127/.test(line));
    assert.deepEqual(clientAddresses, [], 'client addresses in the logs');
    assert.deepEqual(await runtime.stop(family.spec), { wasRunning: false, forced: false }, 'stop is idempotent');
    await runtime.destroy(family.spec);
    await assert.rejects(stat(family.spec.dir), { code: 'ENOENT' });
  });
});
