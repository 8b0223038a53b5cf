import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { DriverError } from './driver';

const execFileAsync = promisify(execFile);

/**
 * A consistent copy of a live SQLite database through SQLite's online backup API (the sqlite3
 * shell's .backup): the server keeps writing, the copy is one transaction's view. Read-only on
 * the source, so Hearth never needs the server's write lock.
 */
export async function snapshotSqlite(database: string, copy: string): Promise<void> {
  await mkdir(dirname(copy), { recursive: true, mode: 0o700 });
  try {
    // Busy: the server holds a write lock; .backup retries for up to 10 s.
    await execFileAsync('sqlite3', ['-readonly', '-cmd', '.timeout 10000', database, `.backup '${copy.replace(/'/g, "''")}'`], { timeout: 10 * 60_000 });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new DriverError('driver/admin_failed', `Could not snapshot the database ${database}: ${detail.slice(0, 300)}`);
  }
}

/** A database and the files SQLite keeps beside it while it is open (none of them is copied as it is). */
export function sqliteFiles(database: string): string[] {
  return [database, `${database}-wal`, `${database}-shm`, `${database}-journal`];
}
