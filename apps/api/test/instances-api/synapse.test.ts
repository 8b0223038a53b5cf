import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from 'pg';
import type { Instance } from '@hearth/contracts';
import type { InstanceContext } from '../../src/drivers/driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { SYNAPSE_PATHS, baseUrlOf } from '../../src/drivers/synapse/synapse.config';
import { SynapseDriver } from '../../src/drivers/synapse/synapse.driver';
import { databaseNames } from '../../src/drivers/synapse/synapse-database';
import { registerWithSharedSecret } from '../../src/drivers/synapse/synapse-http';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
import { allocatePorts } from '../../src/runtimes/ports';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';
import { DebianRootfs } from '../../src/runtimes/rootfs/debian-rootfs';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { ensureSynapseRootfs, rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { isAlive, listeningAddresses, makeBaseDir } from '../instances/support';
import { RELAXED_LOGIN_LIMITS, matrixLogin, whoami } from '../synapse/matrix-client';
import { assertSucceeded, settled, startInstancesApp } from './support';

// Real Synapse (Debian sid's matrix-synapse) through the REST API: one Hearth provisions, and one
// the test starts itself, outside Hearth, for adoption.
const RANGE = { first: 26600, last: 26699 };
const BRING_UP = ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health'];

describe('Synapse through the REST API', { skip: rootfsSkipReason, timeout: 20 * 60_000 }, () => {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let moderator: string;
  let viewer: string;
  let instance: Instance;
  const password = `grandma ${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);

  before(async () => {
    await ensureSynapseRootfs();
    app = await startInstancesApp(context, `${RANGE.first}-${RANGE.last - 20}`, { HEARTH_VERSION_STORE: testVersionStore() });
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    moderator = await app.sessionFor((await app.createOperator('moderator')).id);
    viewer = await app.sessionFor((await app.createOperator('viewer')).id);
  });

  const get = async (id: string): Promise<Instance> => {
    const response = await app.http().get(`/api/instances/${id}`).set(bearer(viewer));
    assert.equal(response.status, 200, response.text);
    return response.body as Instance;
  };
  const opened = async (id: string) => app.get(HomeserverHost).context(await app.prisma.instance.findUniqueOrThrow({ where: { id } }));

  test('the host offers Synapse, to provision or to adopt', async () => {
    const response = await app.http().get('/api/instance-kinds').set(bearer(viewer));
    const synapse = response.body.find((kind: { kind: string }) => kind.kind === 'synapse');
    assert.equal(synapse.available, true, JSON.stringify(synapse));
    assert.deepEqual(synapse.runtimes, ['process', 'external']);
    assert.match(synapse.version, /^1\.\d+\.\d+$/);
  });

  test('POST /api/instances provisions a running Synapse with Hearth’s admin token sealed', async () => {
    const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name: 'matrix', kind: 'synapse', domain: 'matrix.family.test' });
    assert.equal(created.status, 202, created.text);
    assertSucceeded(await settled(app, viewer, created.body.jobId, 180_000), BRING_UP);
    instance = await get(created.body.id);
    assert.equal(instance.status, 'running', instance.statusReason ?? '');
    assert.equal(instance.managed, true);
    assert.match(instance.version ?? '', /^1\.\d+\.\d+/);
    const port = Number(instance.endpoints.client!.split(':')[1]);
    assert.equal(instance.baseUrl, `http://127.0.0.1:${port}`);
    assert.deepEqual(await listeningAddresses(port), ['127.0.0.1']);
    for (const capability of ['users.create', 'rooms', 'reports', 'registration-tokens', 'server-notices']) assert.ok(instance.capabilities.includes(capability), capability);

    const { context: synapse } = await opened(instance.id);
    assert.ok(synapse.secrets.admin_token, 'bootstrap stored a token');
    context.secrets.add(synapse.secrets.admin_token);
    const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
    assert.ok(!row.secretsEnc!.includes(synapse.secrets.admin_token), 'sealed at rest');
    assert.equal(await whoami(instance.baseUrl!, synapse.secrets.admin_token), 200);
    // Relaxed login limits for the test, the way an operator adds settings: homeserver.yaml survives restarts.
    const own = join(row.dir, SYNAPSE_PATHS.operatorConfig);
    await writeFile(own, `${await readFile(own, 'utf8')}${RELAXED_LOGIN_LIMITS}`);
  });

  test('a moderator creates an account through Hearth; the person logs in with it', async () => {
    const created = await app.http().post(`/api/instances/${instance.id}/users`).set(bearer(moderator)).send({ username: 'grandma', password });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body, { username: 'grandma' });
    assert.equal((await matrixLogin(instance.baseUrl!, 'grandma', password)).status, 200);
    const listed = await app.http().get(`/api/instances/${instance.id}/users`).set(bearer(moderator));
    assert.deepEqual(listed.body, { data: [{ username: 'grandma', admin: false, deactivated: false, lastSeenAt: null, displayName: 'grandma' }], total: 1 });

    const refused: [Record<string, unknown>, string, number, string][] = [
      [{ username: 'Grandma!', password }, moderator, 400, 'instance_user/invalid'],
      [{ username: 'grandma', password }, moderator, 409, 'instance_user/exists'],
      [{ username: 'hearth-admin', password }, moderator, 409, 'instance_user/reserved'],
      [{ username: 'cousin', password: 'short' }, moderator, 400, 'request/invalid'],
      [{ username: 'cousin', password }, viewer, 403, 'auth/forbidden'],
    ];
    for (const [body, token, status, code] of refused) {
      const response = await app.http().post(`/api/instances/${instance.id}/users`).set(bearer(token)).send(body);
      assert.equal(response.status, status, `${JSON.stringify(body)}: ${response.text}`);
      assert.equal(response.body.code, code);
      assert.ok(!response.text.includes(password), 'the password is never echoed');
    }
  });

  test('rotating the admin token is a job; the old token stops working', async () => {
    const before = (await opened(instance.id)).context.secrets.admin_token!;
    const response = await app.http().post(`/api/instances/${instance.id}/rotate-admin-token`).set(bearer(admin));
    assert.equal(response.status, 202, response.text);
    assertSucceeded(await settled(app, viewer, response.body.jobId), ['rotate']);
    const after = (await opened(instance.id)).context.secrets.admin_token!;
    context.secrets.add(after);
    assert.notEqual(after, before);
    assert.equal(await whoami(instance.baseUrl!, before), 401);
    assert.equal(await whoami(instance.baseUrl!, after), 200);
  });

  test('stop, start and destroy', async () => {
    const pidOf = async () => {
      const { context: synapse } = await opened(instance.id);
      return (await synapse.runtime.status(synapse.spec)).pid;
    };
    const first = (await pidOf())!;
    const act = async (action: string, steps: string[]) => {
      const response = await app.http().post(`/api/instances/${instance.id}/${action}`).set(bearer(admin));
      assert.equal(response.status, 202, response.text);
      assertSucceeded(await settled(app, viewer, response.body.jobId, 120_000), steps);
    };
    await act('stop', ['stop']);
    assert.equal((await get(instance.id)).status, 'stopped');
    assert.ok(!isAlive(first));
    await act('start', BRING_UP);
    assert.equal((await get(instance.id)).status, 'running');
    assert.equal((await matrixLogin(instance.baseUrl!, 'grandma', password)).status, 200, 'accounts survive a restart');
    const dir = (await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } })).dir;
    const destroyed = await app.http().delete(`/api/instances/${instance.id}`).query({ confirm: 'matrix' }).set(bearer(admin));
    assert.equal(destroyed.status, 202, destroyed.text);
    assertSucceeded(await settled(app, viewer, destroyed.body.jobId), ['stop', 'remove-files', 'delete-record']);
    assert.equal(existsSync(dir), false);
  });

  test('on PostgreSQL: Hearth creates its database and role, and drops them with the instance', async () => {
    const created = await app
      .http()
      .post('/api/instances')
      .set(bearer(admin))
      .send({ name: 'matrix-pg', kind: 'synapse', domain: 'pg.family.test', settings: { database: { engine: 'postgresql', host: '127.0.0.1', adminUser: 'postgres' } } });
    assert.equal(created.status, 202, created.text);
    assertSucceeded(await settled(app, viewer, created.body.jobId, 180_000), BRING_UP);
    const { database, role } = databaseNames(app.get(HomeserverHost).spec(await app.prisma.instance.findUniqueOrThrow({ where: { id: created.body.id } })));
    const users = await app.http().post(`/api/instances/${created.body.id}/users`).set(bearer(moderator)).send({ username: 'grandpa', password });
    assert.equal(users.status, 201, users.text);
    const synapseDb = new Client({ host: '127.0.0.1', user: 'postgres', database });
    await synapseDb.connect();
    try {
      const { rows } = await synapseDb.query<{ name: string }>('SELECT name FROM users ORDER BY name');
      assert.deepEqual(rows.map((row) => row.name), ['@grandpa:pg.family.test', '@hearth-admin:pg.family.test']);
      const { rows: owner } = await synapseDb.query<{ owner: string; collate: string }>(
        'SELECT pg_get_userbyid(datdba) AS owner, datcollate AS collate FROM pg_database WHERE datname = current_database()',
      );
      assert.deepEqual(owner, [{ owner: role, collate: 'C' }]);
    } finally {
      await synapseDb.end();
    }
    const destroyed = await app.http().delete(`/api/instances/${created.body.id}`).query({ confirm: 'matrix-pg' }).set(bearer(admin));
    assertSucceeded(await settled(app, viewer, destroyed.body.jobId), ['stop', 'remove-files', 'delete-record']);
    const server = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
    await server.connect();
    try {
      assert.equal((await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount, 0, 'database dropped');
      assert.equal((await server.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount, 0, 'role dropped');
    } finally {
      await server.end();
    }
  });

  describe('adopting a Synapse the test started itself', () => {
    const driver = new SynapseDriver(new DebianRootfs({ store: testVersionStore() }));
    const runtime = new ProcessRuntime();
    let outside: InstanceContext;
    let base: Awaited<ReturnType<typeof makeBaseDir>>;
    let url: string;
    let token: string;

    before(async () => {
      base = await makeBaseDir('adopt');
      const ports = await allocatePorts([{ name: 'client', host: '127.0.0.1' }], { taken: new Set(), range: { first: RANGE.last - 19, last: RANGE.last } });
      outside = { spec: { id: 'outside', kind: 'synapse', domain: 'outside.test', bindAddress: '127.0.0.1', dir: join(base.dir, 'outside'), uid: 2_100_050, ports, settings: {} }, runtime, secrets: generateSecrets(driver) };
      const rendered = await driver.render(outside.spec, outside.secrets);
      await runtime.writeFiles(outside.spec, rendered.files);
      await runtime.start({ ...outside.spec, process: rendered.process });
      await waitHealthy(driver, outside, { timeoutMs: 90_000 });
      url = baseUrlOf(outside.spec);
      // The server's own admin, as its operator would have made one.
      const registered = await registerWithSharedSecret(url, outside.secrets.registration_shared_secret!, { username: 'root', password: 'root-password-1', admin: true });
      assert.ok('accessToken' in registered);
      token = registered.accessToken;
      context.secrets.add(token);
    });

    after(async () => {
      await runtime.destroy(outside.spec).catch(() => undefined);
      await base?.remove();
    });

    const adopt = (body: Record<string, unknown>, as = admin) => app.http().post('/api/instances/adopt').set(bearer(as)).send(body);

    test('bad input and bad credentials get clear 4xx answers', async () => {
      const closed = (await allocatePorts([{ name: 'x', host: '127.0.0.1' }], { taken: new Set([outside.spec.ports.client]), range: { first: RANGE.last - 19, last: RANGE.last } })).x;
      const cases: [Record<string, unknown>, number, string, RegExp][] = [
        [{ baseUrl: `http://127.0.0.1:${closed}`, accessToken: token }, 422, 'instance/adopt_unreachable', /ECONNREFUSED/],
        [{ baseUrl: `${await app.app.getUrl()}/api/`, accessToken: token }, 422, 'instance/adopt_not_synapse', /does not answer as a Matrix server/],
        [{ baseUrl: url, accessToken: 'syt_wrong' }, 422, 'instance/adopt_credentials_rejected', /does not accept this access token/],
        [{ baseUrl: url, sharedSecret: 'wrong' }, 422, 'instance/adopt_credentials_rejected', /shared secret/],
        [{ baseUrl: url, accessToken: token, sharedSecret: 'x' }, 400, 'request/invalid', /either accessToken or sharedSecret/],
        [{ baseUrl: 'ftp://example.test', accessToken: token }, 400, 'request/invalid', /baseUrl/],
      ];
      for (const [body, status, code, detail] of cases) {
        const response = await adopt({ name: 'outside', kind: 'synapse', ...body });
        assert.equal(response.status, status, `${JSON.stringify(body)}: ${response.text}`);
        assert.equal(response.body.code, code);
        assert.match(response.body.detail ?? JSON.stringify(response.body.errors), detail);
        assert.ok(!response.text.includes(token), 'the token is never echoed');
      }
      const cousin = `cousin-${randomBytes(3).toString('hex')}`;
      await registerWithSharedSecret(url, outside.secrets.registration_shared_secret!, { username: cousin, password: 'cousin-password-1', admin: false });
      const notAdmin = await matrixLogin(url, cousin, 'cousin-password-1');
      context.secrets.add(notAdmin.token!);
      const refused = await adopt({ name: 'outside', kind: 'synapse', baseUrl: url, accessToken: notAdmin.token });
      assert.equal(refused.status, 422, refused.text);
      assert.equal(refused.body.code, 'instance/adopt_not_admin');
      assert.equal((await adopt({ name: 'outside', kind: 'synapse', baseUrl: url, accessToken: token }, moderator)).status, 403);
    });

    test('adopted with an admin token: watched and administered, never started or stopped', async () => {
      const response = await adopt({ name: 'outside', kind: 'synapse', baseUrl: url, accessToken: token, healthIntervalSec: 5 });
      assert.equal(response.status, 201, response.text);
      const adopted = response.body as Instance;
      assert.equal(adopted.managed, false);
      assert.equal(adopted.runtime, 'external');
      assert.equal(adopted.domain, 'outside.test');
      assert.equal(adopted.baseUrl, url);
      assert.match(adopted.version ?? '', /^1\.\d+/);
      assert.ok(adopted.capabilities.includes('users.create') && adopted.capabilities.includes('rooms'), adopted.capabilities.join());
      assert.ok(!adopted.capabilities.includes('server-notices'), 'only what the server answered');

      await waitFor('a health sample of the adopted server', async () => (await get(adopted.id)).health?.status === 'ok' || undefined, { timeoutMs: 30_000 });
      for (const action of ['start', 'stop', 'restart', 'rotate-admin-token']) {
        const refused = await app.http().post(`/api/instances/${adopted.id}/${action}`).set(bearer(admin));
        assert.equal(refused.status, 409, `${action}: ${refused.text}`);
        assert.equal(refused.body.code, 'instance/not_managed');
      }
      assert.equal((await app.http().get(`/api/instances/${adopted.id}/logs`).set(bearer(admin))).body.code, 'instance/not_managed');

      // A new token for the same server replaces the old one; one of another server is refused.
      const second = await registerWithSharedSecret(url, outside.secrets.registration_shared_secret!, { username: 'root2', password: 'root-password-2', admin: true });
      assert.ok('accessToken' in second);
      context.secrets.add(second.accessToken);
      const replaced = await app.http().put(`/api/instances/${adopted.id}/admin-token`).set(bearer(admin)).send({ accessToken: second.accessToken });
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal((await opened(adopted.id)).context.secrets.admin_token, second.accessToken);
      assert.equal((await app.http().put(`/api/instances/${adopted.id}/admin-token`).set(bearer(admin)).send({ accessToken: 'syt_wrong' })).body.code, 'instance/adopt_credentials_rejected');

      const created = await app.http().post(`/api/instances/${adopted.id}/users`).set(bearer(moderator)).send({ username: 'aunt', password });
      assert.equal(created.status, 201, created.text);
      assert.equal((await matrixLogin(url, 'aunt', password)).status, 200);

      const forgotten = await app.http().delete(`/api/instances/${adopted.id}`).query({ confirm: 'outside' }).set(bearer(admin));
      assert.equal(forgotten.status, 202, forgotten.text);
      assertSucceeded(await settled(app, viewer, forgotten.body.jobId), ['stop', 'remove-files', 'delete-record']);
      assert.equal((await runtime.status(outside.spec)).state, 'running', 'forgetting an adopted server leaves it running');
      assert.equal(await whoami(url, token), 200);
    });

    test('every change was audited, with no secret in the trail', async () => {
      await assertAuditTrailComplete(app, context);
    });
  });
});
