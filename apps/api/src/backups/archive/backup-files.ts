import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { BackupLayout } from '../../drivers/driver';
import type { TarEntry } from './tar-writer';

/**
 * The files of one backup, in archive order: the snapshot's copies (from `staging`), then the
 * layout's paths in the instance directory, minus the excluded ones and minus anything the
 * snapshot replaced. Paths in the archive are the paths in the instance directory.
 * Sockets, FIFOs and symlinks are skipped: servers recreate the first two, and a symlink could
 * point a restore outside the instance directory.
 */
export async function* backupFiles(instanceDir: string, staging: string, layout: BackupLayout): AsyncGenerator<TarEntry> {
  const fromSnapshot = new Set<string>();
  for await (const entry of walk(staging, '')) {
    if (!entry.stats.isDirectory()) fromSnapshot.add(entry.path);
    yield entry;
  }
  const excluded = new Set(layout.exclude);
  for (const root of layout.include) {
    for await (const entry of walk(instanceDir, root)) {
      if (excluded.has(entry.path) || fromSnapshot.has(entry.path)) continue;
      yield entry;
    }
  }
}

/** Depth first, sorted, so two backups of the same tree list it the same way. */
async function* walk(base: string, relative: string): AsyncGenerator<TarEntry> {
  const source = join(base, relative);
  const stats = await lstat(source).catch(notFoundAsNull);
  if (!stats) return;
  if (stats.isFile()) {
    yield { path: relative, source, stats };
    return;
  }
  if (!stats.isDirectory()) return;
  if (relative) yield { path: relative, stats };
  const children: Dirent[] = (await readdir(source, { withFileTypes: true }).catch(notFoundAsNull)) ?? [];
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) yield* walk(base, relative ? posix.join(relative, child.name) : child.name);
}

// A file the server removed between listing and reading (a rotated log, an expired upload) is simply not in this backup.
function notFoundAsNull(error: NodeJS.ErrnoException): null {
  if (error.code === 'ENOENT') return null;
  throw error;
}
