import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { TargetError } from './target-error';

export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date | null;
}

export interface UploadResult {
  size: number;
  /** Hex. */
  sha256: string;
}

export interface TargetCheck {
  /** One sentence for the operator, e.g. what was written where and how much space is left. */
  detail: string;
  /** SFTP only: the server's host key as `ssh-keygen -lf` prints it, to pin when it was not pinned yet. */
  hostKeySha256?: string;
  freeBytes?: number;
}

/**
 * Where encrypted backup objects are stored. Every method rejects with a TargetError, except that
 * put() passes on its body's own error unchanged.
 */
export interface BackupTarget {
  /** Connects, writes a small probe object under a temporary name, reads it back, deletes it. */
  test(): Promise<TargetCheck>;
  /**
   * Streams body to `key`: written under a temporary name (TEMPORARY_PREFIX, in the same
   * directory), size and sha256 computed while sending, then the stored temporary object is read
   * back and hashed; only when size and sha256 match is it renamed to `key` (an existing key is
   * replaced atomically where the protocol allows). On any failure the temporary object is removed
   * (best effort) and the error thrown.
   */
  put(key: string, body: NodeJS.ReadableStream | Readable): Promise<UploadResult>;
  /** null when there is no such object. */
  stat(key: string): Promise<StoredObject | null>;
  read(key: string): Promise<Readable>;
  /**
   * Objects whose key starts with `prefix` (keys are '/'-separated paths relative to the target
   * root; '' lists everything), sorted by key, temporary ones included with their names.
   */
  list(prefix: string): Promise<StoredObject[]>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** How the name of an object still being uploaded starts; a leftover one is from an interrupted put(). */
export const TEMPORARY_PREFIX = '.tmp-';

const MAX_KEY_LENGTH = 1024;

/** Throws unless key is a relative '/'-separated path of printable ASCII that cannot leave the target root. */
export function checkKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new TargetError('backup_target/failed', `Invalid backup object key ${JSON.stringify(String(key).slice(0, 100))}: ${problem}`);
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key === '') return 'it is empty';
  if (key.length > MAX_KEY_LENGTH) return `it is longer than ${MAX_KEY_LENGTH} characters`;
  if (!/^[\x20-\x7e]+$/.test(key)) return 'only printable ASCII characters are allowed';
  if (key.startsWith('/')) return 'it must be relative';
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return 'it has an empty, "." or ".." segment';
  return undefined;
}

/** Where put() writes before the rename: next to the final name, so the rename stays within one directory. */
export function temporaryName(baseName: string): string {
  // The random part keeps concurrent uploads apart; the cut keeps the name within NAME_MAX.
  return `${TEMPORARY_PREFIX}${randomBytes(6).toString('hex')}-${baseName.slice(0, 120)}`;
}

/**
 * Size and sha256 of everything a stream yields, each chunk handed to `send` (if given) after it
 * was hashed; the stream's own error is passed on unchanged.
 */
export async function hashStream(stream: AsyncIterable<Buffer | string>, send?: (chunk: Buffer) => Promise<void>): Promise<UploadResult> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    size += bytes.length;
    if (send) await send(bytes);
  }
  return { size, sha256: hash.digest('hex') };
}

/** After a failed put(): a producer writing into the body (a child process, say) gets EPIPE instead of waiting forever. */
export function abandonBody(body: NodeJS.ReadableStream | Readable): void {
  (body as Partial<Readable>).destroy?.();
}

/** A directory entry as listObjects() needs it. */
export interface DirectoryEntry {
  name: string;
  kind: 'file' | 'directory' | 'other';
  size: number;
  modifiedAt: Date | null;
}

/**
 * list() for targets with real directories: walks down from the root, entering only directories
 * that can hold keys starting with prefix. readDirectory('') is the root; a missing directory reads as empty.
 */
export async function listObjects(prefix: string, readDirectory: (dirKey: string) => Promise<DirectoryEntry[]>): Promise<StoredObject[]> {
  if (prefix !== '') checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  const found: StoredObject[] = [];
  const walk = async (dirKey: string): Promise<void> => {
    for (const entry of await readDirectory(dirKey)) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.kind === 'file' && key.startsWith(prefix)) {
        found.push({ key, size: entry.size, modifiedAt: entry.modifiedAt });
      } else if (entry.kind === 'directory' && (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`))) {
        await walk(key);
      }
    }
  };
  await walk('');
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** For TargetCheck.detail. */
export function describeFreeSpace(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes >= 1e9 ? `; ${(bytes / 1e9).toFixed(1)} GB free` : `; ${Math.floor(bytes / 1e6)} MB free`;
}

/** The read-back check of put(): the stored copy must be exactly what was sent. */
export function checkStoredCopy(where: string, sent: UploadResult, stored: UploadResult): void {
  if (sent.size !== stored.size || sent.sha256 !== stored.sha256) {
    throw new TargetError(
      'backup_target/failed',
      `The copy stored at ${where} differs from what was sent (${stored.size} bytes, sha256 ${stored.sha256}; sent ${sent.size} bytes, sha256 ${sent.sha256})`,
    );
  }
}

/** test()'s round trip through a target's own put(), read() and delete(). */
export async function writeProbe(target: BackupTarget): Promise<void> {
  const key = `${TEMPORARY_PREFIX}probe-${randomBytes(6).toString('hex')}`;
  const content = randomBytes(1024);
  try {
    await target.put(key, Readable.from([content]));
    const readBack = await hashStream(await target.read(key));
    checkStoredCopy(key, { size: content.length, sha256: createHash('sha256').update(content).digest('hex') }, readBack);
  } finally {
    await target.delete(key).catch(() => undefined);
  }
}
