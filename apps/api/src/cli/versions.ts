import type { HearthConfig } from '../config/config';
import { ejabberdTreeSpec } from '../drivers/ejabberd/ejabberd-release';
import { prosodyTreeSpec } from '../drivers/prosody/prosody-release';
import { SYNAPSE_ROOTFS } from '../drivers/synapse/synapse-rootfs';
import { type PackageTree, type PackageTreeSpec, PackageTrees } from '../runtimes/packages/package-tree';
import { DebianRootfs, RootfsError, packageName, type RootfsResult, type RootfsSpec } from '../runtimes/rootfs/debian-rootfs';

/**
 * What `hearth versions install` can prepare, by the name operators type: Synapse's sid root
 * filesystem, or a package tree of a newer Prosody or ejabberd than the host's (its backports
 * version by default; another suite of the host's release with --suite).
 */
export type Installable =
  | { readonly kind: 'rootfs'; readonly spec: RootfsSpec }
  | { readonly kind: 'tree'; readonly spec: (hostRelease: string) => PackageTreeSpec };

export const INSTALLABLE: Readonly<Record<string, Installable>> = {
  synapse: { kind: 'rootfs', spec: SYNAPSE_ROOTFS },
  prosody: { kind: 'tree', spec: prosodyTreeSpec },
  ejabberd: { kind: 'tree', spec: ejabberdTreeSpec },
};

export interface InstallOptions {
  /** A package tree's suite instead of the host's backports, e.g. bookworm-backports. */
  readonly suite?: string;
  /** Look for a newer version in the suite even if one is installed (built beside it). */
  readonly refresh?: boolean;
}

/** Builds what name needs in the version store, or finds it already there. */
export async function runVersionsInstall(config: HearthConfig, name: string, options: InstallOptions = {}): Promise<void> {
  const installable = INSTALLABLE[name];
  if (!installable) throw new RootfsError('rootfs/invalid_spec', `Hearth installs ${Object.keys(INSTALLABLE).join(', ')}, not ${name}`);
  if (installable.kind === 'rootfs') {
    if (options.suite) throw new RootfsError('rootfs/invalid_spec', `${name} runs from a root filesystem of Debian ${installable.spec.suite}; --suite is for package trees`);
    const result = await new DebianRootfs({ store: config.versionStore }).ensure(installable.spec, progressLines());
    process.stdout.write(`${result.built ? 'Installed' : 'Already installed'}: ${describeRootfs(result)}\n`);
    return;
  }
  const trees = new PackageTrees({ store: config.versionStore });
  const base = installable.spec(await trees.hostRelease());
  const spec = options.suite ? { ...base, suite: options.suite } : base;
  const tree = await trees.ensure(spec, progressLines(), { refresh: options.refresh });
  process.stdout.write(`${tree.built ? 'Installed' : 'Already installed'}: ${describeTree(tree)}\n`);
}

/** Root filesystems and package trees in the store, one line each. */
export async function runVersionsList(config: HearthConfig): Promise<void> {
  const lines = [
    ...(await new DebianRootfs({ store: config.versionStore }).list()).map(describeRootfs),
    ...(await new PackageTrees({ store: config.versionStore }).list()).map(describeTree),
  ].sort();
  if (lines.length === 0) process.stdout.write(`Nothing installed in ${config.versionStore}\n`);
  for (const line of lines) process.stdout.write(`${line}\n`);
}

/** One line per whole percent (or new phase): a build reports hundreds of steps, a log wants fewer. */
export function progressLines(): (progress: { readonly phase: string; readonly percent: number; readonly message?: string }) => void {
  let last = '';
  return ({ phase, percent, message }) => {
    const key = `${percent} ${phase}`;
    if (key === last) return;
    last = key;
    process.stdout.write(`${percent}% ${phase}${message ? ` ${message}` : ''}\n`);
  };
}

/** e.g. "synapse  sid  matrix-synapse 1.160.0  built 2026-11-26 09:50 UTC  551 MB  /var/lib/hearth/versions/synapse/sid-…" */
function describeRootfs({ manifest, dir }: RootfsResult): string {
  const versions = manifest.packages.map(packageName).map((name) => `${name} ${manifest.installed[name] ?? '?'}`);
  return line(manifest.name, manifest.suite, versions.join(', ') || 'no packages', manifest.builtAt, manifest.sizeBytes, dir);
}

/**
 * e.g. "prosody  bookworm-backports  prosody 13.0.1-1~bpo12+1, lua-unbound 1.0.0-2  built …  3 MB  /…/prosody/bookworm-backports-13.0.1";
 * a wanted package the host already had is shown as the host's.
 */
function describeTree({ manifest, dir }: PackageTree): string {
  const versions = manifest.packages.map((name) => (manifest.installed[name] ? `${name} ${manifest.installed[name]}` : `${name} (host's)`));
  const extra = Object.keys(manifest.installed).length - manifest.packages.filter((name) => manifest.installed[name]).length;
  const summary = versions.join(', ') + (extra > 0 ? ` + ${extra} dependencies` : '');
  return line(manifest.name, manifest.suite, summary, manifest.builtAt, manifest.sizeBytes, dir);
}

function line(name: string, suite: string, versions: string, builtAt: string, sizeBytes: number | undefined, dir: string): string {
  const built = `built ${builtAt.slice(0, 16).replace('T', ' ')} UTC`;
  const size = sizeBytes === undefined ? [] : [`${Math.round(sizeBytes / 1e6)} MB`];
  return [name, suite, versions, built, ...size, dir].join('  ');
}
