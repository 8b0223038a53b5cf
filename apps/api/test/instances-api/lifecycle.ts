import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Instance } from '@hearth/contracts';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
import { JobsService } from '../../src/jobs/jobs.service';
import { assertAuditTrailComplete } from '../support/audit';
import { type TestApp, bearer, useTestContext } from '../support/context';
import { isAlive, listeningAddresses, loginAndEcho, processesMentioning } from '../instances/support';
import { assertSucceeded, settled, startInstancesApp } from './support';

const BRING_UP = ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health'];

/**
 * One instance of `kind` through the REST API, with the real server: create, log in with a
 * real XMPP client, stop, start, restart, read its logs and destroy it, checking /proc for
 * what is left at each stage.
 */
export function lifecycleThroughTheApi(kind: 'prosody' | 'ejabberd', portRange: { first: number; last: number }, version: RegExp): void {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let moderator: string;
  let viewer: string;
  let instance: Instance;
  const name = `${kind}-family`;
  const domain = `${kind}.family.test`;
  const password = `pw ${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);

  before(async () => {
    app = await startInstancesApp(context, `${portRange.first}-${portRange.last}`);
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    moderator = await app.sessionFor((await app.createOperator('moderator')).id);
    viewer = await app.sessionFor((await app.createOperator('viewer')).id);
  });

  const get = async (): Promise<Instance> => {
    const response = await app.http().get(`/api/instances/${instance.id}`).set(bearer(viewer));
    assert.equal(response.status, 200);
    return response.body as Instance;
  };
  const pid = async (): Promise<number | undefined> => {
    const host = app.get(HomeserverHost);
    const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
    return (await host.runtime(row.runtime).status(host.spec(row))).pid;
  };
  const dir = async () => (await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } })).dir;
  const login = () => loginAndEcho({ port: Number(instance.endpoints.client!.split(':')[1]), domain, username: 'alice', password });
  const act = async (action: 'start' | 'stop' | 'restart', steps: string[]) => {
    const response = await app.http().post(`/api/instances/${instance.id}/${action}`).set(bearer(admin));
    assert.equal(response.status, 202, response.text);
    assert.equal(response.body.id, instance.id);
    assertSucceeded(await settled(app, viewer, response.body.jobId), steps);
    return get();
  };

  describe(`${kind}: one instance through the REST API`, () => {
    test('POST /api/instances answers 202 and the provisioning job runs every step', async () => {
      const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name, kind, domain, healthIntervalSec: 30 });
      assert.equal(created.status, 202, created.text);
      assert.match(created.body.id, /^[0-9a-f-]{36}$/);
      const job = await settled(app, viewer, created.body.jobId);
      assertSucceeded(job, BRING_UP);
      assert.equal(job.type, 'instance.provision');
      instance = { id: created.body.id } as Instance;
      instance = await get();
      assert.equal(instance.status, 'running', instance.statusReason ?? '');
      assert.equal(instance.desiredState, 'running');
      assert.equal(instance.kind, kind);
      assert.equal(instance.domain, domain);
      assert.match(instance.version ?? '', version);
      assert.ok(instance.startedAt);
      assert.ok(instance.capabilities.includes('users.create'));
      for (const [portName, endpoint] of Object.entries(instance.endpoints)) {
        const [host, port] = endpoint.split(':');
        assert.equal(host, '127.0.0.1', portName);
        assert.ok(Number(port) >= portRange.first && Number(port) <= portRange.last, `${portName} port ${port} is in the range`);
        assert.deepEqual(await listeningAddresses(Number(port)), ['127.0.0.1'], `${portName} listens on loopback only`);
      }
      // Its own uid and gid (the default HEARTH_INSTANCE_UID_BASE plus its index), with no passwd entry.
      const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
      assert.ok(Number.isInteger(row.runAsId), 'an index for its own uid');
      if (process.getuid?.() === 0) {
        const uid = 2_000_000 + row.runAsId!;
        assert.equal(app.get(HomeserverHost).spec(row).uid, uid);
        const procStatus = await readFile(`/proc/${(await pid())!}/status`, 'utf8');
        assert.match(procStatus, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
        assert.match(procStatus, new RegExp(`^Gid:\\s+${uid}\\s`, 'm'));
        assert.equal((await stat(join(row.dir, 'home'))).uid, uid);
      }
    });

    test('a user created through the driver logs in with an XMPP client', async () => {
      const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
      const { driver, context: opened } = app.get(HomeserverHost).context(row);
      await driver.createUser(opened, 'alice', password);
      await loginAndEcho({ port: Number(instance.endpoints.client!.split(':')[1]), domain, username: 'alice', password });
    });

    test('a second start or provision of a running instance starts no second server', async () => {
      const before = await pid();
      assert.ok(before && isAlive(before));
      await act('start', BRING_UP);
      // As after a crashed worker: the provisioning job runs again, on a running server.
      const again = await app.get(JobsService).enqueue('instance.provision', { instanceId: instance.id }, { targetType: 'instance', targetId: instance.id });
      assertSucceeded(await settled(app, viewer, again), BRING_UP);
      assert.equal((await get()).status, 'running');
      assert.equal(await pid(), before);
      assert.ok((await processesMentioning(await dir())).length > 0);
    });

    test('stop ends every process of the instance; it stays stopped', async () => {
      const running = (await pid())!;
      const stopped = await act('stop', ['stop']);
      assert.equal(stopped.status, 'stopped');
      assert.equal(stopped.desiredState, 'stopped');
      assert.equal(stopped.startedAt, null);
      assert.equal(isAlive(running), false);
      assert.deepEqual(await processesMentioning(await dir()), []);
    });

    test('start brings it back with its data; restart gives it a new process', async () => {
      const started = await act('start', BRING_UP);
      assert.equal(started.status, 'running');
      assert.equal(started.desiredState, 'running');
      await login();
      const first = (await pid())!;
      const restarted = await act('restart', ['stop', ...BRING_UP]);
      assert.equal(restarted.status, 'running');
      const second = (await pid())!;
      assert.notEqual(second, first);
      assert.equal(isAlive(first), false);
      await login();
    });

    test('every operator action is an instance event', async () => {
      const events = await app.prisma.instanceEvent.findMany({ where: { instanceId: instance.id }, orderBy: { at: 'asc' } });
      const actions = events.filter((e) => e.type === 'action').map((e) => e.reason.replace(/ by .*/, ''));
      assert.deepEqual(actions, ['Start requested', 'Stop requested', 'Start requested', 'Restart requested']);
      const changes = events.filter((e) => e.type === 'status-change').map((e) => `${e.fromStatus}->${e.toStatus}`);
      assert.equal(changes[0], 'provisioning->running');
      assert.ok(changes.includes('running->stopped') && changes.includes('stopped->running'), changes.join(', '));
    });

    test('GET /api/instances/:id/logs shows the server\'s output to moderators', async () => {
      const response = await app.http().get(`/api/instances/${instance.id}/logs?tail=1000`).set(bearer(moderator));
      assert.equal(response.status, 200, response.text);
      const lines = response.body.lines as string[];
      assert.ok(lines.length > 0);
      assert.ok(lines.some((line) => line.includes('hearth: starting')), 'the console log');
      if (kind === 'ejabberd') assert.ok(lines.includes('==> logs/error.log <=='), 'ejabberd\'s own error log');
      assert.ok(!lines.join('\n').includes(password), 'no password in the logs');
      assert.equal((await app.http().get(`/api/instances/${instance.id}/logs`).set(bearer(viewer))).status, 403);
    });

    test('destroy needs the name as confirmation, then leaves nothing behind', async () => {
      const directory = await dir();
      const running = (await pid())!;
      const wrong = await app.http().delete(`/api/instances/${instance.id}?confirm=${name}-not&reason=test`).set(bearer(admin));
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.code, 'instance/confirmation_mismatch');
      assert.ok(isAlive(running));

      const accepted = await app.http().delete(`/api/instances/${instance.id}?confirm=${name}&reason=end%20of%20test`).set(bearer(admin));
      assert.equal(accepted.status, 202, accepted.text);
      assertSucceeded(await settled(app, viewer, accepted.body.jobId), ['stop', 'remove-files', 'delete-record']);
      assert.equal((await app.http().get(`/api/instances/${instance.id}`).set(bearer(viewer))).status, 404);
      assert.equal(existsSync(directory), false);
      assert.equal(isAlive(running), false);
      assert.deepEqual(await processesMentioning(directory), []);
      assert.equal(await app.prisma.instancePort.count({ where: { instanceId: instance.id } }), 0);
      const audit = await app.prisma.auditEvent.findFirstOrThrow({ where: { action: 'instance.destroy', result: 'success' } });
      assert.equal(audit.reason, 'end of test');
      assert.equal(audit.targetId, instance.id);
    });

    test('every request left its audit event, without secrets', async () => {
      await assertAuditTrailComplete(app, context);
    });
  });
}
