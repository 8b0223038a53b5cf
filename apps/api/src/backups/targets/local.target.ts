import { createReadStream } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, rename, rm, stat, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
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

export interface LocalTargetConfig {
  /** Absolute; created when missing. */
  path: string;
}

/** A directory on Hearth's own host, typically a mounted backup disk or network share. */
export class LocalTarget implements BackupTarget {
  constructor(private readonly config: LocalTargetConfig) {}

  async test(): Promise<TargetCheck> {
    await writeProbe(this);
    const { bavail, bsize } = await attempt('check the free space of', this.config.path, statfs(this.config.path));
    const freeBytes = bavail * bsize;
    return { detail: `Wrote, read back and deleted a test file in ${this.config.path}${describeFreeSpace(freeBytes)}`, freeBytes };
  }

  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<UploadResult> {
    checkKey(key);
    const file = this.pathOf(key);
    const dir = dirname(file);
    const temporary = join(dir, temporaryName(basename(file)));
    try {
      await makeDirectories(dir);
      const sent = await writeFileFrom(temporary, body);
      checkStoredCopy(temporary, sent, await attempt('read back', temporary, hashStream(createReadStream(temporary))));
      await attempt('rename to its final name', temporary, rename(temporary, file));
      await syncDirectory(dir);
      return sent;
    } catch (error) {
      abandonBody(body);
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    checkKey(key);
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { key, size: info.size, modifiedAt: info.mtime } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw localError(error, 'look at', file);
    }
  }

  async read(key: string): Promise<Readable> {
    checkKey(key);
    const file = this.pathOf(key);
    // Opened here rather than by the stream, so that a missing object fails read() itself.
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw isMissing(error) ? new TargetError('backup_target/failed', `There is no backup object ${file}`) : localError(error, 'read', file);
    });
    return handle.createReadStream();
  }

  list(prefix: string): Promise<StoredObject[]> {
    return listObjects(prefix, (dirKey) => this.readDirectory(dirKey));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    const file = this.pathOf(key);
    await unlink(file).catch((error: unknown) => {
      if (!isMissing(error)) throw localError(error, 'delete', file);
    });
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return join(this.config.path, key);
  }

  private async readDirectory(dirKey: string): Promise<DirectoryEntry[]> {
    const dir = join(this.config.path, dirKey);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw localError(error, 'list', dir);
    }
    const entries: DirectoryEntry[] = [];
    for (const name of names) {
      // lstat: a symlink is no object of ours, and following one could leave the target.
      const info = await lstat(join(dir, name)).catch(() => undefined);
      // Gone since readdir (deleted meanwhile): not listed.
      if (!info) continue;
      entries.push({ name, kind: info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other', size: info.size, modifiedAt: info.mtime });
    }
    return entries;
  }
}

/** mkdir -p, but with the real cause: on a read-only filesystem a recursive mkdir() fails with ENOENT, not EROFS. */
async function makeDirectories(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw localError(error, 'create the directory', dir);
    await makeDirectories(dirname(dir));
    await mkdir(dir).catch((again: unknown) => {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw localError(again, 'create the directory', dir);
    });
  }
}

/** Writes body to a new file (never an existing one) and flushes it to disk; returns what was written. */
async function writeFileFrom(file: string, body: NodeJS.ReadableStream | Readable): Promise<UploadResult> {
  const handle = await attempt('create', file, open(file, 'wx', 0o600));
  try {
    const sent = await hashStream(body, (chunk) => attempt('write', file, writeAll(handle, chunk)));
    await attempt('write', file, handle.sync());
    return sent;
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename in dir survive a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await attempt('sync the directory', dir, open(dir, 'r'));
  try {
    await attempt('sync the directory', dir, handle.sync());
  } finally {
    await handle.close();
  }
}

function attempt<T>(action: string, path: string, operation: Promise<T>): Promise<T> {
  return operation.catch((error: unknown) => {
    throw localError(error, action, path);
  });
}

function isMissing(error: unknown): boolean {
  const { code } = error as NodeJS.ErrnoException;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function localError(error: unknown, action: string, path: string): TargetError {
  if (error instanceof TargetError) return error;
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new TargetError('backup_target/no_space', `No space left to ${action} ${path} (${code === 'EDQUOT' ? 'disk quota exceeded' : 'the filesystem is full'})`);
    case 'EACCES':
    case 'EPERM':
      return new TargetError('backup_target/permission_denied', `Hearth may not ${action} ${path} (${code}); check the directory's owner and mode`);
    case 'EROFS':
      return new TargetError('backup_target/permission_denied', `Hearth may not ${action} ${path}: the filesystem is mounted read-only`);
    default:
      return new TargetError('backup_target/failed', `Could not ${action} ${path}: ${message}`);
  }
}
