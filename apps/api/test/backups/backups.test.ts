import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { Backup, Instance } from '@hearth/contracts';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { assertAuditTrailComplete } from '../support/audit';
import { goOnline, loginFails } from '../instances/support';
import { assertSucceeded, settled, startInstancesApp } from '../instances-api/support';
import { sftpServerSkipReason, startSftpServer } from '../support/sftp-server';
import { rootfsSkipReason, testVersionStore } from '../support/synapse-rootfs';
import { matrixLogin } from '../synapse/matrix-client';

// Backups end to end on real servers, a real age CLI, zstd and tar: back up, decrypt by hand,
// destroy, restore, log in again and find the messages; wrong keys and broken targets.
const RANGE = '28100-28199';
const BRING_UP = ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health'];
const BACKUP_STEPS = ['snapshot', 'upload', 'verify', 'prune'];
const RESTORE_STEPS = ['download', 'stop', 'set-aside', 'put-in-place', 'start', 'wait-healthy', 'load', 'bootstrap', 'check', 'clean-up'];

describe('encrypted backups and restores', { timeout: 10 * 60_000 }, () => {
  const context = useTestContext();
  let app: TestApp;
  let admin: string;
  let keyFile: string;
  let identity: string;
  let recipientId: string;
  let targetId: string;
  let targetDir: string;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  context.secrets.add(password);

  const provision = async (body: Record<string, unknown>): Promise<Instance> => {
    const created = await app.http().post('/api/instances').set(bearer(admin)).send(body);
    assert.equal(created.status, 202, created.text);
    assertSucceeded(await settled(app, admin, created.body.jobId, 120_000), BRING_UP);
    return (await app.http().get(`/api/instances/${created.body.id}`).set(bearer(admin))).body as Instance;
  };
  const addUser = async (instance: Instance, username: string) => {
    const created = await app.http().post(`/api/instances/${instance.id}/users`).set(bearer(admin)).send({ username, password });
    assert.equal(created.status, 201, created.text);
  };
  const login = (instance: Instance, username: string) => ({ port: Number(instance.endpoints.client!.split(':').pop()), domain: instance.domain, username, password });
  const backUp = async (instance: Instance, target = targetId): Promise<{ backup: Backup; job: Awaited<ReturnType<typeof settled>> }> => {
    const started = await app.http().post('/api/backups').set(bearer(admin)).send({ instanceId: instance.id, targetId: target, recipientIds: [recipientId] });
    assert.equal(started.status, 202, started.text);
    const job = await settled(app, admin, started.body.jobId, 120_000);
    const backup = (await app.http().get(`/api/backups/${started.body.id}`).set(bearer(admin))).body as Backup;
    return { backup, job };
  };
  /** alice, online, leaves bob (offline) a message the server must keep. */
  const leaveMessage = async (instance: Instance, text: string) => {
    const alice = await goOnline(login(instance, 'alice'));
    await alice.send(`bob@${instance.domain}`, text);
    await alice.stop();
  };
  const bobReceives = async (instance: Instance, text: string) => {
    const bob = await goOnline(login(instance, 'bob'));
    try {
      const message = await bob.message((m) => m.getChildText('body') === text, 10_000);
      assert.ok(message);
    } finally {
      await bob.stop();
    }
  };

  before(async () => {
    app = await startInstancesApp(context, RANGE, { HEARTH_VERSION_STORE: testVersionStore() });
    admin = await app.sessionFor((await app.createOperator('admin')).id);
    // The operator's key pair, made by the reference tool; Hearth only ever gets the public half.
    keyFile = join(context.dataDir, 'operator-key.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    identity = readFileSync(keyFile, 'utf8');
    const publicKey = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
    context.secrets.add(identity.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-'))!);
    const recipient = await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'operator laptop', publicKey });
    assert.equal(recipient.status, 201, recipient.text);
    recipientId = recipient.body.id;
    targetDir = join(context.dataDir, 'offsite');
    const target = await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'offsite disk', kind: 'local', config: { path: targetDir } });
    assert.equal(target.status, 201, target.text);
    targetId = target.body.id;
  });

  test('recipients and targets: bad keys and paths are refused with clear codes', async () => {
    const bad = await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'typo', publicKey: 'age1notakey' });
    assert.equal(bad.status, 400);
    // The right shape, a broken checksum.
    const good = (await app.http().get('/api/backup-recipients').set(bearer(admin))).body.data[0].publicKey as string;
    const flipped = `${good.slice(0, -1)}${good.endsWith('q') ? 'p' : 'q'}`;
    const checksum = await app.http().post('/api/backup-recipients').set(bearer(admin)).send({ name: 'flipped', publicKey: flipped });
    assert.equal(checksum.status, 400);
    assert.equal(checksum.body.code, 'backup_recipient/invalid');
    const relative = await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'rel', kind: 'local', config: { path: 'backups' } });
    assert.equal(relative.status, 400);
    const check = await app.http().post(`/api/backup-targets/${targetId}/check`).set(bearer(admin));
    assert.equal(check.status, 200, check.text);
    assert.equal(check.body.ok, true, check.body.detail);
  });

  test('Prosody: back up, decrypt by hand with age, destroy, restore into a new instance, log in and read the message', async () => {
    const xmpp = await provision({ name: 'family', kind: 'prosody', domain: 'family.test' });
    await addUser(xmpp, 'alice');
    await addUser(xmpp, 'bob');
    await leaveMessage(xmpp, 'see you at dinner');

    const { backup, job } = await backUp(xmpp);
    assertSucceeded(job, BACKUP_STEPS);
    assert.equal(backup.status, 'verified');
    assert.equal(backup.accountCount, 2);
    assert.ok(backup.objectKey?.startsWith('family/') && backup.objectKey.endsWith('.tar.zst.age'), backup.objectKey ?? '');
    const object = join(targetDir, backup.objectKey!);
    const bytes = readFileSync(object);
    assert.equal(bytes.length, backup.sizeBytes);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), backup.sha256);
    assert.ok(bytes.subarray(0, 21).toString() === 'age-encryption.org/v1', 'an age file');
    const sidecar = JSON.parse(readFileSync(`${object}.json`, 'utf8'));
    assert.deepEqual(sidecar.object, { key: backup.objectKey, size: backup.sizeBytes, sha256: backup.sha256 });
    assert.doesNotMatch(JSON.stringify(sidecar), /alice|bob|prosody\.sqlite/, 'the plain sidecar names no account and no file');

    // The manual restore the docs describe, with the standard tools only.
    const by_hand = join(context.dataDir, 'by-hand');
    mkdirSync(by_hand);
    execFileSync('sh', ['-c', `age -d -i "$1" "$2" | zstd -d | tar x -C "$3"`, 'sh', keyFile, object, by_hand]);
    const manifest = JSON.parse(readFileSync(join(by_hand, 'HEARTH-MANIFEST.json'), 'utf8'));
    assert.equal(manifest.instance.kind, 'prosody');
    assert.equal(manifest.accounts, 2);
    assert.ok(manifest.files.some((f: { path: string }) => f.path === 'data/prosody.sqlite'));
    for (const file of manifest.files as { path: string; size: number; sha256: string }[]) {
      const content = readFileSync(join(by_hand, file.path));
      assert.equal(createHash('sha256').update(content).digest('hex'), file.sha256, file.path);
    }
    const users = execFileSync('sqlite3', [join(by_hand, 'data/prosody.sqlite'), "SELECT DISTINCT user FROM prosody WHERE store = 'accounts' ORDER BY user"], { encoding: 'utf8' });
    assert.deepEqual(users.trim().split('\n'), ['alice', 'bob']);

    const destroyed = await app.http().delete(`/api/instances/${xmpp.id}`).query({ confirm: 'family' }).set(bearer(admin));
    assert.equal(destroyed.status, 202, destroyed.text);
    assert.equal((await settled(app, admin, destroyed.body.jobId)).status, 'succeeded');

    const restored = await app.http().post(`/api/backups/${backup.id}/restore`).set(bearer(admin)).send({ mode: 'new', name: 'family-again', identity });
    assert.equal(restored.status, 202, restored.text);
    const restoreJob = await settled(app, admin, restored.body.jobId, 180_000);
    assertSucceeded(restoreJob, ['wait-for-instance', 'download', 'stop', 'set-aside', 'put-in-place', 'start', 'wait-healthy', 'load', 'bootstrap', 'check', 'clean-up']);
    const again = (await app.http().get(`/api/instances/${restored.body.instanceId}`).set(bearer(admin))).body as Instance;
    assert.equal(again.status, 'running');
    assert.equal(again.domain, 'family.test');
    await bobReceives(again, 'see you at dinner');
    const drill = await app.http().post(`/api/backups/${backup.id}/drill`).set(bearer(admin)).send({ identity });
    assert.equal(drill.status, 202, drill.text);
    assertSucceeded(await settled(app, admin, drill.body.jobId, 120_000), ['download', 'start', 'wait-healthy', 'load', 'check', 'clean-up']);
    const drilled = (await app.http().get(`/api/backups/${backup.id}`).set(bearer(admin))).body as Backup;
    assert.equal(drilled.lastDrillOk, true, drilled.lastDrillDetail ?? '');
    assert.deepEqual(readdirSync(join(context.dataDir, 'instances')).filter((name) => name.startsWith('.')), [], 'no scratch or restore directory is left');
  });

  test('ejabberd: restore into the same instance brings back a deleted account and its offline message', async () => {
    const xmpp = await provision({ name: 'club', kind: 'ejabberd', domain: 'club.test' });
    await addUser(xmpp, 'alice');
    await addUser(xmpp, 'bob');
    await leaveMessage(xmpp, 'training moved to 7');
    const { backup, job } = await backUp(xmpp);
    assertSucceeded(job, BACKUP_STEPS);
    assert.equal(backup.accountCount, 2);

    const erased = await app.http().delete(`/api/instances/${xmpp.id}/users/bob`).query({ confirm: 'bob' }).set(bearer(admin));
    assert.equal(erased.status, 204, erased.text);
    assert.ok(await loginFails(login(xmpp, 'bob')), 'bob is gone');

    const wrongConfirm = await app.http().post(`/api/backups/${backup.id}/restore`).set(bearer(admin)).send({ mode: 'same', identity, confirm: 'clu' });
    assert.equal(wrongConfirm.status, 400);
    assert.equal(wrongConfirm.body.code, 'backup/confirmation_mismatch');
    const restored = await app.http().post(`/api/backups/${backup.id}/restore`).set(bearer(admin)).send({ mode: 'same', identity, confirm: 'club' });
    assert.equal(restored.status, 202, restored.text);
    assertSucceeded(await settled(app, admin, restored.body.jobId, 180_000), RESTORE_STEPS);
    await bobReceives(xmpp, 'training moved to 7');
  });

  test('Synapse over SFTP: the host key is pinned, the backup lands on the server, a restore brings an erased account back', { skip: rootfsSkipReason || sftpServerSkipReason }, async () => {
    const sftp = await startSftpServer();
    context.onCleanup(() => sftp.stop());
    context.secrets.add(sftp.privateKey.trim().split('\n')[1]!);
    const created = await app.http().post('/api/backup-targets').set(bearer(admin)).send({
      name: 'friend\'s server', kind: 'sftp', config: { host: sftp.host, port: sftp.port, username: sftp.username, path: `${sftp.dataDir}/hearth` }, secrets: { privateKey: sftp.privateKey },
    });
    assert.equal(created.status, 201, created.text);
    assert.doesNotMatch(created.text, /PRIVATE KEY/);
    const check = await app.http().post(`/api/backup-targets/${created.body.id}/check`).set(bearer(admin));
    assert.equal(check.body.ok, true, check.body.detail);
    assert.equal(check.body.hostKeySha256, sftp.hostKeySha256);
    const pinned = await app.http().get(`/api/backup-targets/${created.body.id}`).set(bearer(admin));
    assert.equal(pinned.body.config.hostKeySha256, sftp.hostKeySha256, 'pinned at the first successful check');

    const matrix = await provision({ name: 'matrix', kind: 'synapse', domain: 'matrix.backup.test' });
    await addUser(matrix, 'grandma');
    assert.equal((await matrixLogin(matrix.baseUrl!, 'grandma', password)).status, 200);
    const { backup, job } = await backUp(matrix, created.body.id);
    assertSucceeded(job, BACKUP_STEPS);
    const stored = readFileSync(join(sftp.dataDir, 'hearth', backup.objectKey!));
    assert.equal(createHash('sha256').update(stored).digest('hex'), backup.sha256, 'the object on the SFTP server is the one recorded');

    const erased = await app.http().delete(`/api/instances/${matrix.id}/users/grandma`).query({ confirm: 'grandma' }).set(bearer(admin));
    assert.equal(erased.status, 204, erased.text);
    assert.notEqual((await matrixLogin(matrix.baseUrl!, 'grandma', password)).status, 200);
    const restored = await app.http().post(`/api/backups/${backup.id}/restore`).set(bearer(admin)).send({ mode: 'same', identity, confirm: 'matrix' });
    assert.equal(restored.status, 202, restored.text);
    assertSucceeded(await settled(app, admin, restored.body.jobId, 180_000), RESTORE_STEPS);
    assert.equal((await matrixLogin(matrix.baseUrl!, 'grandma', password)).status, 200, 'grandma logs in again');
  });

  test('a wrong identity is refused before anything happens; the instance keeps running untouched', async () => {
    const xmpp = await provision({ name: 'wrongkey', kind: 'prosody', domain: 'wrongkey.test' });
    await addUser(xmpp, 'alice');
    const { backup } = await backUp(xmpp);
    const other = join(context.dataDir, 'other-key.txt');
    execFileSync('age-keygen', ['-o', other], { stdio: 'ignore' });
    const otherIdentity = readFileSync(other, 'utf8');
    context.secrets.add(otherIdentity.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-'))!);
    const jobsBefore = (await app.http().get('/api/jobs').set(bearer(admin))).body.total;
    const refused = await app.http().post(`/api/backups/${backup.id}/restore`).set(bearer(admin)).send({ mode: 'same', identity: otherIdentity, confirm: 'wrongkey' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.body.code, 'restore/identity_mismatch');
    assert.doesNotMatch(refused.text, /AGE-SECRET-KEY/);
    const garbage = await app.http().post(`/api/backups/${backup.id}/drill`).set(bearer(admin)).send({ identity: 'AGE-SECRET-KEY-1NOTAKEY' });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.code, 'restore/identity_invalid');
    assert.equal((await app.http().get('/api/jobs').set(bearer(admin))).body.total, jobsBefore, 'no job was queued');
    const still = (await app.http().get(`/api/instances/${xmpp.id}`).set(bearer(admin))).body as Instance;
    assert.equal(still.status, 'running');
  });

  test('a full target fails the backup clearly, leaves nothing behind, and raises an alert', async () => {
    const xmpp = await provision({ name: 'fulldisk', kind: 'prosody', domain: 'fulldisk.test' });
    await addUser(xmpp, 'alice');
    // Content that won't compress, bigger than the target: the upload must run out of space.
    const dir = (await app.prisma.instance.findUniqueOrThrow({ where: { id: xmpp.id } })).dir;
    writeFileSync(join(dir, 'data', 'upload.bin'), randomBytes(3 * 1024 * 1024));
    const tiny = join(context.dataDir, 'tiny');
    mkdirSync(tiny);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny]);
    context.onCleanup(() => execFileSync('umount', [tiny]));
    const target = await app.http().post('/api/backup-targets').set(bearer(admin)).send({ name: 'tiny stick', kind: 'local', config: { path: tiny } });
    const hook = await app.http().post('/api/alert-channels').set(bearer(admin)).send({ name: 'ops', kind: 'webhook', url: 'http://127.0.0.1:9/hook' });
    assert.equal(hook.status, 201, hook.text);

    const { backup, job } = await backUp(xmpp, target.body.id);
    assert.equal(job.status, 'failed');
    assert.equal(backup.status, 'failed');
    assert.match(backup.error ?? '', /full|space/i);
    assert.deepEqual(readdirSync(tiny, { recursive: true }).filter((name) => String(name).includes('.age')), [], 'no object, not even a temporary one');
    const event = await waitFor('the backup-failed event', async () => (await app.prisma.instanceEvent.findFirst({ where: { instanceId: xmpp.id, type: 'backup-failed' } })) ?? undefined);
    assert.match(event.reason, /full|space/i);
    const delivery = await app.prisma.alertDelivery.findFirst({ where: { eventId: event.id } });
    assert.ok(delivery, 'an alert delivery was made for the failed backup');
    const verifiedOnly = await app.http().get('/api/backups').query({ status: 'verified' }).set(bearer(admin));
    assert.ok(verifiedOnly.body.data.every((b: Backup) => b.id !== backup.id));
  });

  test('every backup action is audited, with no key in the log', async () => {
    await assertAuditTrailComplete(app, context);
  });
});
