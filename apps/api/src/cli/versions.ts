import type { HearthConfig } from '../config/config';
import { SYNAPSE_ROOTFS } from '../drivers/synapse/synapse-rootfs';
import { DebianRootfs, packageName, type RootfsProgress, type RootfsResult, type RootfsSpec } from '../runtimes/rootfs/debian-rootfs';

/** What `hearth versions install` can prepare, by the name operators type. */
export const INSTALLABLE: Readonly<Record<string, RootfsSpec>> = { synapse: SYNAPSE_ROOTFS };

/** Builds the root filesystem for name in the version store, or finds it already there. */
export async function runVersionsInstall(config: HearthConfig, name: string): Promise<void> {
  const spec = INSTALLABLE[name]!;
  const result = await new DebianRootfs({ store: config.versionStore }).ensure(spec, progressLines());
  process.stdout.write(`${result.built ? 'Installed' : 'Already installed'}: ${describe(result)}\n`);
}

export async function runVersionsList(config: HearthConfig): Promise<void> {
  const entries = await new DebianRootfs({ store: config.versionStore }).list();
  if (entries.length === 0) process.stdout.write(`Nothing installed in ${config.versionStore}\n`);
  for (const entry of entries) process.stdout.write(`${describe(entry)}\n`);
}

/** One line per whole percent (or new phase): a build reports hundreds of steps, a log wants fewer. */
function progressLines(): (progress: RootfsProgress) => void {
  let last = '';
  return ({ phase, percent, message }) => {
    const key = `${percent} ${phase}`;
    if (key === last) return;
    last = key;
    process.stdout.write(`${percent}% ${phase}${message ? ` ${message}` : ''}\n`);
  };
}

/** e.g. "synapse  sid  matrix-synapse 1.160.0  built 2026-11-26 09:50 UTC  551 MB  /var/lib/hearth/versions/synapse/sid-…" */
function describe({ manifest, dir }: RootfsResult): string {
  const versions = manifest.packages.map(packageName).map((name) => `${name} ${manifest.installed[name] ?? '?'}`);
  const built = `built ${manifest.builtAt.slice(0, 16).replace('T', ' ')} UTC`;
  const size = manifest.sizeBytes === undefined ? [] : [`${Math.round(manifest.sizeBytes / 1e6)} MB`];
  return [manifest.name, manifest.suite, versions.join(', ') || 'no packages', built, ...size, dir].join('  ');
}
