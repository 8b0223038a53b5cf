import { RUNTIME_LAYOUT, RuntimeError } from '../runtime';
import type { RunAs } from './run-as';

/**
 * Sets up a private view of the root filesystem, then becomes the program. Runs as root inside a
 * private mount namespace (unshare), so every mount here vanishes with the program, even on
 * SIGKILL, and the shared tree in the version store is never changed: it is mounted read-only, and
 * the instance sees its own /instance, /tmp, /var/tmp and a /dev with only the harmless devices. Each step execs the next, so the pid
 * Hearth recorded ends up being the server itself.
 */
const LAUNCHER = `set -eu
root=$1 dir=$2 uid=$3 gid=$4 inside=$5
shift 5
mkdir -p "$root$inside"
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o nosuid,noexec,mode=0755,size=64k hearth-dev "$root/dev"
for name in null zero full random urandom; do
  : > "$root/dev/$name"
  mount --bind "/dev/$name" "$root/dev/$name"
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir "$root/dev/shm"
mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=64m hearth-shm "$root/dev/shm"
mount -t tmpfs -o nosuid,nodev,mode=1777,size=256m hearth-tmp "$root/tmp"
mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m hearth-var-tmp "$root/var/tmp"
mount --bind "$dir" "$root$inside"
exec chroot "$root" /usr/bin/env -C "$inside" /usr/bin/setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs -- "$@"
`;

/** The command line that runs `command args` (paths as seen inside rootfs) as the instance's user in rootfs. */
export function inRootfs(runAs: RunAs, rootfs: string, dir: string, command: string, args: readonly string[]): [string, string[]] {
  if (!runAs.switchUser) {
    throw new RuntimeError('runtime/start_failed', 'Running a server from its own root filesystem needs Hearth to run as root (chroot and mount namespaces)');
  }
  return [
    'unshare',
    ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', LAUNCHER, 'hearth-rootfs', rootfs, dir, String(runAs.uid), String(runAs.gid), RUNTIME_LAYOUT.rootfsInstanceDir, command, ...args],
  ];
}
