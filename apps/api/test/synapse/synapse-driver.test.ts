import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DriverError, type InstanceContext, type InstanceSpec } from '../../src/drivers/driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { SYNAPSE_PATHS, baseUrlOf } from '../../src/drivers/synapse/synapse.config';
import { SynapseDriver } from '../../src/drivers/synapse/synapse.driver';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { allocatePorts } from '../../src/runtimes/ports';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { DebianRootfs, mountPointsUnder } from '../../src/runtimes/rootfs/debian-rootfs';
import { isAlive, listeningAddresses, makeBaseDir, waitFor } from '../instances/support';
import { ensureSynapseRootfs, rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { RELAXED_LOGIN_LIMITS, matrixLogin, whoami } from './matrix-client';

// Real Synapse from Debian sid's matrix-synapse, in the shared cached root filesystem, run by the
// process runtime in a private mount namespace as the instance's own uid.
const RANGE = { first: 26700, last: 26799 };
const driver = new SynapseDriver(new DebianRootfs({ store: testVersionStore() }));
const runtime = new ProcessRuntime({ stopTimeoutMs: 15_000 });
const taken = new Set<number>();
const skip = rootfsSkipReason;

async function newInstance(id: string, domain: string, uid: number): Promise<InstanceContext> {
  const ports = await allocatePorts([{ name: 'client', host: '127.0.0.1' }], { taken, range: RANGE });
  for (const port of Object.values(ports)) taken.add(port);
  const spec: InstanceSpec = { id, kind: 'synapse', domain, bindAddress: '127.0.0.1', dir: join(base.dir, id), uid, ports, settings: {} };
  return { spec, runtime, secrets: generateSecrets(driver) };
}

async function bringUp(context: InstanceContext): Promise<InstanceContext> {
  const rendered = await driver.render(context.spec, context.secrets);
  await runtime.writeFiles(context.spec, rendered.files);
  const own = join(context.spec.dir, SYNAPSE_PATHS.operatorConfig);
  await writeFile(own, `${await readFile(own, 'utf8')}${RELAXED_LOGIN_LIMITS}`);
  await runtime.start({ ...context.spec, process: rendered.process });
  await waitHealthy(driver, context, { timeoutMs: 90_000 });
  const obtained = await driver.bootstrap(context);
  return { ...context, secrets: { ...context.secrets, ...(obtained ?? {}) } };
}

let base: Awaited<ReturnType<typeof makeBaseDir>>;

describe('Synapse on the process runtime', { skip, timeout: 20 * 60_000 }, () => {
  let family: InstanceContext;
  let url: string;

  before(async () => {
    await ensureSynapseRootfs();
    base = await makeBaseDir('synapse');
    family = await bringUp(await newInstance('family', 'family.test', 2_100_001));
    url = baseUrlOf(family.spec);
  });

  after(async () => {
    if (family) await runtime.destroy(family.spec).catch(() => undefined);
    await base?.remove();
  });

  test('runs healthy, as its own uid, on loopback only, with no mount left on the host', async () => {
    const probe = await driver.probe(family.spec);
    assert.ok(probe.ok, JSON.stringify(probe.checks));
    assert.match(probe.version ?? '', /^1\.\d+\.\d+/);
    assert.deepEqual(probe.checks.map((check) => check.name), ['health', 'client-api', 'admin-api']);
    const { pid } = await runtime.status(family.spec);
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+2100001\s/m, 'Synapse runs as the instance uid');
    assert.match(await readFile(`/proc/${pid}/cmdline`, 'utf8'), /synapse\.app\.homeserver/, 'the recorded pid is Synapse itself');
    assert.deepEqual(await listeningAddresses(family.spec.ports.client), ['127.0.0.1']);
    const rootfs = join((await new DebianRootfs({ store: testVersionStore() }).find({ name: 'synapse', suite: 'sid', packages: ['matrix-synapse'] }))!.rootfs);
    assert.deepEqual(await mountPointsUnder(rootfs), [], "the instance's mounts live in its own namespace only");
  });

  test('Hearth’s configuration keeps little and wins; the operator’s file survives a rewrite', async () => {
    const hearth = await readFile(join(family.spec.dir, SYNAPSE_PATHS.hearthConfig), 'utf8');
    for (const line of ['registration_requires_token: true', 'report_stats: false', 'trusted_key_servers: []', 'url_preview_enabled: false']) assert.ok(hearth.includes(line), line);
    const own = join(family.spec.dir, SYNAPSE_PATHS.operatorConfig);
    await writeFile(own, `${await readFile(own, 'utf8')}# the operator's note\n`);
    await runtime.writeFiles(family.spec, (await driver.render(family.spec, family.secrets)).files);
    assert.match(await readFile(own, 'utf8'), /the operator's note/);
  });

  test('bootstrap made Hearth an admin token, and keeps it while it works', async () => {
    assert.ok(family.secrets.admin_token);
    assert.equal(await whoami(url, family.secrets.admin_token), 200);
    assert.equal(await driver.bootstrap(family), undefined, 'a working token is kept');
  });

  test('users: create, log in, change the password, list, sessions, erase', async () => {
    await driver.createUser(family, 'grandma', 'first-password-1');
    assert.equal((await matrixLogin(url, 'grandma', 'first-password-1')).status, 200);
    await assert.rejects(driver.createUser(family, 'grandma', 'x'), { code: 'user/exists' });
    await assert.rejects(driver.createUser(family, 'Grandma!', 'x'), { code: 'user/invalid' });
    await assert.rejects(driver.createUser(family, 'hearth-admin', 'x'), { code: 'user/reserved' });
    assert.deepEqual(await driver.listUsers(family), ['grandma']);
    const sessions = await driver.listSessions(family);
    assert.ok(sessions.some((session) => session.jid.startsWith('@grandma:family.test/')), JSON.stringify(sessions));

    await driver.changePassword(family, 'grandma', 'second-password-2');
    assert.equal((await matrixLogin(url, 'grandma', 'first-password-1')).status, 403);
    assert.equal((await matrixLogin(url, 'grandma', 'second-password-2')).status, 200);
    await assert.rejects(driver.changePassword(family, 'nobody', 'x'), { code: 'user/not_found' });

    assert.equal(await driver.deleteUser(family, 'grandma'), true);
    assert.equal((await matrixLogin(url, 'grandma', 'second-password-2')).status, 403);
    assert.equal(await driver.deleteUser(family, 'grandma'), false, 'a second delete finds nothing to do');
    assert.deepEqual(await driver.listUsers(family), []);
  });

  test('nobody signs up without a registration token; a token allows exactly its uses', async () => {
    const register = (body: Record<string, unknown>) =>
      fetch(new URL('/_matrix/client/v3/register', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
    const open = await register({ username: 'stranger', password: 'stranger-password-1', auth: { type: 'm.login.dummy' } });
    assert.equal(open.status, 401);
    assert.ok(open.body.flows.every((flow: { stages: string[] }) => flow.stages.includes('m.login.registration_token')), JSON.stringify(open.body.flows));

    const token = await driver.createRegistrationToken(family, { usesAllowed: 1, expiresAt: new Date(Date.now() + 3600_000) });
    assert.equal(token.usesAllowed, 1);
    // What a Matrix app does: start, give the token, then finish the flow's last (dummy) stage.
    const signUp = async (username: string) => {
      const password = `${username}-password-1`;
      const { session } = (await register({ username, password })).body;
      const withToken = await register({ username, password, auth: { type: 'm.login.registration_token', token: token.token, session } });
      return withToken.status === 200 ? withToken : register({ username, password, auth: { type: 'm.login.dummy', session } });
    };
    const joined = await signUp('niece');
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal(joined.body.user_id, '@niece:family.test');
    assert.notEqual((await signUp('another')).status, 200, 'the token is used up');
    assert.deepEqual((await driver.listRegistrationTokens(family)).map((t) => [t.usesAllowed, t.completed]), [[1, 1]]);
    await driver.deleteRegistrationToken(family, token.token);
    await assert.rejects(driver.deleteRegistrationToken(family, token.token), { code: 'token/not_found' });
    assert.ok(!(await driver.listUsers(family)).includes('stranger'));
  });

  test('rotating the admin token logs the old one out', async () => {
    const rotated = await driver.rotateAdminCredentials(family);
    assert.notEqual(rotated.admin_token, family.secrets.admin_token);
    assert.equal(await whoami(url, family.secrets.admin_token!), 401);
    assert.equal(await whoami(url, rotated.admin_token!), 200);
    family = { ...family, secrets: { ...family.secrets, ...rotated } };
  });

  describe('adopting a Synapse that Hearth did not start', () => {
    test('with an admin token: its domain, version and the whole Admin API', async () => {
      const adoption = await driver.adopt(url, { accessToken: family.secrets.admin_token });
      assert.equal(adoption.domain, 'family.test');
      assert.match(adoption.version ?? '', /^1\.\d+/);
      // Everything the Admin API offers; server notices and the federation policy can't be probed with a harmless GET.
      const probeable = [...driver.capabilities].filter((c) => c !== 'server-notices' && c !== 'federation.policy');
      assert.deepEqual([...adoption.capabilities].sort(), probeable.sort());
    });

    test('clear errors: unreachable, not Matrix, bad token, non-admin token, taken shared-secret account', async () => {
      const closed = (await allocatePorts([{ name: 'x', host: '127.0.0.1' }], { taken, range: RANGE })).x;
      await assert.rejects(driver.adopt(`http://127.0.0.1:${closed}`, { accessToken: 'x' }), (error: DriverError) => error.code === 'adopt/unreachable' && /ECONNREFUSED/.test(error.message));

      const other = createServer((_req, res) => res.writeHead(404).end('not here'));
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      try {
        await assert.rejects(driver.adopt(`http://127.0.0.1:${(other.address() as AddressInfo).port}`, { accessToken: 'x' }), { code: 'adopt/not_this_kind' });
      } finally {
        other.close();
      }

      await assert.rejects(driver.adopt(url, { accessToken: 'syt_not_a_token' }), { code: 'adopt/credentials_rejected' });
      await driver.createUser(family, 'cousin', 'cousin-password-1');
      const cousin = await matrixLogin(url, 'cousin', 'cousin-password-1');
      await assert.rejects(driver.adopt(url, { accessToken: cousin.token }), (error: DriverError) => error.code === 'adopt/not_admin' && /not a server admin/.test(error.message));
      await assert.rejects(driver.adopt(url, { sharedSecret: 'wrong' }), { code: 'adopt/credentials_rejected' });
      await assert.rejects(driver.adopt(url, { sharedSecret: family.secrets.registration_shared_secret }), (error: DriverError) => /exists on the server already/.test(error.message));
    });
  });

  test('stops cleanly: the process is gone and the port is free', async () => {
    const { pid } = await runtime.status(family.spec);
    assert.ok(pid);
    const stopped = await runtime.stop(family.spec);
    assert.equal(stopped.wasRunning, true);
    assert.equal(stopped.forced, false, 'Synapse stops on SIGTERM');
    await waitFor(() => !isAlive(pid), 5_000, 'Synapse to exit');
    assert.deepEqual(await listeningAddresses(family.spec.ports.client), []);
  });
});
