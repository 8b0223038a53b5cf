import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { RuntimeError } from '../runtime';

const execFileAsync = promisify(execFile);

/** Who an instance's processes run as, and whether Hearth has to switch to that user. */
export interface RunAs {
  readonly user: string;
  readonly group: string;
  readonly uid: number;
  readonly gid: number;
  /** True when Hearth runs as root and switches to uid/gid with setpriv; false means "as Hearth's own user". */
  readonly switchUser: boolean;
}

export interface RunAsConfig {
  readonly user: string;
  readonly group: string;
}

export const DEFAULT_RUN_AS: RunAsConfig = { user: 'nobody', group: 'nogroup' };

/**
 * Root never runs a homeserver: as root Hearth switches to the configured user (nobody:nogroup
 * by default) or to an instance's own uid (runAsFor); as anyone else the instance runs as that
 * same user, since nothing else is possible.
 */
export async function resolveRunAs(config: RunAsConfig = DEFAULT_RUN_AS): Promise<RunAs> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) {
    return { user: userInfo().username, group: String(gid), uid, gid, switchUser: false };
  }
  const targetUid = await lookupId('passwd', config.user);
  const targetGid = await lookupId('group', config.group);
  if (targetUid === 0 || targetGid === 0) {
    throw new RuntimeError('runtime/user_unknown', `Instances must not run as root (configured ${config.user}:${config.group})`);
  }
  return { user: config.user, group: config.group, uid: targetUid, gid: targetGid, switchUser: true };
}

async function lookupId(database: 'passwd' | 'group', name: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    // getent goes through NSS, so users from LDAP or systemd-userdb work too.
    const { stdout } = await execFileAsync('getent', [database, name], { timeout: 5_000 });
    const id = Number(stdout.split(':')[2]);
    if (Number.isInteger(id)) return id;
  } catch {
    // Reported below.
  }
  throw new RuntimeError('runtime/user_unknown', `No ${database === 'passwd' ? 'user' : 'group'} named ${name} on this host`);
}

/** The highest uid/gid an instance may get: (uid_t)-1 means "no change" to setresuid. */
export const MAX_INSTANCE_UID = 4_294_967_294;

/**
 * Who one instance runs as: its own uid (= gid) when it has one and Hearth switches users,
 * otherwise the runtime's user. A plain number, so no passwd or group entry is needed.
 */
export function runAsFor(base: RunAs, uid: number | undefined): RunAs {
  if (!base.switchUser || uid === undefined) return base;
  if (!Number.isInteger(uid) || uid <= 0 || uid > MAX_INSTANCE_UID) {
    throw new RuntimeError('runtime/user_unknown', `Invalid instance uid ${uid}: instances must not run as root`);
  }
  return { user: String(uid), group: String(uid), uid, gid: uid, switchUser: true };
}

/** The command line that runs `command args` as the instance's user. */
export function asUser(runAs: RunAs, setpriv: string, command: string, args: readonly string[]): [string, string[]] {
  if (!runAs.switchUser) return [command, [...args]];
  return [
    setpriv,
    [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--no-new-privs', '--', command, ...args],
  ];
}
