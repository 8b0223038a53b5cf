import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Backup, Instance } from '@hearth/contracts';
import { BackupJobs } from '../../src/backups/backup.jobs';
import { TEMPORARY_PREFIX } from '../../src/backups/targets/backup-target';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { workerProcess } from '../support/worker-process';
import { settled } from '../instances-api/support';

// The backup jobs against a real worker process: killed in the middle of an upload, started
// again; schedules that fire from cron and prune by their keep rules; a schedule whose backup
// never happened raises an alert.
const RANGE = '28300-28399';

describe('backup jobs with a worker that dies', { timeout: 8 * 60_000 }, () => {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let keyFile: string;
  let recipientId: string;
  let targetId: string;
  let targetDir: string;
  let instance: Instance;
  let scheduleId: string;
  const env = () => context.env({ HEARTH_INSTANCES_DIR: join(context.dataDir, 'instances'), HEARTH_PORT_RANGE: RANGE });

  const worker = workerProcess(env);
  const backupRow = async (id: string) => (await app.http().get(`/api/backups/${id}`).set(bearer(admin))).body as Backup;

  before(async () => {
    await chmod(context.dataDir, 0o711);
    app = await context.startApp({ HEARTH_INSTANCES_DIR: join(context.dataDir, 'instances'), HEARTH_PORT_RANGE: RANGE });
    context.onCleanup(async () => {
      await worker.stop('SIGTERM');
      const host = app.get(HomeserverHost);
      for (const row of await app.prisma.instance.findMany()) {
        const { context: instance } = host.context(row);
        await instance.runtime.destroy(instance.spec);
      }
    });
    worker.start();
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    keyFile = join(context.dataDir, 'key.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    const publicKey = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
    recipientId = (await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'ops', publicKey })).body.id;
    targetDir = join(context.dataDir, 'target');
    targetId = (await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'nas', kind: 'local', config: { path: targetDir } })).body.id;
    const created = await app.http().post('/api/instances').set(bearer(admin)).send({ name: 'family', kind: 'prosody', domain: 'family.test' });
    assert.equal(created.status, 202, created.text);
    assert.equal((await settled(app, admin, created.body.jobId, 120_000)).status, 'succeeded');
    instance = (await app.http().get(`/api/instances/${created.body.id}`).set(bearer(admin))).body;
    // Every minute, keeping only the newest: by the end of the file a second run has pruned the first.
    const schedule = await app.http().post('/api/backup-schedules').set(bearer(admin)).send({
      instanceId: instance.id, targetId, recipientIds: [recipientId], cron: '* * * * *', timezone: 'Europe/Berlin', keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0,
    });
    assert.equal(schedule.status, 201, schedule.text);
    scheduleId = schedule.body.id;
  });

  test('bad schedules are refused with a clear code', async () => {
    for (const cron of ['every day', '* * * *', '0 0 * * * *', '61 * * * *']) {
      const refused = await app.http().post('/api/backup-schedules').set(bearer(admin)).send({ instanceId: instance.id, targetId, recipientIds: [recipientId], cron });
      assert.equal(refused.status, 400, `${cron}: ${refused.text}`);
    }
    const zone = await app.http().post('/api/backup-schedules').set(bearer(admin)).send({ instanceId: instance.id, targetId, recipientIds: [recipientId], cron: '0 3 * * *', timezone: 'Mars/Olympus' });
    assert.equal(zone.body.code, 'backup_schedule/invalid_cron');
    const listed = await app.http().get('/api/backup-schedules').query({ instanceId: instance.id }).set(bearer(admin));
    assert.equal(listed.body.total, 1);
    assert.ok(Date.parse(listed.body.data[0].nextRunAt) - Date.now() <= 60_000);
  });

  test('a worker killed during the upload leaves no backup marked good; the job ends one way or the other', async () => {
    const dir = (await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } })).dir;
    // Incompressible content, so the upload takes long enough to be caught in the middle.
    await mkdir(join(dir, 'data', 'uploads'), { recursive: true });
    for (let i = 0; i < 12; i++) await writeFile(join(dir, 'data', 'uploads', `photo-${i}.bin`), randomBytes(16 * 1024 * 1024));
    const started = await app.http().post('/api/backups').set(bearer(admin)).send({ instanceId: instance.id, targetId, recipientIds: [recipientId] });
    assert.equal(started.status, 202, started.text);
    await waitFor('the upload step to run', async () => {
      const step = await app.prisma.jobStep.findFirst({ where: { jobRunId: started.body.jobId, name: 'upload' } });
      return step?.status === 'running' ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 20 });
    await worker.stop('SIGKILL');

    const during = await backupRow(started.body.id);
    assert.equal(during.status, 'running');
    const objects = await readdir(join(targetDir, 'family')).catch(() => [] as string[]);
    // A temporary object (the upload caught in the middle) may be there; a final one may not.
    assert.deepEqual(objects.filter((name) => name.endsWith('.age') && !name.startsWith(TEMPORARY_PREFIX)), [], `only temporary objects after the kill: ${objects.join(', ')}`);

    worker.start();
    const settledBackup = await waitFor('the interrupted backup to settle', async () => {
      const row = await backupRow(started.body.id);
      return row.status === 'running' ? undefined : row;
    }, { timeoutMs: 150_000, intervalMs: 500 });
    if (settledBackup.status === 'verified') {
      // Resumed by the new worker: then the object must be whole and readable with the key.
      const object = join(targetDir, settledBackup.objectKey!);
      assert.equal(createHash('sha256').update(await readFile(object)).digest('hex'), settledBackup.sha256);
      const listing = execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | zstd -d | tar t', 'sh', keyFile, object], { encoding: 'utf8', maxBuffer: 1 << 24 });
      assert.match(listing, /data\/uploads\/photo-11\.bin/);
    } else {
      assert.equal(settledBackup.status, 'failed');
      assert.match(settledBackup.error ?? '', /worker/i);
    }
  });

  test('the schedule fired, verified its backups and pruned by its keep rules', async () => {
    // A backup is verified before its job prunes by the keep rules: wait for a moment after a prune.
    const scheduled = await waitFor('two scheduled backups, the older pruned', async () => {
      const rows = await app.prisma.backup.findMany({ where: { scheduleId }, orderBy: { startedAt: 'asc' } });
      const count = (status: string) => rows.filter((row) => row.status === status).length;
      return count('pruned') >= 1 && count('verified') === 1 ? rows : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500 });
    // keepLast 1: only the newest stays.
    const verified = scheduled.filter((row) => row.status === 'verified');
    const pruned = scheduled.filter((row) => row.status === 'pruned');
    assert.ok(verified[0]!.startedAt > pruned.at(-1)!.startedAt, 'the newest is the one kept');
    for (const row of pruned) await assert.rejects(readFile(join(targetDir, row.objectKey!)), /ENOENT/, 'a pruned backup is deleted from the target');
    await readFile(join(targetDir, verified[0]!.objectKey!));
    const schedule = (await app.http().get(`/api/backup-schedules/${scheduleId}`).set(bearer(admin))).body;
    assert.equal(schedule.lastStatus, 'verified');
  });

  test('a scheduled backup that never happened raises an alert', async () => {
    const yearly = await app.http().post('/api/backup-schedules').set(bearer(admin)).send({ instanceId: instance.id, targetId, recipientIds: [recipientId], cron: '0 4 1 1 *' });
    assert.equal(yearly.status, 201, yearly.text);
    // Made two years ago, and its New Year's backup never ran (its worker was down, say).
    await app.prisma.backupSchedule.update({ where: { id: yearly.body.id }, data: { createdAt: new Date(Date.now() - 2 * 365 * 86_400_000) } });
    await app.get(BackupJobs).watch();
    const missed = await app.prisma.instanceEvent.findMany({ where: { instanceId: instance.id, type: 'backup-missed' } });
    assert.equal(missed.length, 1);
    assert.match(missed[0]!.reason, /0 4 1 1 \* UTC/);
    await app.get(BackupJobs).watch();
    assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: instance.id, type: 'backup-missed' } }), 1, 'reported once');
  });
});
