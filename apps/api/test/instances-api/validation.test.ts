import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Instance, InstanceKindAvailability } from '@hearth/contracts';
import { JobsService } from '../../src/jobs/jobs.service';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext } from '../support/context';

// No worker: provisioning jobs stay queued, so this file runs no server and is about what the
// API accepts. 16 ports: room for eight Prosody instances (two ports each).
const RANGE = { first: 26000, last: 26015 };
const context = useTestContext();
let app: TestApp;
let admin: string;
let viewer: string;

before(async () => {
  await chmod(context.dataDir, 0o711);
  app = await context.startApp({ HEARTH_INSTANCES_DIR: join(context.dataDir, 'instances'), HEARTH_PORT_RANGE: `${RANGE.first}-${RANGE.last}` });
  admin = await app.sessionFor((await app.createOperator('admin')).id);
  viewer = await app.sessionFor((await app.createOperator('viewer')).id);
});

const create = (body: Record<string, unknown>) => app.http().post('/api/instances').set(bearer(admin)).send(body);
const get = async (id: string): Promise<Instance> => (await app.http().get(`/api/instances/${id}`).set(bearer(viewer))).body as Instance;
const ports = (instance: Instance) => Object.values(instance.endpoints).map((endpoint) => Number(endpoint.split(':')[1]));

test('GET /api/instance-kinds lists what this host can run, with versions', async () => {
  const response = await app.http().get('/api/instance-kinds').set(bearer(viewer));
  assert.equal(response.status, 200);
  const kinds = response.body as InstanceKindAvailability[];
  assert.deepEqual(kinds.map((k) => k.kind).sort(), ['ejabberd', 'prosody', 'synapse']);
  // This console's version store is empty: Synapse is offered, to be built on first use (where the host can).
  const synapse = kinds.find((k) => k.kind === 'synapse')!;
  assert.deepEqual(synapse.runtimes, ['process', 'external']);
  assert.equal(synapse.version, null);
  if (process.getuid?.() === 0) assert.match(synapse.problems.join(), /Not installed yet/);
  for (const kind of kinds.filter((k) => k.kind !== 'synapse')) {
    assert.equal(kind.available, true, `${kind.kind}: ${kind.problems.join('; ')}`);
    assert.ok(kind.version, kind.kind);
    assert.deepEqual(kind.runtimes, ['process']);
    assert.match(kind.installHint, /apt-get install/);
  }
});

describe('POST /api/instances refuses with a code, never a 500', () => {
  const cases: [string, Record<string, unknown>, number, string, RegExp?][] = [
    ['a domain that is not one', { name: 'bad-domain', kind: 'prosody', domain: 'not a domain' }, 400, 'request/invalid', /domain/],
    ['a one-label domain', { name: 'bad-domain', kind: 'prosody', domain: 'localhost' }, 400, 'request/invalid', /domain/],
    ['an unknown kind', { name: 'matrix', kind: 'dendrite', domain: 'matrix.example.test' }, 400, 'request/invalid', /kind/],
    ['a name with capitals', { name: 'Family', kind: 'prosody', domain: 'family.example.test' }, 400, 'request/invalid', /name/],
    ['an unknown field', { name: 'family', kind: 'prosody', domain: 'family.example.test', ports: { client: 5222 } }, 400, 'request/invalid'],
    ['a health interval below 5 s', { name: 'family', kind: 'prosody', domain: 'family.example.test', healthIntervalSec: 1 }, 400, 'request/invalid', /healthIntervalSec/],
    ['PostgreSQL for an XMPP server', { name: 'family', kind: 'prosody', domain: 'family.example.test', settings: { database: { engine: 'postgresql', host: '127.0.0.1', adminUser: 'postgres' } } }, 400, 'instance/settings_invalid', /Synapse settings/],
    ['a database password without a database', { name: 'matrix', kind: 'synapse', domain: 'matrix.example.test', databaseAdminPassword: 'x' }, 400, 'instance/settings_invalid', /needs settings.database/],
    ['a database host with a space', { name: 'matrix', kind: 'synapse', domain: 'matrix.example.test', settings: { database: { engine: 'postgresql', host: 'a b', adminUser: 'postgres' } } }, 400, 'request/invalid', /host/],
    ['the container runtime', { name: 'family', kind: 'prosody', domain: 'family.example.test', runtime: 'container' }, 409, 'instance/runtime_unsupported'],
    ['plaintext on every address', { name: 'family', kind: 'ejabberd', domain: 'family.example.test', bindAddress: '0.0.0.0', settings: { tls: { mode: 'off' } } }, 400, 'instance/settings_invalid', /loopback/],
    ['an address of another host', { name: 'family', kind: 'prosody', domain: 'family.example.test', bindAddress: '192.0.2.1' }, 400, 'instance/bind_address_unavailable', /192\.0\.2\.1/],
  ];
  for (const [what, body, status, code, detail] of cases) {
    test(what, async () => {
      const response = await create(body);
      assert.equal(response.status, status, response.text);
      assert.equal(response.body.code, code);
      if (detail) assert.match(`${response.body.detail} ${JSON.stringify(response.body.errors ?? [])}`, detail);
    });
  }

  test('nothing was created by those', async () => {
    assert.equal(await app.prisma.instance.count(), 0);
    assert.equal(await app.prisma.jobRun.count(), 0);
  });
});

describe('names, domains and ports', () => {
  let first: Instance;

  test('a valid request answers 202 with the instance and its provisioning job', async () => {
    const response = await create({ name: 'one', kind: 'prosody', domain: 'One.Example.test' });
    assert.equal(response.status, 202, response.text);
    first = await get(response.body.id);
    assert.equal(first.status, 'provisioning');
    assert.equal(first.domain, 'one.example.test');
    assert.equal(first.runtime, 'process');
    assert.equal(first.bindAddress, '127.0.0.1');
    assert.equal(first.healthIntervalSec, 30);
    assert.match(first.version ?? '', /^0\.12\./);
    assert.deepEqual(Object.keys(first.endpoints).sort(), ['client', 'http']);
    assert.equal(first.health, null);
    const job = await app.http().get(`/api/jobs/${response.body.jobId}`).set(bearer(viewer));
    assert.equal(job.body.type, 'instance.provision');
    assert.equal(job.body.targetId, first.id);
    assert.deepEqual(job.body.steps.map((s: { name: string }) => s.name), ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health']);
    const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: first.id } });
    assert.equal(row.dir, join(app.config.instancesDir, first.id));
  });

  test('ejabberd\'s generated secrets are stored sealed, never shown', async () => {
    const response = await create({ name: 'ejabberd', kind: 'ejabberd', domain: 'ejabberd.example.test' });
    assert.equal(response.status, 202, response.text);
    const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: response.body.id } });
    assert.ok(row.secretsEnc && !row.secretsEnc.includes('adminPassword'));
    const shown = await app.http().get(`/api/instances/${row.id}`).set(bearer(viewer));
    assert.ok(!('secretsEnc' in shown.body) && !shown.text.includes(row.secretsEnc));
    assert.deepEqual(Object.keys(shown.body.endpoints).sort(), ['client', 'dist', 'http']);
  });

  test('a taken name or domain is refused', async () => {
    const name = await create({ name: 'one', kind: 'ejabberd', domain: 'other.example.test' });
    assert.equal(name.status, 409);
    assert.equal(name.body.code, 'instance/name_taken');
    const domain = await create({ name: 'other', kind: 'prosody', domain: 'ONE.example.test' });
    assert.equal(domain.status, 409);
    assert.equal(domain.body.code, 'instance/domain_taken');
  });

  test('instances created at the same time never share a port', async () => {
    const responses = await Promise.all([1, 2, 3, 4].map((n) => create({ name: `parallel-${n}`, kind: 'prosody', domain: `parallel-${n}.example.test` })));
    for (const response of responses) assert.equal(response.status, 202, response.text);
    const all = await app.http().get('/api/instances?perPage=100').set(bearer(viewer));
    const given = (all.body.data as Instance[]).flatMap(ports);
    assert.equal(given.length, 2 + 3 + 4 * 2);
    assert.equal(new Set(given).size, given.length, `no port twice: ${given.join(', ')}`);
    for (const port of given) assert.ok(port >= RANGE.first && port <= RANGE.last);
    assert.equal(await app.prisma.instancePort.count(), given.length);
  });

  test('when the range is used up, a create says so', async () => {
    // 13 of 16 ports are taken: one more Prosody instance fits, a second one does not.
    assert.equal((await create({ name: 'fits', kind: 'prosody', domain: 'fits.example.test' })).status, 202);
    const full = await create({ name: 'full', kind: 'prosody', domain: 'full.example.test' });
    assert.equal(full.status, 409);
    assert.equal(full.body.code, 'instance/ports_exhausted');
  });

  test('lists filter, search and sort', async () => {
    const ejabberd = await app.http().get('/api/instances?kind=ejabberd').set(bearer(viewer));
    assert.deepEqual(ejabberd.body.data.map((i: Instance) => i.name), ['ejabberd']);
    const search = await app.http().get('/api/instances?q=PARALLEL&sort=name&order=ASC&perPage=2&page=2').set(bearer(viewer));
    assert.equal(search.body.total, 4);
    assert.deepEqual(search.body.data.map((i: Instance) => i.name), ['parallel-3', 'parallel-4']);
    const provisioning = await app.http().get('/api/instances?status=provisioning').set(bearer(viewer));
    assert.equal(provisioning.body.total, 7);
    const none = await app.http().get('/api/instances?status=running').set(bearer(viewer));
    assert.deepEqual(none.body, { data: [], total: 0 });
    assert.equal((await app.http().get('/api/instances?sort=secretsEnc').set(bearer(viewer))).status, 400);
  });

  test('no other lifecycle job while one is pending', async () => {
    for (const action of ['start', 'stop', 'restart']) {
      const response = await app.http().post(`/api/instances/${first.id}/${action}`).set(bearer(admin));
      assert.equal(response.status, 409, action);
      assert.equal(response.body.code, 'instance/busy');
      assert.match(response.body.detail, /instance\.provision/);
    }
    const destroy = await app.http().delete(`/api/instances/${first.id}?confirm=one`).set(bearer(admin));
    assert.equal(destroy.status, 409);
    assert.equal(destroy.body.code, 'instance/busy');
    assert.equal((await get(first.id)).desiredState, 'running');
  });

  test('a restart that supervision scheduled after a crash gives way to the operator', async () => {
    const parallel = (await app.prisma.instance.findFirstOrThrow({ where: { name: 'parallel-1' } })).id;
    const provision = await app.prisma.jobRun.findFirstOrThrow({ where: { targetId: parallel, type: 'instance.provision' } });
    assert.equal((await app.http().post(`/api/jobs/${provision.id}/cancel`).set(bearer(admin))).status, 202);
    const restart = await app.get(JobsService).enqueue('instance.start', { instanceId: parallel }, { delayMs: 600_000, targetType: 'instance', targetId: parallel });
    const stop = await app.http().post(`/api/instances/${parallel}/stop`).set(bearer(admin));
    assert.equal(stop.status, 202, stop.text);
    assert.equal((await app.prisma.jobRun.findUniqueOrThrow({ where: { id: restart } })).status, 'cancelled');
    assert.equal((await get(parallel)).desiredState, 'stopped');
    // The operator's own job is not superseded by the next request.
    const start = await app.http().post(`/api/instances/${parallel}/start`).set(bearer(admin));
    assert.equal(start.status, 409);
    assert.equal(start.body.code, 'instance/busy');
  });

  test('destroy checks the confirmation first', async () => {
    const missing = await app.http().delete(`/api/instances/${first.id}`).set(bearer(admin));
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'request/invalid');
    const wrong = await app.http().delete(`/api/instances/${first.id}?confirm=ONE`).set(bearer(admin));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.code, 'instance/confirmation_mismatch');
  });

  test('PATCH changes the health-check interval', async () => {
    const changed = await app.http().patch(`/api/instances/${first.id}`).set(bearer(admin)).send({ healthIntervalSec: 120 });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.healthIntervalSec, 120);
    const invalid = await app.http().patch(`/api/instances/${first.id}`).set(bearer(admin)).send({ healthIntervalSec: 2 });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.code, 'request/invalid');
  });

  test('the logs of a server that never ran are empty', async () => {
    const admins = await app.http().get(`/api/instances/${first.id}/logs?tail=10`).set(bearer(admin));
    assert.equal(admins.status, 200);
    assert.deepEqual(admins.body, { lines: [] });
    assert.equal((await app.http().get(`/api/instances/${first.id}/logs?tail=0`).set(bearer(admin))).status, 400);
  });

  test('an unknown instance is a 404 everywhere', async () => {
    const id = randomUUID();
    const requests = [
      app.http().get(`/api/instances/${id}`).set(bearer(admin)),
      app.http().get(`/api/instances/${id}/logs`).set(bearer(admin)),
      app.http().post(`/api/instances/${id}/start`).set(bearer(admin)),
      app.http().post(`/api/instances/${id}/stop`).set(bearer(admin)),
      app.http().post(`/api/instances/${id}/restart`).set(bearer(admin)),
      app.http().patch(`/api/instances/${id}`).set(bearer(admin)).send({ healthIntervalSec: 60 }),
      app.http().delete(`/api/instances/${id}?confirm=x`).set(bearer(admin)),
    ];
    for (const response of await Promise.all(requests)) {
      assert.equal(response.status, 404, response.text);
      assert.equal(response.body.code, 'instance/not_found');
    }
    assert.equal((await app.http().get('/api/instances/not-a-uuid').set(bearer(admin))).status, 400);
  });

  test('viewers may look but not act', async () => {
    assert.equal((await app.http().post(`/api/instances/${first.id}/stop`).set(bearer(viewer))).status, 403);
    assert.equal((await app.http().get(`/api/instances/${first.id}/logs`).set(bearer(viewer))).status, 403);
    const created = await app.http().post('/api/instances').set(bearer(viewer)).send({ name: 'x', kind: 'prosody', domain: 'x.example.test' });
    assert.equal(created.status, 403);
  });
});

test('every request left its audit event', async () => {
  await assertAuditTrailComplete(app, context);
  const created = await app.prisma.auditEvent.findFirstOrThrow({ where: { action: 'instance.create', result: 'success' }, orderBy: { at: 'asc' } });
  assert.equal(created.targetType, 'instance');
  assert.deepEqual(Object.keys(created.detail as object).sort(), ['domain', 'jobId', 'kind', 'name']);
});
