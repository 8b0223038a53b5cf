import { join } from 'node:path';

/**
 * apt with a configuration of Hearth's own, so that resolving and downloading packages from
 * another suite (bookworm-backports) never touches the host's apt setup: its own sources list,
 * package lists, state and caches, all under one directory of the version store. Only the
 * host's dpkg database is read, from a copy, so the resolver answers "what is missing on this
 * host for these packages" without taking the host's dpkg lock.
 *
 *   <aptDir>/sources.list       written by Hearth: the base suite, its updates, security, backports
 *   <aptDir>/sources.list.d/    empty (the host's extra sources are not used)
 *   <aptDir>/preferences.d/     empty (nor its pins)
 *   <aptDir>/lists/             package lists (apt-get update)
 *   <aptDir>/state/status       a copy of the host's /var/lib/dpkg/status, taken before resolving
 *   <aptDir>/state/lock ...     apt's own locks, on the copy (never the host's)
 *
 * The host's apt.conf.d still applies (e.g. a proxy); everything that decides what is resolved
 * or where files go is overridden here.
 */

export interface PrivateAptPaths {
  readonly aptDir: string;
  /** Where downloaded .deb files go (the version store's shared download cache). */
  readonly archives: string;
}

export interface AptSourcesOptions {
  /** The host's Debian release, e.g. bookworm. */
  readonly codename: string;
  readonly mirror: string;
  readonly securityMirror: string;
  /** Keyring that signs the archive; omitted when the host has none at that path (apt then uses its trusted keys). */
  readonly keyring?: string;
}

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export function aptPaths(aptDir: string): { sourcesList: string; sourceParts: string; preferenceParts: string; lists: string; state: string; status: string; log: string } {
  return {
    sourcesList: join(aptDir, 'sources.list'),
    sourceParts: join(aptDir, 'sources.list.d'),
    preferenceParts: join(aptDir, 'preferences.d'),
    lists: join(aptDir, 'lists'),
    state: join(aptDir, 'state'),
    status: join(aptDir, 'state', 'status'),
    log: join(aptDir, 'log'),
  };
}

/** The base suite and everything Debian publishes next to it: updates, security fixes, backports. */
export function renderSourcesList(options: AptSourcesOptions): string {
  const signed = options.keyring ? ` [signed-by=${options.keyring}]` : '';
  const c = options.codename;
  return [
    '# Written by Hearth for its version store; the host apt sources are not changed.',
    `deb${signed} ${options.mirror} ${c} main`,
    `deb${signed} ${options.mirror} ${c}-updates main`,
    `deb${signed} ${options.securityMirror} ${c}-security main`,
    `deb${signed} ${options.mirror} ${c}-backports main`,
    '',
  ].join('\n');
}

/** -o options that point every apt command at the private configuration. */
export function aptOptions({ aptDir, archives }: PrivateAptPaths): string[] {
  const paths = aptPaths(aptDir);
  const settings: Record<string, string> = {
    'Dir::Etc::sourcelist': paths.sourcesList,
    'Dir::Etc::sourceparts': paths.sourceParts,
    'Dir::Etc::preferences': join(aptDir, 'preferences'),
    'Dir::Etc::preferencesparts': paths.preferenceParts,
    'Dir::State': paths.state,
    'Dir::State::Lists': paths.lists,
    'Dir::State::status': paths.status,
    'Dir::State::extended_states': join(paths.state, 'extended_states'),
    'Dir::Cache': join(aptDir, 'cache'),
    // No binary caches: nothing written besides the lists, and no stale cache to trust.
    'Dir::Cache::pkgcache': '',
    'Dir::Cache::srcpkgcache': '',
    'Dir::Cache::Archives': archives,
    'Dir::Log': paths.log,
    'Acquire::Languages': 'none',
    'APT::Install-Recommends': 'false',
    'APT::Install-Suggests': 'false',
    'APT::Get::AllowUnauthenticated': 'false',
    // The download cache belongs to root (shared with the root filesystem builds): no _apt sandbox.
    'APT::Sandbox::User': 'root',
  };
  return Object.entries(settings).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
}

/** One package apt would install or upgrade: a line `Inst name [old] (version release [arch])` of `apt-get -s install`. */
export interface ResolvedPackage {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  /** Where it comes from, as apt names it, e.g. "Debian Backports:oldstable-backports". */
  readonly from: string;
  /** The host's installed version it would replace, if any. */
  readonly hostVersion?: string;
}

export interface Resolution {
  readonly install: ResolvedPackage[];
  /** Host packages apt would remove to install these (a conflict); the host keeps them, the tree is unpacked beside. */
  readonly remove: string[];
}

const INST = /^Inst (\S+)(?: \[([^\]]+)\])? \((\S+) (.*) \[([^\]]+)\]\)/;
const REMV = /^Remv (\S+)/;

export function parseSimulation(output: string): Resolution {
  const install: ResolvedPackage[] = [];
  const remove: string[] = [];
  for (const line of output.split('\n')) {
    const inst = INST.exec(line);
    if (inst) {
      install.push({
        name: inst[1]!.split(':')[0]!,
        version: inst[3]!,
        from: inst[4]!.trim(),
        architecture: inst[5]!,
        ...(inst[2] ? { hostVersion: inst[2] } : {}),
      });
      continue;
    }
    const remv = REMV.exec(line);
    if (remv) remove.push(remv[1]!.split(':')[0]!);
  }
  return { install, remove };
}

/** The fields of `apt-cache show` paragraphs that matter here, by "name=version". */
export interface PackageRecord {
  readonly name: string;
  readonly version: string;
  readonly priority?: string;
  readonly essential: boolean;
  readonly depends?: string;
}

export function parseRecords(output: string): Map<string, PackageRecord> {
  const records = new Map<string, PackageRecord>();
  for (const paragraph of output.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const line of paragraph.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (match) {
        last = match[1]!.toLowerCase();
        fields.set(last, match[2]!);
      }
    }
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    records.set(`${name}=${version}`, {
      name,
      version,
      priority: fields.get('priority'),
      essential: fields.get('essential') === 'yes',
      depends: [fields.get('pre-depends'), fields.get('depends')].filter(Boolean).join(', ') || undefined,
    });
  }
  return records;
}

/** The candidate version `apt-cache policy` reports for one package, or undefined (none, or not known). */
export function parseCandidate(output: string): string | undefined {
  const candidate = /^\s*Candidate:\s*(\S+)/m.exec(output)?.[1];
  return candidate && candidate !== '(none)' ? candidate : undefined;
}

/** Package names a Depends field mentions (alternatives included, versions and architectures stripped). */
export function dependencyNames(depends: string | undefined): string[][] {
  if (!depends) return [];
  return depends
    .split(',')
    .map((group) =>
      group
        .split('|')
        .map((alternative) => alternative.trim().split(/[\s(:[]/)[0]!)
        .filter(Boolean),
    )
    .filter((group) => group.length > 0);
}

/** The file apt stores a package as in its archives directory: name_version_arch.deb, the epoch's colon escaped. */
export function debFileName(name: string, version: string, architecture: string): string {
  return `${name}_${version.replace(/:/g, '%3a')}_${architecture}.deb`;
}

/** 1:25.2.3+dfsg-1+deb12u4 → 25.2.3+dfsg; 13.0.1-1~bpo12+1 → 13.0.1: the version upstream released. */
export function upstreamVersion(debianVersion: string): string {
  const withoutEpoch = debianVersion.replace(/^\d+:/, '');
  const dash = withoutEpoch.lastIndexOf('-');
  return dash > 0 ? withoutEpoch.slice(0, dash) : withoutEpoch;
}
