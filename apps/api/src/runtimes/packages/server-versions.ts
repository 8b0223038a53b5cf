import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseDpkgQuery } from '../rootfs/debian-rootfs';
import type { PackageTree, PackageTreeSpec, PackageTrees } from './package-tree';
import { upstreamVersion } from './private-apt';
import type { ServerImageSpec } from '../container/server-images';

const execFileAsync = promisify(execFile);

/** What an instance runs (InstanceSpec.release): a tree of this host, or a container image. */
export type ServerRelease = TreeRelease | ImageRelease;

/** Process runtime: packages unpacked under a directory of this host. */
export interface TreeRelease {
  /** Absolute path the packages live under: '/' for the host's, a package tree's root/ otherwise. */
  readonly tree: string;
  /** Upstream version, e.g. 13.0.1 or 24.12: picks the configuration dialect. */
  readonly version: string;
}

/** Container runtime: an image the engine has, e.g. one Hearth built (runtimes/container/server-images). */
export interface ImageRelease {
  /** The reference containers are created from. */
  readonly image: string;
  readonly version: string;
}

export function isImageRelease(release: ServerRelease | undefined): release is ImageRelease {
  return release !== undefined && 'image' in release;
}

export const SYSTEM_TREE = '/';
export const SYSTEM_VERSION_ID = 'system';

/** One version of a server this host has or can get, as GET /api/instances/:id/versions will list it. */
export interface ServerVersion {
  /** 'system' for the host's own package, else the tree's directory name (bookworm-backports-13.0.1), or the suite for one not installed yet. */
  readonly id: string;
  /** The store directory and instance kind, e.g. prosody. */
  readonly name: string;
  /** Upstream version; null when it isn't known (nothing installed, no package lists fetched yet). */
  readonly version: string | null;
  /** Debian's version of the package, e.g. 13.0.1-1~bpo12+1. */
  readonly packageVersion: string | null;
  /** 'system': Debian's package installed on the host; 'tree': unpacked into the version store; 'image': a container image. */
  readonly source: 'system' | 'tree' | 'image';
  /** The Debian suite it comes from (the host's release for the system package). */
  readonly suite: string | null;
  readonly state: 'installed' | 'installable' | 'unavailable';
  /** What InstanceSpec.release takes to run it; only when installed. */
  readonly release?: ServerRelease;
  readonly builtAt?: string;
  readonly sizeBytes?: number;
  /** How to install it (an installable tree): PackageTrees.ensure(spec). */
  readonly spec?: PackageTreeSpec;
  /** How to install it (an installable image): ServerImages.ensure(imageSpec). */
  readonly imageSpec?: ServerImageSpec;
  /** Why it can't run, or what changed since it was built. */
  readonly problems: readonly string[];
}

export interface VersionsOptions {
  /** Store directory and instance kind. */
  readonly name: string;
  /** Debian's name for the server package on the host, e.g. prosody or ejabberd. */
  readonly systemPackage: string;
  /** The driver's detect() of the host's own installation. */
  readonly detection: { readonly available: boolean; readonly version?: string; readonly problems?: readonly string[]; readonly installHint: string };
  /** Trees the driver knows how to run that can be built for this host. */
  readonly installable: readonly PackageTreeSpec[];
}

/** The host's version, the trees in the store, then what can be installed; nothing here goes to the network. */
export async function serverVersions(store: PackageTrees, options: VersionsOptions): Promise<ServerVersion[]> {
  const host = await hostPackages();
  const release = await store.hostRelease().catch(() => null);
  const systemVersion = host[options.systemPackage];
  const versions: ServerVersion[] = [
    {
      id: SYSTEM_VERSION_ID,
      name: options.name,
      version: systemVersion ? upstreamVersion(systemVersion) : (options.detection.version ?? null),
      packageVersion: systemVersion ?? null,
      source: 'system',
      suite: release,
      state: options.detection.available ? 'installed' : 'unavailable',
      ...(options.detection.available && (systemVersion || options.detection.version)
        ? { release: { tree: SYSTEM_TREE, version: systemVersion ? upstreamVersion(systemVersion) : options.detection.version! } }
        : {}),
      problems: options.detection.available ? [...(options.detection.problems ?? [])] : [`Not installed: ${options.detection.installHint}`, ...(options.detection.problems ?? [])],
    },
  ];
  for (const tree of await store.list(options.name)) versions.push(treeVersion(tree, host, release));
  for (const spec of options.installable) {
    if (await store.find(spec)) continue;
    const candidate = await store.candidate(spec);
    versions.push({
      id: spec.suite,
      name: options.name,
      version: candidate ? upstreamVersion(candidate) : null,
      packageVersion: candidate ?? null,
      source: 'tree',
      suite: spec.suite,
      state: 'installable',
      spec,
      problems: [],
    });
  }
  return versions;
}

function treeVersion(tree: PackageTree, host: Readonly<Record<string, string>>, release: string | null): ServerVersion {
  const { manifest } = tree;
  const problems: string[] = [];
  if (release && manifest.hostRelease !== release) problems.push(`Built for Debian ${manifest.hostRelease}, this host runs ${release}`);
  const missing = Object.keys(manifest.hostDependencies).filter((name) => !host[name]);
  if (missing.length > 0) problems.push(`No longer installed on this host, but needed by this version: ${missing.join(', ')}`);
  return {
    id: tree.dir.split('/').at(-1)!,
    name: manifest.name,
    version: manifest.version,
    packageVersion: manifest.packageVersion,
    source: 'tree',
    suite: manifest.suite,
    state: 'installed',
    release: { tree: tree.root, version: manifest.version },
    builtAt: manifest.builtAt,
    sizeBytes: manifest.sizeBytes,
    problems,
  };
}

async function hostPackages(): Promise<Record<string, string>> {
  try {
    const { stdout } = await execFileAsync('dpkg-query', ['-W', '-f=${db:Status-Abbrev}\t${Package}\t${Version}\n'], { timeout: 30_000, maxBuffer: 32 * 1024 * 1024 });
    return parseDpkgQuery(stdout);
  } catch {
    return {};
  }
}

/** Whether a release runs the host's own packages. */
export function isSystemTree(release: ServerRelease | undefined): boolean {
  return !release || ('tree' in release && release.tree === SYSTEM_TREE);
}

/**
 * Directories of a tree that hold shared libraries (lib*.so*) directly, e.g. a newer library a
 * package brought along: the dynamic linker must look there first (LD_LIBRARY_PATH).
 */
export async function treeLibraryDirs(tree: string): Promise<string[]> {
  const found: string[] = [];
  const candidates = [join(tree, 'lib'), join(tree, 'usr/lib')];
  for (const entry of await readdir(join(tree, 'usr/lib')).catch(() => [] as string[])) {
    if (/-linux-gnu/.test(entry)) candidates.push(join(tree, 'usr/lib', entry));
  }
  for (const entry of await readdir(join(tree, 'lib')).catch(() => [] as string[])) {
    if (/-linux-gnu/.test(entry)) candidates.push(join(tree, 'lib', entry));
  }
  for (const dir of candidates) {
    const files = await readdir(dir).catch(() => [] as string[]);
    if (files.some((file) => /^lib.+\.so(\.\d+)*$/.test(file))) found.push(dir);
  }
  return found;
}

/** The environment a tree's programs need besides their own paths: its shared libraries first. */
export async function treeEnvironment(tree: string): Promise<Record<string, string>> {
  const libraries = await treeLibraryDirs(tree);
  return libraries.length > 0 ? { LD_LIBRARY_PATH: libraries.join(':') } : {};
}

/** 13.0.1 → 13; 0.12.3 → 0; 24.12 → 24. */
export function majorVersion(version: string): number {
  return Number.parseInt(version, 10);
}
