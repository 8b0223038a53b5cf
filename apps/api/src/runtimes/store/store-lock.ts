import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { RootfsError } from './store-error';

/**
 * The locks a build holds: its entry's, then the shared download cache's (always in that order,
 * so two builds, of either kind, cannot deadlock). Its commands inherit them, so a build that
 * outlives Hearth still holds them.
 */
export interface BuildLocks {
  readonly entry: FileHandle;
  readonly cache: FileHandle;
}

/** Runs fn holding the flock on path; closing our descriptor releases it (unless a build child outlived us and still has it). */
export async function holdingLock<T>(path: string, timeoutMs: number, searchPath: string, fn: (lock: FileHandle) => Promise<T>): Promise<T> {
  const lock = await lockFile(path, timeoutMs, searchPath);
  try {
    return await fn(lock);
  } finally {
    await lock.close().catch(() => undefined);
  }
}

/**
 * Takes an exclusive flock(2) on path. flock(1) locks the descriptor we hand it as fd 3, so the
 * lock belongs to our open file description: it goes away by itself when Hearth dies (no stale
 * locks to guess about), and build children inherit it, so a build that outlives a killed Hearth
 * still keeps others out of its temporary directory.
 */
async function lockFile(path: string, timeoutMs: number, searchPath: string): Promise<FileHandle> {
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
