import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { RootfsError } from '../rootfs/debian-rootfs';

/**
 * An exclusive flock(2) on path, the same kind of lock DebianRootfs takes on the same files (the
 * shared download cache's lock is one of them, so package trees and root filesystems never write
 * into it at once). flock(1) locks the descriptor handed to it as fd 3, so the lock belongs to our
 * open file description: it goes away when Hearth dies, and children that inherit the descriptor
 * (the build's commands) keep others out until they end too.
 *
 * (DebianRootfs keeps its own copy of this private; the two could share this module.)
 */
export async function lockFile(path: string, timeoutMs: number, searchPath: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const code = await new Promise<number | null>((resolveExit, rejectExit) => {
      const child = spawn('flock', ['--exclusive', '--wait', String(seconds), '3'], {
        env: { PATH: searchPath },
        stdio: ['ignore', 'ignore', 'pipe', handle.fd],
      });
      child.once('error', rejectExit);
      child.once('exit', (exitCode) => resolveExit(exitCode));
    });
    if (code === 1) throw new RootfsError('rootfs/lock_timeout', `Another build holding ${path} did not finish within ${seconds} s`);
    if (code !== 0) throw new RootfsError('rootfs/build_failed', `flock on ${path} failed (exit ${code})`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Runs fn holding the lock on path; closing our descriptor releases it. */
export async function holdingLock<T>(path: string, timeoutMs: number, searchPath: string, fn: (lock: FileHandle) => Promise<T>): Promise<T> {
  const lock = await lockFile(path, timeoutMs, searchPath);
  try {
    return await fn(lock);
  } finally {
    await lock.close().catch(() => undefined);
  }
}
