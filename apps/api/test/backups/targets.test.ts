import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type BackupTarget, hashStream } from '../../src/backups/targets/backup-target';
import { LocalTarget } from '../../src/backups/targets/local.target';
import { SftpTarget, type SftpTargetConfig, type SftpTargetSecrets } from '../../src/backups/targets/sftp.target';
import { TargetError, type TargetErrorCode } from '../../src/backups/targets/target-error';
import { openTarget, sftpTargetConfig } from '../../src/backups/targets/targets';
import { type TestSftpServer, sftpServerSkipReason, startSftpServer } from '../support/sftp-server';

const execFileAsync = promisify(execFile);
const MB = 1024 * 1024;

/** Random content in 64 KiB chunks, the way a file or pipe delivers it. */
function randomContent(bytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 64 * 1024) chunks.push(randomBytes(Math.min(left, 64 * 1024)));
  return chunks;
}

function sha256(chunks: Buffer[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** Half a megabyte, then the producer fails (as a crashing encrypter would). */
function failingBody(): Readable {
  return Readable.from(
    (async function* () {
      yield* randomContent(MB / 2);
      throw new Error('the encrypter crashed');
    })(),
  );
}

/** Every file below dir, relative to it; directories themselves are not listed. */
async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

async function rejectsWith(promise: Promise<unknown>, code: TargetErrorCode, message?: RegExp): Promise<TargetError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof TargetError, `a TargetError, not ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

describe('backup targets', { skip: sftpServerSkipReason }, () => {
  let server: TestSftpServer;
  let scratch: string;
  const mounts: string[] = [];
  const opened: BackupTarget[] = [];
  let counter = 0;

  before(async () => {
    server = await startSftpServer();
    scratch = await mkdtemp(join(tmpdir(), 'hearth-targets-'));
  });
  after(async () => {
    for (const target of opened) await target.close();
    try {
      // Before stop(), which removes the directory they are mounted in.
      for (const mount of mounts.reverse()) await execFileAsync('umount', [mount]);
    } finally {
      await server?.stop();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  });

  function sftpConfig(path: string, overrides: Partial<SftpTargetConfig> = {}): SftpTargetConfig {
    return { host: server.host, port: server.port, username: server.username, path, ...overrides };
  }

  function sftpTarget(path: string, overrides: Partial<SftpTargetConfig> = {}, secrets: SftpTargetSecrets = { privateKey: server.privateKey }): SftpTarget {
    const target = new SftpTarget(sftpConfig(path, overrides), secrets);
    opened.push(target);
    return target;
  }

  /** A directory the target's user may write to (it does not exist yet: targets create their base). */
  function freshDir(kind: 'local' | 'sftp'): string {
    counter += 1;
    return join(kind === 'local' ? scratch : server.dataDir, `${kind}-${counter}`, 'backups');
  }

  function targetAt(kind: 'local' | 'sftp', dir: string): BackupTarget {
    return kind === 'local' ? new LocalTarget({ path: dir }) : sftpTarget(dir);
  }

  /** A tmpfs at a new directory, owned by the SFTP user so both kinds may write; unmounted after the file. */
  async function tmpfs(options: string): Promise<string> {
    counter += 1;
    const dir = join(server.dataDir, `mount-${counter}`);
    await mkdir(dir);
    await execFileAsync('mount', ['-t', 'tmpfs', '-o', `${options},mode=0755,uid=${server.uid},gid=${server.gid}`, 'hearth-test', dir]);
    mounts.push(dir);
    return dir;
  }

  for (const kind of ['local', 'sftp'] as const) {
    describe(kind, () => {
      test('put, stat, read, list and delete round-trip a few MB', async () => {
        const dir = freshDir(kind);
        const target = targetAt(kind, dir);
        const content = randomContent(3 * MB + 12_345);
        const key = 'instances/chat-1/2026-01-02T03-04-05Z.tar.zst.age';

        const uploaded = await target.put(key, Readable.from(content));
        assert.deepEqual(uploaded, { size: 3 * MB + 12_345, sha256: sha256(content) });
        const onDisk = await readFile(join(dir, key));
        assert.equal(createHash('sha256').update(onDisk).digest('hex'), uploaded.sha256, 'the file on disk is what was sent');
        assert.deepEqual(await filesOnDisk(dir), [key], 'no temporary file is left');

        const stored = await target.stat(key);
        assert.equal(stored?.key, key);
        assert.equal(stored?.size, uploaded.size);
        assert.ok(stored?.modifiedAt && Math.abs(stored.modifiedAt.getTime() - Date.now()) < 60_000);
        assert.deepEqual(await hashStream(await target.read(key)), uploaded);

        await target.put('instances/chat-2/other.age', Readable.from([Buffer.from('small')]));
        assert.deepEqual((await target.list('')).map((each) => each.key), [key, 'instances/chat-2/other.age']);
        assert.deepEqual((await target.list('instances/chat-1/')).map((each) => each.key), [key]);
        assert.deepEqual((await target.list('instances/chat-1/2026-01')).map((each) => each.key), [key], 'a prefix need not end at a /');
        assert.deepEqual((await target.list('instances/chat-1')).map((each) => each.key), [key]);
        assert.deepEqual(await target.list('elsewhere/'), []);
        assert.equal((await target.list('instances/chat-2/'))[0]?.size, 5);

        await target.delete(key);
        await target.delete(key);
        assert.equal(await target.stat(key), null);
        assert.equal(await target.stat('instances/chat-1'), null, 'a directory is no object');
        assert.deepEqual((await target.list('instances/')).map((each) => each.key), ['instances/chat-2/other.age']);
        await rejectsWith(target.read(key), 'backup_target/failed', /no backup object/);
      });

      test('put replaces an existing object', async () => {
        const dir = freshDir(kind);
        const target = targetAt(kind, dir);
        await target.put('a/object', Readable.from([Buffer.from('first version, longer')]));
        const second = await target.put('a/object', Readable.from([Buffer.from('second')]));
        assert.equal(second.size, 6);
        assert.equal(await readFile(join(dir, 'a/object'), 'utf8'), 'second');
        assert.deepEqual(await filesOnDisk(dir), ['a/object']);
      });

      test('a body that fails midway leaves neither the object nor a temporary file', async () => {
        const dir = freshDir(kind);
        const target = targetAt(kind, dir);
        await target.put('kept', Readable.from([Buffer.from('unrelated')]));
        await assert.rejects(target.put('sub/broken', failingBody()), /the encrypter crashed/);
        assert.deepEqual(await filesOnDisk(dir), ['kept']);
        assert.deepEqual((await target.list('')).map((each) => each.key), ['kept']);
        assert.equal(await target.stat('sub/broken'), null);
      });

      test('test() writes, reads back and deletes a probe', async () => {
        const dir = freshDir(kind);
        const check = await targetAt(kind, dir).test();
        assert.match(check.detail, /Wrote, read back and deleted a test file/);
        assert.ok(check.freeBytes !== undefined && check.freeBytes > 0);
        if (kind === 'sftp') assert.equal(check.hostKeySha256, server.hostKeySha256);
        else assert.equal(check.hostKeySha256, undefined);
        assert.deepEqual(await filesOnDisk(dir), []);
      });

      test('a directory it may not write to is permission_denied', async () => {
        let dir: string;
        if (kind === 'local') {
          // Root ignores file modes, but not a read-only filesystem.
          dir = await tmpfs('ro,size=1m');
        } else {
          dir = join(server.dataDir, `readonly-${++counter}`);
          await mkdir(dir);
          await chown(dir, server.uid, server.gid);
          await chmod(dir, 0o555);
        }
        const target = targetAt(kind, dir);
        await rejectsWith(target.put('object', Readable.from([Buffer.from('x')])), 'backup_target/permission_denied');
        await rejectsWith(target.put('sub/object', Readable.from([Buffer.from('x')])), 'backup_target/permission_denied', /create the directory/);
        await rejectsWith(target.test(), 'backup_target/permission_denied');
      });

      test('a full filesystem is no_space, and the partial upload is removed', async () => {
        const dir = await tmpfs('size=1m');
        const target = targetAt(kind, dir);
        await rejectsWith(target.put('too-big', Readable.from(randomContent(2 * MB))), 'backup_target/no_space');
        assert.deepEqual(await filesOnDisk(dir), []);
        await target.put('fits', Readable.from(randomContent(MB / 4)));
        assert.deepEqual(await filesOnDisk(dir), ['fits'], 'the space was given back');
      });

      test('keys that could leave the target root are refused', async () => {
        const target = targetAt(kind, freshDir(kind));
        for (const key of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', '', 'a/', 'tab\there', 'ünïcode']) {
          await rejectsWith(target.put(key, Readable.from([Buffer.from('x')])), 'backup_target/failed', /Invalid backup object key/);
        }
        await rejectsWith(target.stat('../x'), 'backup_target/failed');
        await rejectsWith(target.read('/etc/passwd'), 'backup_target/failed');
        await rejectsWith(target.delete('a/..'), 'backup_target/failed');
        await rejectsWith(target.list('../'), 'backup_target/failed');
      });
    });
  }

  describe('sftp connections', () => {
    /** sshd's log from mark on, once it shows pattern (it arrives through a pipe, a little after the client's answer). */
    async function logShows(mark: number, pattern: RegExp): Promise<string> {
      for (const started = Date.now(); Date.now() - started < 5_000; await setTimeout(20)) {
        const text = server.log().slice(mark);
        if (pattern.test(text)) return text;
      }
      assert.fail(`sshd's log never showed ${pattern}:\n${server.log().slice(mark)}`);
    }

    test('one connection serves a target until close(); a closed target reconnects on use', async () => {
      const target = sftpTarget(freshDir('sftp'));
      const mark = server.log().length;
      await target.put('one', Readable.from([Buffer.from('1')]));
      await target.list('');
      await target.stat('one');
      await target.close();
      assert.notEqual(await target.stat('one'), null);
      const log = await logShows(mark, /Accepted publickey[\s\S]*Accepted publickey/);
      assert.equal(log.match(/Accepted publickey/g)?.length, 2, log);
    });

    test('password authentication works, and so does the right pinned host key', async () => {
      const target = sftpTarget(freshDir('sftp'), { hostKeySha256: server.hostKeySha256 }, { password: server.password });
      const check = await target.test();
      assert.equal(check.hostKeySha256, server.hostKeySha256);
    });

    test('another pinned host key is host_key_mismatch, decided before any credentials are sent', async () => {
      const wrongKey = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
      const mark = server.log().length;
      const target = sftpTarget(freshDir('sftp'), { hostKeySha256: wrongKey }, { password: 'not the password' });
      const error = await rejectsWith(target.test(), 'backup_target/host_key_mismatch');
      assert.ok(error.message.includes(server.hostKeySha256) && error.message.includes(wrongKey), error.message);
      const log = await logShows(mark, /Disconnected from/);
      // Reason 3 is SSH_DISCONNECT_KEY_EXCHANGE_FAILED; sshd names the user only once one tried to log in.
      assert.match(log, /Received disconnect from .*:3: /);
      assert.doesNotMatch(log, /Failed|authenticating user/);
    });

    test('a wrong password or key is auth_failed, and the message holds no secret', async () => {
      const wrongPassword = 'wrong-password-4711';
      const mark = server.log().length;
      const byPassword = await rejectsWith(sftpTarget(freshDir('sftp'), {}, { password: wrongPassword }).test(), 'backup_target/auth_failed');
      assert.ok(!byPassword.message.includes(wrongPassword));
      await logShows(mark, /Failed password for hearth-sftp/);

      const otherKey = join(scratch, `other-key-${++counter}`);
      await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
      const wrongKey = await readFile(otherKey, 'utf8');
      const byKey = await rejectsWith(sftpTarget(freshDir('sftp'), {}, { privateKey: wrongKey }).test(), 'backup_target/auth_failed');
      assert.match(byKey.message, /rejected the private key/);

      const garbage = '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n';
      const unreadable = await rejectsWith(sftpTarget(freshDir('sftp'), {}, { privateKey: garbage }).test(), 'backup_target/auth_failed', /cannot be read/);
      assert.ok(!unreadable.message.includes('bm90IGEga2V5'));
    });

    test('nothing listening is unreachable', async () => {
      await rejectsWith(sftpTarget(freshDir('sftp'), { port: server.closedPort }).test(), 'backup_target/unreachable', /ECONNREFUSED/);
    });
  });

  describe('openTarget', () => {
    test('opens a target of each kind from stored settings and secrets', async () => {
      const local = openTarget('local', { path: freshDir('local') }, {});
      assert.ok(local instanceof LocalTarget);
      const sftp = openTarget('sftp', sftpConfig(freshDir('sftp')), { privateKey: server.privateKey });
      opened.push(sftp);
      assert.ok(sftp instanceof SftpTarget);
      assert.equal((await sftp.test()).hostKeySha256, server.hostKeySha256);
    });

    test('refuses invalid settings without echoing secrets', () => {
      assert.throws(() => openTarget('local', { path: 'relative/dir' }, {}), /path: must be an absolute path/);
      assert.throws(() => openTarget('sftp', sftpConfig('/x'), {}), /needs a password or a private key/);
      assert.throws(
        () => openTarget('sftp', sftpConfig('/x'), { password: 'hunter2-secret', token: 'also-secret' }),
        (error: Error) => error instanceof TargetError && !error.message.includes('secret') && /token/.test(error.message),
      );
      assert.equal(sftpTargetConfig.parse({ host: 'backup.example.org', username: 'u', path: 'backups' }).port, 22);
      assert.equal(sftpTargetConfig.safeParse({ host: 'h', username: 'u', path: 'p', hostKeySha256: 'SHA256:short' }).success, false);
    });
  });
});
