import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Backup, Instance, InstanceVersions, UpgradeRollout } from '@hearth/contracts';
import { goOnline } from '../instances/support';
import { assertSucceeded, settled, startInstancesApp } from '../instances-api/support';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { dockerSkipReason, startDockerEngine } from '../support/docker-engine';
import { type TestEngine, podmanSkipReason, startPodmanService } from '../support/podman-service';
import { rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { CONTAINER_LABELS } from '../../src/runtimes/container/container.runtime';

// The container runtime end to end, on Podman's compatible service and on Docker's own daemon
// (the same requests must work with both): a Prosody instance from Hearth's bookworm image
// (0.12), upgraded to its bookworm-backports image (13) through the same plan as on the process
// runtime; an image whose server exits at start, which must be undone; rollouts. Images are
// built from the shared test version store's Debian trees (Podman keeps them in the shared
// storage; Docker imports them again each run).
const ENGINES = [
  { name: 'Podman', start: startPodmanService, skip: podmanSkipReason, range: '29400-29449' },
  { name: 'Docker', start: startDockerEngine, skip: dockerSkipReason, range: '29450-29499' },
];
const STEPS = ['preflight', 'backup', 'stop', 'snapshot', 'switch', 'start', 'wait-healthy', 'post-check', 'clean-up'];
const BRING_UP = ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health'];

for (const { name: engineName, start, skip, range: RANGE } of ENGINES) describe(`the container runtime on ${engineName}: Prosody upgrades with automatic rollback`, { timeout: 12 * 60_000, skip: skip || rootfsSkipReason }, () => {
  const context = useTestContext();
  let service: TestEngine;
  let app: TestApp;
  let admin: string;
  let targetId: string;
  let recipientId: string;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);

  const provision = async (name: string): Promise<Instance> => {
    const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name, kind: 'prosody', domain: `${name}.test`, runtime: 'container' });
    assert.equal(created.status, 202, created.text);
    assertSucceeded(await settled(app, admin, created.body.jobId, 600_000), BRING_UP);
    for (const username of ['alice', 'bob']) {
      const user = await app.http().post(`/api/instances/${created.body.id}/users`).set(bearer(admin)).send({ username, password });
      assert.equal(user.status, 201, user.text);
    }
    return (await app.http().get(`/api/instances/${created.body.id}`).set(bearer(admin))).body as Instance;
  };
  const login = (instance: Instance, username: string) => ({ port: Number(instance.endpoints.client!.split(':').pop()), domain: instance.domain, username, password });
  const versions = async (instance: Instance) => (await app.http().get(`/api/instances/${instance.id}/versions`).set(bearer(admin))).body as InstanceVersions;
  const upgrade = (instance: Instance, versionId: string) =>
    app.http().post(`/api/instances/${instance.id}/upgrade`).set(bearer(admin)).send({ versionId, targetId, recipientIds: [recipientId] });
  const containerOf = (instance: Instance) => service.engine.getContainer(`hearth-${instance.id}`).inspect();

  before(async () => {
    service = await start();
    app = await startInstancesApp(context, RANGE, { HEARTH_CONTAINER_SOCKET: service.socketPath, HEARTH_VERSION_STORE: testVersionStore() });
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    const key = join(context.dataDir, 'key.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    const publicKey = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    recipientId = (await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'ops', publicKey })).body.id;
    targetId = (await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'disk', kind: 'local', config: { path: join(context.dataDir, 'backups') } })).body.id;
  });
  // After the test context's own clean-up (registered first), which destroys the instances through the engine.
  after(async () => {
    await service?.stop();
  });

  test('the kind list offers Prosody in a container', async () => {
    const kinds = (await app.http().get('/api/instance-kinds').set(bearer(admin))).body as { kind: string; runtimes: string[] }[];
    assert.deepEqual(kinds.find((kind) => kind.kind === 'prosody')?.runtimes, ['process', 'container']);
    assert.deepEqual(kinds.find((kind) => kind.kind === 'ejabberd')?.runtimes, ['process'], 'no ejabberd image yet');
    const refused = await app.http().post('/api/instances').set(bearer(admin)).send({ name: 'ej', kind: 'ejabberd', domain: 'ej.test', runtime: 'container' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'instance/runtime_unsupported');
  });

  test('Prosody 0.12 → 13 in containers: image built on demand, backed up, upgraded; accounts and waiting messages intact', async () => {
    const instance = await provision('family');
    assert.equal(instance.runtime, 'container');
    assert.match(instance.version ?? '', /^0\.12\./);
    const running = await containerOf(instance);
    assert.match(running.Config.Image, /hearth\/prosody:bookworm$/);
    assert.equal(running.Config.Labels[CONTAINER_LABELS.instance], instance.id);
    assert.equal(running.HostConfig.NetworkMode, 'host', 'no bridge network');
    assert.equal(running.HostConfig.ReadonlyRootfs, true);
    assert.notEqual(running.Config.User.split(':')[0], '0', 'an unprivileged uid');
    assert.equal(running.HostConfig.RestartPolicy?.Name, 'on-failure');
    assert.ok(running.Mounts.some((mount) => mount.Source === mount.Destination && mount.Destination.endsWith(instance.id)), JSON.stringify(running.Mounts));

    const logs = await app.http().get(`/api/instances/${instance.id}/logs?tail=50`).set(bearer(admin));
    assert.equal(logs.status, 200, logs.text);
    assert.match(JSON.stringify(logs.body), /prosody|Hello and welcome/i, 'the container log through the Engine API');

    const alice = await goOnline(login(instance, 'alice'));
    await alice.send(`bob@${instance.domain}`, 'the upgrade is tonight');
    await alice.stop();

    const before = await versions(instance);
    assert.equal(before.current.id, 'bookworm');
    const backports = before.versions.find((v) => v.id === 'bookworm-backports');
    assert.ok(backports, JSON.stringify(before.versions));
    assert.equal(backports.source, 'image');
    assert.equal(backports.suite, 'bookworm-backports');

    const started = await upgrade(instance, backports.id);
    assert.equal(started.status, 202, started.text);
    assertSucceeded(await settled(app, admin, started.body.jobId, 600_000), STEPS);
    const upgraded = (await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance;
    assert.equal(upgraded.status, 'running');
    assert.match(upgraded.version ?? '', /^13\./);
    assert.equal((await versions(instance)).current.id, 'bookworm-backports');
    assert.match((await containerOf(instance)).Config.Image, /hearth\/prosody:bookworm-backports$/);

    const bob = await goOnline(login(upgraded, 'bob'));
    try {
      assert.ok(await bob.message((m) => m.getChildText('body') === 'the upgrade is tonight', 10_000));
    } finally {
      await bob.stop();
    }

    // A drill of the backup taken before the upgrade restores it as the instance runs now: Prosody 13, in a container.
    const identity = readFileSync(join(context.dataDir, 'key.txt'), 'utf8');
    const drill = await app.http().post(`/api/backups/${started.body.backupId}/drill`).set(bearer(admin)).send({ identity });
    assert.equal(drill.status, 202, drill.text);
    const drillJob = await settled(app, admin, drill.body.jobId, 120_000);
    assert.equal(drillJob.status, 'succeeded', drillJob.error);
    const drilled = (await app.http().get(`/api/backups/${started.body.backupId}`).set(bearer(admin))).body as Backup;
    assert.match(drilled.lastDrillDetail ?? '', /^Restored into a scratch Prosody 13\.\S+ in a container: healthy, 2 accounts/);
    const scratch = await service.engine.listContainers({ all: true, filters: JSON.stringify({ name: ['hearth-drill-'] }) });
    assert.deepEqual(scratch, [], 'the scratch container is removed');

    // Stop and start go through the engine too; the container is kept while stopped, for its logs.
    const stop = await app.http().post(`/api/instances/${instance.id}/stop`).set(bearer(admin)).send({});
    assert.equal(stop.status, 202, stop.text);
    assert.equal((await settled(app, admin, stop.body.jobId)).status, 'succeeded');
    assert.equal((await containerOf(instance)).State.Running, false);
  });

  test('an image whose server exits at start is undone: the old image runs again on its data, and an alert says why', async () => {
    const instance = await provision('team');
    // hearth/prosody:broken: the bookworm-backports image with a prosody that exits at once.
    const base = await service.engine.getImage('hearth/prosody:bookworm-backports').inspect();
    const scratch = await service.engine.createContainer({ Image: base.Id, Entrypoint: ['/bin/true'], HostConfig: { NetworkMode: 'none' } });
    const tar = execFileSync('sh', ['-c', 'd=$(mktemp -d) && printf "#!/bin/sh\\necho broken build >&2\\nexit 1\\n" > $d/prosody && chmod 755 $d/prosody && tar -C $d -c prosody && rm -r $d']);
    await scratch.putArchive(tar, { path: '/usr/bin' });
    await scratch.commit({ repo: 'hearth/prosody', tag: 'broken', changes: ['LABEL org.hearth.version=13.0.99'] });
    await scratch.remove({ force: true });
    context.onCleanup(() => service.engine.getImage('hearth/prosody:broken').remove().then(() => undefined, () => undefined));
    const broken = (await versions(instance)).versions.find((v) => v.id === 'broken');
    assert.ok(broken, 'the broken image is listed');
    assert.equal(broken.version, '13.0.99');

    const hook = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'ops', kind: 'webhook', url: 'http://127.0.0.1:9/hook' });
    assert.equal(hook.status, 201);
    const started = await upgrade(instance, broken.id);
    assert.equal(started.status, 202, started.text);
    const job = await settled(app, admin, started.body.jobId, 300_000);
    assert.equal(job.status, 'failed');
    assert.match(job.error ?? '', /(start|wait-healthy) failed.*previous version and its data are back/s);
    assert.match(job.error ?? '', /broken build/, 'the container log says why');
    const after = (await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance;
    assert.equal(after.status, 'running');
    assert.match(after.version ?? '', /^0\.12\./);
    assert.equal((await versions(instance)).current.id, 'bookworm');
    assert.match((await containerOf(instance)).Config.Image, /hearth\/prosody:bookworm$/);
    const event = await app.prisma.instanceEvent.findFirst({ where: { instanceId: instance.id, type: 'upgrade-failed' } });
    assert.match(event?.reason ?? '', /Upgrade undone: (start|wait-healthy) failed/);
    assert.ok(await app.prisma.alertDelivery.findFirst({ where: { eventId: event!.id } }), 'an alert went out');
    const alice = await goOnline(login(after, 'alice'));
    await alice.stop();
  });

  test('a rollout upgrades instances one at a time, and halts at the first it cannot start or that fails and is undone', async () => {
    const [r1, r2, r3] = [await provision('r1'), await provision('r2'), await provision('r3')];
    const stop = await app.http().post(`/api/instances/${r2.id}/stop`).set(bearer(admin)).send({});
    assert.equal((await settled(app, admin, stop.body.jobId)).status, 'succeeded');
    const base = { kind: 'prosody', to: 'bookworm-backports', instanceIds: [r1.id, r2.id, r3.id], targetId, recipientIds: [recipientId] };
    for (const window of [{ start: '25:00', end: '02:00' }, { start: '02:00', end: '02:00' }, { start: '01:00', end: '02:00', timezone: 'Mars/Olympus' }]) {
      const refused = await app.http().post('/api/upgrade-rollouts').set(bearer(admin)).send({ ...base, window });
      assert.equal(refused.status, 400, `${JSON.stringify(window)}: ${refused.text}`);
    }
    const nowhere = await app.http().post('/api/upgrade-rollouts').set(bearer(admin)).send({ ...base, to: 'trixie' });
    assert.equal(nowhere.status, 400);
    assert.match(nowhere.body.detail, /No prosody instance can move to trixie/);

    const created = await app.http().post('/api/upgrade-rollouts').set(bearer(admin)).send({ ...base, window: utcWindow(-60, 60) });
    assert.equal(created.status, 202, created.text);
    const rollout = await waitFor('the rollout to end', async () => {
      const body = (await app.http().get(`/api/upgrade-rollouts/${created.body.id}`).set(bearer(admin))).body as UpgradeRollout;
      return ['running', 'waiting'].includes(body.status) ? undefined : body;
    }, { timeoutMs: 300_000, intervalMs: 500 });
    assert.equal(rollout.status, 'halted');
    assert.deepEqual(rollout.instances.map((entry) => [entry.name, entry.status]), [['r1', 'upgraded'], ['r2', 'failed'], ['r3', 'pending']]);
    assert.match(rollout.statusReason ?? '', /Stopped at r2: .*stopped/);
    const version = async (instance: Instance) => ((await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance).version ?? '';
    assert.match(await version(r1), /^13\./);
    assert.match(await version(r3), /^0\.12\./, 'left alone after the halt');
    const job = (await app.http().get(`/api/jobs/${rollout.instances[0]!.jobId}`).set(bearer(admin))).body;
    assert.equal(job.type, 'instance.upgrade');

    // An upgrade that fails and is undone halts a rollout the same way: to the broken image of the test before.
    const r4 = await provision('r4');
    const broken = await app.http().post('/api/upgrade-rollouts').set(bearer(admin)).send({ ...base, to: 'broken', instanceIds: [r3.id, r4.id] });
    assert.equal(broken.status, 202, broken.text);
    const halted = await waitFor('the broken rollout to end', async () => {
      const body = (await app.http().get(`/api/upgrade-rollouts/${broken.body.id}`).set(bearer(admin))).body as UpgradeRollout;
      return ['running', 'waiting'].includes(body.status) ? undefined : body;
    }, { timeoutMs: 300_000, intervalMs: 500 });
    assert.deepEqual(halted.instances.map((entry) => [entry.name, entry.status]), [['r3', 'failed'], ['r4', 'pending']]);
    assert.match(halted.instances[0]!.detail ?? '', /previous version and its data are back/);
    assert.match(await version(r3), /^0\.12\./);
    assert.equal(((await app.http().get(`/api/instances/${r3.id}`).set(bearer(admin))).body as Instance).status, 'running');
  });

  test('outside its maintenance window a rollout waits, and can be cancelled before it starts anything', async () => {
    const r3 = (await app.prisma.instance.findFirst({ where: { name: 'r3' } }))!;
    const created = await app.http().post('/api/upgrade-rollouts').set(bearer(admin)).send({ kind: 'prosody', to: 'bookworm-backports', instanceIds: [r3.id], targetId, recipientIds: [recipientId], window: utcWindow(120, 180) });
    assert.equal(created.status, 202, created.text);
    const waiting = created.body as UpgradeRollout;
    assert.equal(waiting.status, 'waiting', 'the answer already says it waits');
    assert.equal(waiting.targetId, targetId);
    const opens = Date.parse(waiting.nextWindowAt!) - Date.now();
    assert.ok(opens > 115 * 60_000 && opens <= 120 * 60_000, `opens in ${opens} ms`);
    assert.match(waiting.statusReason ?? '', /Waiting for the maintenance window/);
    assert.equal(await app.prisma.jobRun.count({ where: { type: 'instance.upgrade', targetId: r3.id, createdAt: { gte: new Date(waiting.createdAt) } } }), 0, 'nothing started');
    const cancelled = await app.http().post(`/api/upgrade-rollouts/${created.body.id}/cancel`).set(bearer(admin)).send({});
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal((await app.http().post(`/api/upgrade-rollouts/${created.body.id}/cancel`).set(bearer(admin)).send({})).status, 400);
    const listed = (await app.http().get('/api/upgrade-rollouts').set(bearer(admin))).body as { data: UpgradeRollout[] };
    assert.deepEqual(listed.data.map((entry) => entry.status), ['cancelled', 'halted', 'halted']);
    assert.equal((await app.http().get(`/api/upgrade-rollouts/${randomUUID()}`).set(bearer(admin))).body.code, 'rollout/not_found');
  });

  test('destroying an instance removes its container', async () => {
    const instance = (await app.prisma.instance.findFirst({ where: { name: 'team' } }))!;
    const gone = await app.http().delete(`/api/instances/${instance.id}?confirm=team`).set(bearer(admin));
    assert.equal(gone.status, 202, gone.text);
    assert.equal((await settled(app, admin, gone.body.jobId)).status, 'succeeded');
    await assert.rejects(service.engine.getContainer(`hearth-${instance.id}`).inspect(), (error: { statusCode?: number }) => error.statusCode === 404);
  });

  test('audit trail', async () => {
    await assertAuditTrailComplete(app, context);
  });
});

/** A window of today in UTC, from `from` to `to` minutes from now. */
function utcWindow(from: number, to: number) {
  const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().slice(11, 16);
  return { start: at(from), end: at(to), timezone: 'UTC' };
}
