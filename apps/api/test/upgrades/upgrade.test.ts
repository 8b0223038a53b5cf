import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Backup, Instance, InstanceVersions } from '@hearth/contracts';
import { goOnline } from '../instances/support';
import { assertSucceeded, settled, startInstancesApp } from '../instances-api/support';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext } from '../support/context';

// Upgrades on the process runtime with real packages: Prosody 0.12.3 (the host's) to 13.0.1
// from bookworm-backports, unpacked into a version store of this file's own; then a build that
// exits at start, which must be undone.
const RANGE = '29100-29199';
const STEPS = ['preflight', 'backup', 'stop', 'snapshot', 'switch', 'start', 'wait-healthy', 'post-check', 'clean-up'];

describe('upgrades with automatic rollback', { timeout: 8 * 60_000 }, () => {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let store: string;
  let targetId: string;
  let recipientId: string;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);

  const provision = async (name: string, kind = 'prosody'): Promise<Instance> => {
    const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name, kind, domain: `${name}.test` });
    assert.equal((await settled(app, admin, created.body.jobId, 120_000)).status, 'succeeded');
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

  before(async () => {
    store = join(context.dataDir, 'versions');
    app = await startInstancesApp(context, RANGE, { HEARTH_VERSION_STORE: store });
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    const key = join(context.dataDir, 'key.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    const publicKey = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    recipientId = (await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'ops', publicKey })).body.id;
    targetId = (await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'disk', kind: 'local', config: { path: join(context.dataDir, 'backups') } })).body.id;
  });

  test('Prosody 0.12 → 13: installed on demand, backed up, upgraded; accounts and waiting messages intact', async () => {
    const instance = await provision('family');
    const alice = await goOnline(login(instance, 'alice'));
    await alice.send(`bob@${instance.domain}`, 'the upgrade is tonight');
    await alice.stop();

    const before = await versions(instance);
    assert.equal(before.current.id, 'system');
    assert.match(before.current.version ?? '', /^0\.12\./);
    const backports = before.versions.find((v) => v.suite === 'bookworm-backports');
    assert.ok(backports, JSON.stringify(before.versions));
    assert.equal(backports.state, 'installable');

    const started = await upgrade(instance, backports.id);
    assert.equal(started.status, 202, started.text);
    const job = await settled(app, admin, started.body.jobId, 300_000);
    assertSucceeded(job, STEPS);
    const after = (await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance;
    assert.equal(after.status, 'running');
    assert.equal(after.version, '13.0.1');
    const now = await versions(instance);
    assert.equal(now.versions.find((v) => v.current)?.version, '13.0.1');
    const backup = (await app.http().get(`/api/backups/${started.body.backupId}`).set(bearer(admin))).body as Backup;
    assert.equal(backup.status, 'verified', 'the encrypted backup came first');
    assert.equal(backup.trigger, 'pre-upgrade');

    const bob = await goOnline(login(after, 'bob'));
    try {
      assert.ok(await bob.message((m) => m.getChildText('body') === 'the upgrade is tonight', 10_000));
    } finally {
      await bob.stop();
    }
    const same = await upgrade(instance, now.versions.find((v) => v.current)!.id);
    assert.equal(same.status, 400, 'already there');
  });

  test('ejabberd 23.01 → 24.12 through the same plan: accounts and waiting messages intact', async () => {
    const instance = await provision('club', 'ejabberd');
    const alice = await goOnline(login(instance, 'alice'));
    await alice.send(`bob@${instance.domain}`, 'training moved to 7');
    await alice.stop();
    const backports = (await versions(instance)).versions.find((v) => v.suite === 'bookworm-backports');
    assert.ok(backports);
    const started = await upgrade(instance, backports.id);
    assert.equal(started.status, 202, started.text);
    assertSucceeded(await settled(app, admin, started.body.jobId, 300_000), STEPS);
    const after = (await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance;
    assert.equal(after.version, '24.12');
    const bob = await goOnline(login(after, 'bob'));
    try {
      assert.ok(await bob.message((m) => m.getChildText('body') === 'training moved to 7', 10_000));
    } finally {
      await bob.stop();
    }
  });

  test('a build that exits at start is undone: the old version runs again on its data, and an alert says why', async () => {
    const instance = await provision('team');
    // A copy of the 13.0.1 tree whose server program exits at once: a broken build.
    const good = readdirSync(join(store, 'prosody')).find((name) => name.startsWith('bookworm-backports-13'))!;
    const broken = join(store, 'prosody', `${good}-broken`);
    execFileSync('cp', ['-a', join(store, 'prosody', good), broken]);
    const program = join(broken, 'root/usr/bin/prosody');
    const lines = readFileSync(program, 'utf8').split('\n');
    writeFileSync(program, [lines[0], 'os.exit(1)', ...lines.slice(1)].join('\n'));
    const brokenVersion = (await versions(instance)).versions.find((v) => v.id === `${good}-broken`);
    assert.ok(brokenVersion, 'the broken build is listed');

    const hook = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'ops', kind: 'webhook', url: 'http://127.0.0.1:9/hook' });
    assert.equal(hook.status, 201);
    const started = await upgrade(instance, brokenVersion.id);
    assert.equal(started.status, 202, started.text);
    const job = await settled(app, admin, started.body.jobId, 300_000);
    assert.equal(job.status, 'failed');
    assert.match(job.error ?? '', /(start|wait-healthy) failed.*previous version and its data are back/s);
    const after = (await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance;
    assert.equal(after.status, 'running');
    assert.match(after.version ?? '', /^0\.12\./);
    assert.equal((await versions(instance)).current.id, 'system');
    const event = await app.prisma.instanceEvent.findFirst({ where: { instanceId: instance.id, type: 'upgrade-failed' } });
    assert.match(event?.reason ?? '', /Upgrade undone: (start|wait-healthy) failed/);
    assert.ok(await app.prisma.alertDelivery.findFirst({ where: { eventId: event!.id } }), 'an alert went out');
    const alice = await goOnline(login(after, 'alice'));
    await alice.stop();
  });

  test('audit trail', async () => {
    await assertAuditTrailComplete(app, context);
  });
});
