import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageTreeSpec } from '../../runtimes/packages/package-tree';
import { upstreamVersion } from '../../runtimes/packages/private-apt';
import { isImageRelease, isSystemTree, majorVersion, treeEnvironment } from '../../runtimes/packages/server-versions';
import { DriverError, type InstanceSpec } from '../driver';
import { findExecutable, readTextIfExists } from '../host-programs';
import { patchEjabberdctl } from './ejabberd.config';

/**
 * Which ejabberd an instance runs: the host's, or one unpacked into the version store (a package
 * tree). Debian's ejabberd is an Erlang application under ERL_LIBS (/usr/lib/<triplet>/ejabberd-*)
 * plus the erlang-p1-* libraries under /usr/lib/erlang/lib, all run by the host's Erlang VM
 * (/usr/bin/erl). A tree's ejabberdctl gets ERL_LIBS pointing into the tree: Erlang puts ERL_LIBS
 * applications before the ones in its own lib directory (except kernel and stdlib), so the tree's
 * newer libraries win over the host's older copies, and the libraries the tree lacks (jiffy, idna,
 * ...) still come from the host. A tree with an Erlang runtime of its own (erts) is refused: its
 * ejabberd needs a newer VM than the host's, which needs a root filesystem instead.
 */

const INSTALL_HINT = 'apt-get install ejabberd';

/** The ejabberd tree Hearth installs on a host of this Debian release (backports' ejabberd and the erlang-p1-* it needs). */
export function ejabberdTreeSpec(hostRelease: string): PackageTreeSpec {
  return { name: 'ejabberd', suite: `${hostRelease}-backports`, packages: ['ejabberd'] };
}

export interface EjabberdProgram {
  /** Upstream version, e.g. 24.12. */
  readonly version: string | undefined;
  /** This instance's copy of the (host's or tree's) ejabberdctl. */
  readonly ctl: string;
  /** For the server and every ejabberdctl run. */
  readonly env: Readonly<Record<string, string>>;
}

export async function ejabberdProgram(spec: InstanceSpec): Promise<EjabberdProgram> {
  const release = spec.release;
  if (isSystemTree(release)) {
    const binary = await findExecutable('ejabberdctl');
    if (!binary) throw new DriverError('driver/unavailable', `ejabberd is not installed: ${INSTALL_HINT}`);
    const script = (await readTextIfExists(binary)) ?? '';
    const found = await ejabberdVersion([erlLibs(script), ...HOST_LIBRARY_DIRS].filter(Boolean) as string[]);
    const version = found && upstreamVersion(found);
    if (release && version && majorVersion(version) !== majorVersion(release.version)) {
      throw new DriverError('spec/invalid', `The instance is set to run ejabberd ${release.version}, but this host has ${version}`);
    }
    return { version, ctl: patchEjabberdctl(script), env: {} };
  }
  if (isImageRelease(release)) throw new DriverError('spec/invalid', `Hearth has no ejabberd image yet: ${release.image} cannot be run`);
  return treeProgram(release!);
}

async function treeProgram(release: { tree: string; version: string }): Promise<EjabberdProgram> {
  const tree = release.tree;
  if (!tree.startsWith('/') || /[\s'"\\$`]/.test(tree)) throw new DriverError('spec/invalid', `Not a usable tree path: ${JSON.stringify(tree)}`);
  const script = await readTextIfExists(join(tree, 'usr/sbin/ejabberdctl'));
  if (!script) throw new DriverError('driver/unavailable', `No ejabberd in ${tree} (usr/sbin/ejabberdctl): install that version again`);
  const erlangLib = join(tree, 'usr/lib/erlang');
  const own = (await readdir(erlangLib).catch(() => [] as string[])).filter((entry) => entry.startsWith('erts-'));
  if (own.length > 0) {
    throw new DriverError('driver/unavailable', `${tree} brings its own Erlang runtime (${own.join(', ')}): it needs a newer Erlang than this host's, so it can't run beside it`);
  }
  const original = erlLibs(script);
  if (!original) throw new DriverError('driver/unavailable', "This ejabberdctl sets no ERL_LIBS line Hearth could point into its tree");
  const libraries = [...original.split(':').map((dir) => join(tree, dir))];
  if ((await readdir(join(erlangLib, 'lib')).catch(() => undefined)) !== undefined) libraries.push(join(erlangLib, 'lib'));
  const found = await ejabberdVersion(libraries);
  const version = found && upstreamVersion(found);
  if (version !== release.version) throw new DriverError('spec/invalid', `${tree} holds ejabberd ${version ?? 'of an unknown version'}, not ${release.version}`);
  const ctl = patchEjabberdctl(script).replace(
    /^ERL_LIBS=.*$/m,
    () => `# Hearth: the tree's applications first, then the host's Erlang libraries.\nERL_LIBS='${libraries.join(':')}'`,
  );
  return { version, ctl, env: await treeEnvironment(tree) };
}

function erlLibs(script: string): string | undefined {
  return /^ERL_LIBS='([^']+)'/m.exec(script)?.[1];
}

/** Where Debian's ejabberd may live on the host, after the ERL_LIBS its ejabberdctl names. */
export const HOST_LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib/erlang/lib'];

/** The version in ejabberd's .app file under the first of these library directories that has one, e.g. 23.01-1 or 24.12-3~bpo12+1. */
export async function ejabberdVersion(libraryDirs: readonly string[]): Promise<string | undefined> {
  for (const dir of libraryDirs) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries.filter((name) => name.startsWith('ejabberd-')).sort()) {
      const app = await readTextIfExists(join(dir, entry, 'ebin', 'ejabberd.app'));
      const version = app && /\{vsn,\s*"([^"]+)"\}/.exec(app)?.[1];
      if (version) return version;
    }
  }
  return undefined;
}
