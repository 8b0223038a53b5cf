import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allocatePorts } from '../../src/runtimes/ports';

const execFileAsync = promisify(execFile);

/** The unprivileged account the test server lets in; created on first use and kept (locked) afterwards. */
export const SFTP_TEST_USER = 'hearth-sftp';
/** This range is the SFTP tests' own; nothing else in the suite binds it. */
export const SFTP_TEST_PORTS = { first: 28000, last: 28099 };

/** Starting sshd as another user, and creating that user, needs root; the server is Debian's openssh-server. */
export const sftpServerSkipReason: string | false =
  process.getuid?.() !== 0 ? 'needs root (sshd, useradd, mount)' : !existsSync('/usr/sbin/sshd') ? 'needs openssh-server (apt-get install openssh-server)' : false;

export interface TestSftpServer {
  host: '127.0.0.1';
  port: number;
  /** A port of the range on which nothing listens. */
  closedPort: number;
  username: string;
  password: string;
  /** OpenSSH format, unencrypted; its public half is the only authorized key. */
  privateKey: string;
  /** As `ssh-keygen -lf` prints it. */
  hostKeySha256: string;
  /** A directory owned by the test user, for targets to point into; the same path on disk and over SFTP. */
  dataDir: string;
  uid: number;
  gid: number;
  /** sshd's log so far (LogLevel VERBOSE): accepted and failed logins, for assertions and failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A real OpenSSH server on 127.0.0.1 with a host key, a client key and a config of its own in a
 * temporary directory. Its only user is SFTP_TEST_USER, held to internal-sftp; it accepts the
 * client key and a random password (checked against /etc/shadow, since PAM is off).
 */
export async function startSftpServer(): Promise<TestSftpServer> {
  const { uid, gid } = await ensureTestUser();
  const root = await mkdtemp(join(tmpdir(), 'hearth-sftp-'));
  // sshd reads authorized_keys as the user, who also needs to reach dataDir.
  await chmod(root, 0o755);
  const hostKey = join(root, 'host_key');
  const clientKey = join(root, 'client_key');
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hearth-test-host', '-f', hostKey]);
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hearth-test-client', '-f', clientKey]);
  await copyFile(`${clientKey}.pub`, join(root, 'authorized_keys'));
  await chmod(join(root, 'authorized_keys'), 0o644);
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  await chown(dataDir, uid, gid);
  const password = randomBytes(18).toString('base64url');
  await setPassword(`${SFTP_TEST_USER}:${password}`);
  // "256 SHA256:... hearth-test-host (ED25519)"
  const hostKeySha256 = (await execFileAsync('ssh-keygen', ['-lf', `${hostKey}.pub`])).stdout.split(' ')[1]!;
  // Privilege separation needs it; Debian's package makes it only at boot (tmpfiles) or in its unit.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const ports = await allocatePorts(
    [
      { name: 'ssh', host: '127.0.0.1' },
      { name: 'closed', host: '127.0.0.1' },
    ],
    { taken: new Set(), range: SFTP_TEST_PORTS },
  );
  const port = ports.ssh!;
  const config = join(root, 'sshd_config');
  await writeFile(config, sshdConfig(root, port));
  let log = '';
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    await listening(sshd, port, () => log);
  } catch (error) {
    sshd.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  return {
    host: '127.0.0.1',
    port,
    closedPort: ports.closed!,
    username: SFTP_TEST_USER,
    password,
    privateKey: await readFile(clientKey, 'utf8'),
    hostKeySha256,
    dataDir,
    uid,
    gid,
    log: () => log,
    async stop() {
      if (sshd.exitCode === null && sshd.signalCode === null) {
        const exited = new Promise((resolve) => sshd.once('exit', resolve));
        sshd.kill('SIGTERM');
        await exited;
      }
      // No usable password is left behind for the host's own sshd.
      await execFileAsync('usermod', ['--lock', SFTP_TEST_USER]);
      await rm(root, { recursive: true, force: true });
    },
  };
}

function sshdConfig(root: string, port: number): string {
  return `Port ${port}
ListenAddress 127.0.0.1:${port}
AddressFamily inet
HostKey ${join(root, 'host_key')}
PidFile ${join(root, 'sshd.pid')}
AuthorizedKeysFile ${join(root, 'authorized_keys')}
AllowUsers ${SFTP_TEST_USER}
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PermitTTY no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
LogLevel VERBOSE
Subsystem sftp internal-sftp
ForceCommand internal-sftp
`;
}

/** The account with nologin as its shell: ForceCommand internal-sftp never starts a shell. */
async function ensureTestUser(): Promise<{ uid: number; gid: number }> {
  const existing = await execFileAsync('getent', ['passwd', SFTP_TEST_USER]).catch(() => undefined);
  if (!existing) {
    await execFileAsync('useradd', ['--system', '--create-home', '--shell', '/usr/sbin/nologin', '--comment', 'Hearth SFTP tests', SFTP_TEST_USER]).catch(
      async (error: unknown) => {
        // Another test process created it meanwhile.
        if (!(await execFileAsync('getent', ['passwd', SFTP_TEST_USER]).catch(() => undefined))) throw error;
      },
    );
  }
  const fields = (await execFileAsync('getent', ['passwd', SFTP_TEST_USER])).stdout.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** chpasswd reads "user:password" from stdin, so the password never shows in a process list. */
function setPassword(line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('chpasswd', (error) => (error ? reject(error) : resolve()));
    child.stdin!.end(`${line}\n`);
  });
}

function listening(sshd: ChildProcess, port: number, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`sshd did not start listening within 10 s:\n${log()}`)), 10_000);
    const onData = () => {
      if (log().includes(`Server listening on 127.0.0.1 port ${port}`)) done();
    };
    const onExit = () => done(new Error(`sshd exited at start:\n${log()}`));
    const done = (error?: Error) => {
      clearTimeout(timer);
      sshd.stderr!.off('data', onData);
      sshd.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    sshd.stderr!.on('data', onData);
    sshd.once('exit', onExit);
  });
}
