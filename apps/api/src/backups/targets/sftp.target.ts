import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { Client, type ConnectConfig, type SFTPWrapper, type Stats, utils } from 'ssh2';
import {
  type BackupTarget,
  type DirectoryEntry,
  type StoredObject,
  type TargetCheck,
  type UploadResult,
  abandonBody,
  checkKey,
  checkStoredCopy,
  describeFreeSpace,
  hashStream,
  listObjects,
  temporaryName,
  writeProbe,
} from './backup-target';
import { TargetError } from './target-error';

export interface SftpTargetConfig {
  host: string;
  port: number;
  username: string;
  /** Base directory on the server; a relative one is relative to the login directory. */
  path: string;
  /** `SHA256:<base64>` as `ssh-keygen -lf` prints it; unset, any host key is accepted (and reported by test()). */
  hostKeySha256?: string;
}

export interface SftpTargetSecrets {
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

/** TCP connect, key exchange and authentication together. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A connection that died silently (a NAT forgot it) is noticed after 3 unanswered keepalives. */
const KEEPALIVE_MS = 15_000;
/** Requests on the wire at once: a long round trip would otherwise cap throughput at one chunk per round trip. */
const REQUESTS_IN_FLIGHT = 16;
/** Every SFTP server must accept reads of this size (draft-ietf-secsh-filexfer-02, 3). */
const READ_CHUNK = 32 * 1024;

// SFTPv3 (what OpenSSH speaks) has no status for a full disk: sftp-server answers FAILURE. Later
// drafts added these two, which some servers send.
const NO_SPACE_ON_FILESYSTEM = 14;
const QUOTA_EXCEEDED = 15;
const { STATUS_CODE } = utils.sftp;

type Callback<T> = (error: Error | null | undefined, result?: T) => void;

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  hostKeySha256: string;
  closed: boolean;
}

/**
 * A directory on an SSH server, over SFTP (OpenSSH's internal-sftp, a storage box, a NAS). One
 * connection per target object, opened at first use and again after it dropped.
 */
export class SftpTarget implements BackupTarget {
  private current?: Promise<Session>;
  private readonly where: string;

  constructor(
    private readonly config: SftpTargetConfig,
    private readonly secrets: SftpTargetSecrets,
  ) {
    this.where = `${config.username}@${config.host}:${config.port}`;
  }

  async test(): Promise<TargetCheck> {
    const { sftp, hostKeySha256 } = await this.session();
    await writeProbe(this);
    const freeBytes = await freeSpace(sftp, this.config.path).catch((error: unknown) => {
      throw this.error(error, 'check the free space of', this.config.path);
    });
    return {
      detail: `Wrote, read back and deleted a test file in ${this.config.path} on ${this.where}${describeFreeSpace(freeBytes)}`,
      hostKeySha256,
      ...(freeBytes === undefined ? {} : { freeBytes }),
    };
  }

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<UploadResult> {
    checkKey(key);
    const path = this.pathOf(key);
    const dir = posix.dirname(path);
    const temporary = posix.join(dir, temporaryName(posix.basename(path)));
    let sftp: SFTPWrapper | undefined;
    try {
      ({ sftp } = await this.session());
      await this.makeDirectories(sftp, dir);
      const sent = await this.upload(sftp, temporary, body);
      checkStoredCopy(`${this.where}:${temporary}`, sent, await hashStream(await this.readStream(sftp, temporary)));
      await this.replace(sftp, temporary, path);
      return sent;
    } catch (error) {
      abandonBody(body);
      if (sftp) await removeQuietly(sftp, temporary);
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    checkKey(key);
    const path = this.pathOf(key);
    const { sftp } = await this.session();
    try {
      const info = await call<Stats>((done) => sftp.stat(path, done));
      return info.isFile() ? { key, size: info.size, modifiedAt: new Date(info.mtime * 1000) } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.error(error, 'look at', path);
    }
  }

  async read(key: string): Promise<Readable> {
    checkKey(key);
    const { sftp } = await this.session();
    return this.readStream(sftp, this.pathOf(key));
  }

  list(prefix: string): Promise<StoredObject[]> {
    return listObjects(prefix, (dirKey) => this.readDirectory(dirKey));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    const path = this.pathOf(key);
    const { sftp } = await this.session();
    await call<void>((done) => sftp.unlink(path, done)).catch((error: unknown) => {
      if (!isMissing(error)) throw this.error(error, 'delete', path);
    });
  }

  async close(): Promise<void> {
    const opening = this.current;
    this.current = undefined;
    const session = await opening?.catch(() => undefined);
    if (!session || session.closed) return;
    await new Promise<void>((resolve) => {
      session.client.once('close', resolve);
      session.client.end();
    });
  }

  private pathOf(key: string): string {
    return posix.join(this.config.path, key);
  }

  private session(): Promise<Session> {
    if (!this.current) {
      const opening: Promise<Session> = this.connect(() => {
        if (this.current === opening) this.current = undefined;
      });
      this.current = opening;
      opening.catch(() => {
        if (this.current === opening) this.current = undefined;
      });
    }
    return this.current;
  }

  private connect(onClosed: () => void): Promise<Session> {
    const { host, port, username, hostKeySha256: pinned } = this.config;
    const credentials = this.credentials();
    return new Promise<Session>((resolve, reject) => {
      const client = new Client();
      let seenKey: string | undefined;
      let ready = false;
      const fail = (error: TargetError) => {
        reject(error);
        client.end();
      };
      client.on('error', (error: Error & { level?: string }) => {
        // After ready a failure surfaces in the request it breaks, and 'close' follows.
        if (!ready) fail(this.connectError(error, seenKey));
      });
      client.on('close', () => {
        onClosed();
        if (!ready) fail(new TargetError('backup_target/unreachable', `${this.where} closed the connection before SSH was set up`));
      });
      client.on('ready', () => {
        ready = true;
        client.sftp((error, sftp) => {
          if (error) return fail(new TargetError('backup_target/failed', `${this.where} offers no SFTP service: ${error.message}`));
          const session: Session = { client, sftp, hostKeySha256: seenKey!, closed: false };
          client.once('close', () => (session.closed = true));
          // A protocol error ends the channel; the requests it broke report it.
          sftp.on('error', () => client.end());
          resolve(session);
        });
      });
      client.connect({
        host,
        port,
        username,
        ...credentials,
        readyTimeout: CONNECT_TIMEOUT_MS,
        keepaliveInterval: KEEPALIVE_MS,
        keepaliveCountMax: 3,
        // Runs during key exchange, so a wrong server never sees the password or a signature.
        hostVerifier: (key: Buffer) => {
          seenKey = hostKeyFingerprint(key);
          return pinned === undefined || seenKey === pinned;
        },
      });
      // Without it every small request (stat, open, close) waits ~40 ms for a delayed ACK.
      client.setNoDelay(true);
    });
  }

  private credentials(): Pick<ConnectConfig, 'password' | 'privateKey' | 'passphrase'> {
    const { password, privateKey, passphrase } = this.secrets;
    if (privateKey !== undefined && utils.parseKey(privateKey, passphrase) instanceof Error) {
      // parseKey's own message is not passed on: nothing of the key may reach an operator's screen.
      throw new TargetError(
        'backup_target/auth_failed',
        `The private key for ${this.where} cannot be read: ${passphrase === undefined ? 'it is encrypted (give its passphrase) or' : 'the passphrase is wrong or it is'} not an OpenSSH, PEM or PuTTY private key`,
      );
    }
    return { password, privateKey, passphrase };
  }

  private connectError(error: Error & { level?: string }, seenKey: string | undefined): TargetError {
    const { hostKeySha256: pinned } = this.config;
    if (pinned !== undefined && seenKey !== undefined && seenKey !== pinned) {
      return new TargetError(
        'backup_target/host_key_mismatch',
        `${this.where} presented the host key ${seenKey}, not the pinned ${pinned}; if its key was changed on purpose, pin the new one`,
      );
    }
    switch (error.level) {
      case 'client-authentication':
        return new TargetError('backup_target/auth_failed', `${this.where} rejected the ${this.credentialNames()}`);
      case 'client-timeout':
        return new TargetError('backup_target/unreachable', `No SSH connection to ${this.where} within ${CONNECT_TIMEOUT_MS / 1000} s`);
      case 'client-socket':
      case 'client-dns':
        return new TargetError('backup_target/unreachable', `Could not connect to ${this.where}: ${error.message}`);
      default:
        return new TargetError('backup_target/failed', `SSH connection to ${this.where} failed: ${error.message}`);
    }
  }

  private credentialNames(): string {
    const { password, privateKey } = this.secrets;
    return [password !== undefined && 'password', privateKey !== undefined && 'private key'].filter(Boolean).join(' and ') || 'login without credentials';
  }

  /** mkdir -p. */
  private async makeDirectories(sftp: SFTPWrapper, dir: string): Promise<void> {
    const missing: string[] = [];
    for (let current = dir; !(await this.isDirectory(sftp, current)); current = posix.dirname(current)) {
      missing.unshift(current);
      if (posix.dirname(current) === current) break;
    }
    for (const each of missing) {
      await call<void>((done) => sftp.mkdir(each, done)).catch(async (error: unknown) => {
        // Made meanwhile by a concurrent put(), or the server reports "exists" as a plain FAILURE.
        if (!(await this.isDirectory(sftp, each).catch(() => false))) throw this.error(error, 'create the directory', each);
      });
    }
  }

  private async isDirectory(sftp: SFTPWrapper, path: string): Promise<boolean> {
    try {
      const info = await call<Stats>((done) => sftp.stat(path, done));
      if (info.isDirectory()) return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.error(error, 'look at', path);
    }
    throw new TargetError('backup_target/failed', `${path} on ${this.where} is not a directory`);
  }

  /** Writes body to a new remote file, several writes in flight, and flushes it where the server can. */
  private async upload(sftp: SFTPWrapper, path: string, body: NodeJS.ReadableStream | Readable): Promise<UploadResult> {
    const handle = await call<Buffer>((done) => sftp.open(path, 'wx', { mode: 0o600 }, done)).catch((error: unknown) => {
      throw this.error(error, 'create', path);
    });
    const inFlight = new Set<Promise<void>>();
    let failure: Promise<TargetError> | undefined;
    let position = 0;
    const send = async (chunk: Buffer) => {
      const offset = position;
      position += chunk.length;
      const write: Promise<void> = call<void>((done) => sftp.write(handle, chunk, 0, chunk.length, offset, done))
        .catch((error: unknown) => {
          failure ??= this.writeError(sftp, error, path, chunk.length);
        })
        .finally(() => inFlight.delete(write));
      inFlight.add(write);
      if (inFlight.size >= REQUESTS_IN_FLIGHT) await Promise.race(inFlight);
      if (failure) throw await failure;
    };
    let sent: UploadResult;
    try {
      sent = await hashStream(body, send);
      await Promise.all(inFlight);
      if (failure) throw await failure;
      await extension<void>((done) => sftp.ext_openssh_fsync(handle, done))?.catch((error: unknown) => {
        throw this.error(error, 'flush', path);
      });
    } catch (error) {
      await Promise.all(inFlight);
      await call<void>((done) => sftp.close(handle, done)).catch(() => undefined);
      throw error;
    }
    await call<void>((done) => sftp.close(handle, done)).catch((error: unknown) => {
      throw this.error(error, 'close', path);
    });
    return sent;
  }

  /** OpenSSH answers a full disk with a plain FAILURE; statvfs tells whether that is what it was. */
  private async writeError(sftp: SFTPWrapper, error: unknown, path: string, length: number): Promise<TargetError> {
    if ((error as { code?: unknown }).code === STATUS_CODE.FAILURE) {
      const free = await freeSpace(sftp, posix.dirname(path)).catch(() => undefined);
      if (free !== undefined && free < length) {
        return new TargetError('backup_target/no_space', `No space left to write ${path} on ${this.where} (the filesystem is full)`);
      }
    }
    return this.error(error, 'write', path);
  }

  /** Renames over an existing object: atomically with OpenSSH's posix-rename, else remove first (SFTP's rename refuses to replace). */
  private async replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    const renamed =
      extension<void>((done) => sftp.ext_openssh_rename(from, to, done)) ??
      call<void>((done) => sftp.unlink(to, done))
        .catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        })
        .then(() => call<void>((done) => sftp.rename(from, to, done)));
    await renamed.catch((error: unknown) => {
      throw this.error(error, 'rename to its final name', from);
    });
  }

  /** Opens at once, so that a missing object fails here rather than in the stream. */
  private async readStream(sftp: SFTPWrapper, path: string): Promise<Readable> {
    const handle = await call<Buffer>((done) => sftp.open(path, 'r', done)).catch((error: unknown) => {
      throw isMissing(error) ? new TargetError('backup_target/failed', `There is no backup object ${path} on ${this.where}`) : this.error(error, 'read', path);
    });
    return Readable.from(this.readChunks(sftp, handle, path), { objectMode: false });
  }

  /** The file's content in order, several reads in flight. */
  private async *readChunks(sftp: SFTPWrapper, handle: Buffer, path: string): AsyncGenerator<Buffer> {
    const queue: { position: number; bytes: Promise<Buffer> }[] = [];
    let next = 0;
    try {
      for (;;) {
        while (queue.length < REQUESTS_IN_FLIGHT) {
          const bytes = readAt(sftp, handle, next, READ_CHUNK);
          // Requests abandoned below must not turn into unhandled rejections.
          bytes.catch(() => undefined);
          queue.push({ position: next, bytes });
          next += READ_CHUNK;
        }
        const { position, bytes } = queue.shift()!;
        const chunk = await bytes;
        if (chunk.length === 0) return;
        yield chunk;
        if (chunk.length < READ_CHUNK) {
          // A short read (end of file, or a server that sends less): the reads queued behind it
          // start at the wrong offset, so continue right after what arrived.
          queue.length = 0;
          next = position + chunk.length;
        }
      }
    } catch (error) {
      throw this.error(error, 'read', path);
    } finally {
      await call<void>((done) => sftp.close(handle, done)).catch(() => undefined);
    }
  }

  private async readDirectory(dirKey: string): Promise<DirectoryEntry[]> {
    const dir = posix.join(this.config.path, dirKey);
    const { sftp } = await this.session();
    try {
      // readdir reports what lstat would: a symlink is 'other', so the walk never leaves the target.
      const entries = await call<{ filename: string; attrs: Stats }[]>((done) => sftp.readdir(dir, done));
      return entries.map(({ filename, attrs }) => ({
        name: filename,
        kind: attrs.isFile() ? 'file' : attrs.isDirectory() ? 'directory' : 'other',
        size: attrs.size,
        modifiedAt: attrs.mtime === undefined ? null : new Date(attrs.mtime * 1000),
      }));
    } catch (error) {
      if (isMissing(error)) return [];
      throw this.error(error, 'list', dir);
    }
  }

  private error(error: unknown, action: string, path: string): TargetError {
    if (error instanceof TargetError) return error;
    const { code, message } = error as { code?: number; message: string };
    switch (code) {
      case STATUS_CODE.PERMISSION_DENIED:
        return new TargetError('backup_target/permission_denied', `${this.where} does not allow Hearth to ${action} ${path}; check the directory's owner and mode`);
      case NO_SPACE_ON_FILESYSTEM:
      case QUOTA_EXCEEDED:
        return new TargetError('backup_target/no_space', `No space left to ${action} ${path} on ${this.where} (${message})`);
      case undefined:
        // Not an SFTP status: the channel or connection broke (ssh2: "No response from server").
        return new TargetError('backup_target/unreachable', `The connection to ${this.where} broke while trying to ${action} ${path}: ${message}`);
      default:
        return new TargetError('backup_target/failed', `Could not ${action} ${path} on ${this.where}: ${message}`);
    }
  }
}

/** `SHA256:` and the unpadded base64 of the key's SHA-256, as `ssh-keygen -lf` shows it. */
function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function call<T>(start: (done: Callback<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, result) => (error ? reject(error) : resolve(result as T))));
}

/** Like call(), for an OpenSSH extension: undefined when the server did not offer it (ssh2 then throws at once). */
function extension<T>(start: (done: Callback<T>) => void): Promise<T> | undefined {
  let settle!: Callback<T>;
  const result = new Promise<T>((resolve, reject) => {
    settle = (error, value) => (error ? reject(error) : resolve(value as T));
  });
  try {
    start(settle);
  } catch {
    return undefined;
  }
  return result;
}

function readAt(sftp: SFTPWrapper, handle: Buffer, position: number, length: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) =>
    sftp.read(handle, Buffer.allocUnsafe(length), 0, length, position, (error, bytesRead, buffer) =>
      error ? reject(error) : resolve(buffer.subarray(0, bytesRead)),
    ),
  );
}

async function freeSpace(sftp: SFTPWrapper, path: string): Promise<number | undefined> {
  const info = await extension<{ f_bavail: number; f_frsize: number }>((done) => sftp.ext_openssh_statvfs(path, done));
  return info && info.f_bavail * info.f_frsize;
}

async function removeQuietly(sftp: SFTPWrapper, path: string): Promise<void> {
  await call<void>((done) => sftp.unlink(path, done)).catch(() => undefined);
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === STATUS_CODE.NO_SUCH_FILE;
}
