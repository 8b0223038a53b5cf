import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Instance, InstanceVersions } from '@hearth/contracts';
import { goOnline } from '../instances/support';
import { settled, startInstancesApp } from '../instances-api/support';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { workerProcess } from '../support/worker-process';
import { type TestEngine, podmanSkipReason, startPodmanService } from '../support/podman-service';
import { rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { CONTAINER_LABELS } from '../../src/runtimes/container/container.runtime';

// An upgrade whose worker is SIGKILLed while the server is down (after the stop, before the new
// version is healthy): a new worker picks the job up again (BullMQ's stalled-job check), skips the
// steps that succeeded and finishes, or rolls back. Either way the server ends healthy with its
// data, in one container. Run on the container runtime, whose images the shared store keeps.
const RANGE = '29600-29699';

describe('an upgrade whose worker dies', { timeout: 8 * 60_000, skip: podmanSkipReason || rootfsSkipReason }, () => {
  const context = useTestContext();
  let podman: TestEngine;
  let app: TestApp;
  let admin: string;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);
  // A 10 s lock: the new worker takes the job over within 20 s of the kill rather than a minute.
  const env = () => context.env({ HEARTH_INSTANCES_DIR: join(context.dataDir, 'instances'), HEARTH_PORT_RANGE: RANGE, HEARTH_CONTAINER_SOCKET: podman.socketPath, HEARTH_VERSION_STORE: testVersionStore(), HEARTH_JOB_STALL_SEC: '10' });

  const worker = workerProcess(env);

  before(async () => {
    podman = await startPodmanService();
    // The API alone: jobs run in the worker process this file starts, kills and starts again.
    app = await startInstancesApp(context, RANGE, { HEARTH_WORKER: 'off', HEARTH_CONTAINER_SOCKET: podman.socketPath, HEARTH_VERSION_STORE: testVersionStore() });
    context.onCleanup(() => worker.stop('SIGTERM'));
    worker.start();
    admin = await app.sessionFor((await app.createOperator('admin')).id);
  });
  after(async () => {
    await podman?.stop();
  });

  test('killed after the stop: the new worker finishes the plan (or undoes it), the server runs on its data', async () => {
    const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name: 'family', kind: 'prosody', domain: 'family.test', runtime: 'container' });
    assert.equal(created.status, 202, created.text);
    assert.equal((await settled(app, admin, created.body.jobId, 600_000)).status, 'succeeded');
    for (const username of ['alice', 'bob']) {
      assert.equal((await app.http().post(`/api/instances/${created.body.id}/users`).set(bearer(admin)).send({ username, password })).status, 201);
    }
    const instance = (await app.http().get(`/api/instances/${created.body.id}`).set(bearer(admin))).body as Instance;
    const login = (row: Instance, username: string) => ({ port: Number(row.endpoints.client!.split(':').pop()), domain: row.domain, username, password });
    const alice = await goOnline(login(instance, 'alice'));
    await alice.send(`bob@${instance.domain}`, 'see you after the upgrade');
    await alice.stop();

    const key = join(context.dataDir, 'key.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    const publicKey = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    const recipientId = (await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'ops', publicKey })).body.id;
    const targetId = (await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'disk', kind: 'local', config: { path: join(context.dataDir, 'backups') } })).body.id;
    const versions = (await app.http().get(`/api/instances/${instance.id}/versions`).set(bearer(admin))).body as InstanceVersions;
    const started = await app.http().post(`/api/instances/${instance.id}/upgrade`).set(bearer(admin)).send({ versionId: 'bookworm-backports', targetId, recipientIds: [recipientId] });
    assert.equal(started.status, 202, `${started.text} ${JSON.stringify(versions)}`);

    await waitFor('the upgrade to stop the server', async () => {
      const stop = await app.prisma.jobStep.findFirst({ where: { jobRunId: started.body.jobId, name: 'stop' } });
      return stop?.status === 'succeeded' ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 20 });
    await worker.stop('SIGKILL');
    const during = await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
    assert.equal(during.status, 'upgrading', 'the worker died with the server down');

    worker.start();
    const job = await settled(app, admin, started.body.jobId, 240_000);
    console.log(`# after the kill the job ${job.status === 'succeeded' ? 'was resumed and finished' : 'was undone'}`);
    const steps = Object.fromEntries(job.steps.map((step) => [step.name, step.status]));
    assert.equal(steps.preflight, 'succeeded');
    assert.equal(steps.backup, 'succeeded', 'the backup taken before the kill was not taken again');
    const row = (await app.http().get(`/api/instances/${instance.id}`).set(bearer(admin))).body as Instance;
    if (job.status === 'succeeded') {
      assert.match(row.version ?? '', /^13\./);
    } else {
      assert.match(job.error ?? '', /previous version and its data are back/);
      assert.match(row.version ?? '', /^0\.12\./);
    }
    assert.equal(row.status, 'running', row.statusReason ?? '');
    const containers = await podman.engine.listContainers({ all: true, filters: JSON.stringify({ label: [`${CONTAINER_LABELS.instance}=${instance.id}`] }) });
    assert.equal(containers.length, 1, 'one container for the instance');
    assert.deepEqual((await readdir(join(context.dataDir, 'instances'))).filter((name) => name.startsWith('.upgrade-')), [], 'the plan cleaned up after itself');
    const bob = await goOnline(login(row, 'bob'));
    try {
      assert.ok(await bob.message((m) => m.getChildText('body') === 'see you after the upgrade', 10_000));
    } finally {
      await bob.stop();
    }
  });
});
