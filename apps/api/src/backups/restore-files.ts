import { execFile } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Moves each of `paths` (relative) from one directory to another on the same filesystem: a
 * rename each, so a restore swaps a server's state in and out without copying it. Paths missing
 * in `from` are skipped, so a repeated move (a resumed job) finds its work done.
 */
export async function moveState(paths: readonly string[], from: string, to: string): Promise<void> {
  for (const path of paths) {
    const source = join(from, path);
    if (!(await exists(source))) continue;
    const destination = join(to, path);
    await mkdir(dirname(destination), { recursive: true, mode: 0o711 });
    await rm(destination, { recursive: true, force: true });
    await rename(source, destination);
  }
}

/** Restored files belong to the instance's own user, as the server wrote them. */
export async function chownState(paths: readonly string[], dir: string, uid: number | undefined): Promise<void> {
  if (uid === undefined || process.getuid?.() !== 0) return;
  const present: string[] = [];
  for (const path of paths) if (await exists(join(dir, path))) present.push(join(dir, path));
  if (present.length) await execFileAsync('chown', ['-R', '--no-dereference', `${uid}:${uid}`, ...present]);
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
