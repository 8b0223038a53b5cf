import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, copyFile, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { RootfsError, packageName, parseDpkgQuery } from '../rootfs/debian-rootfs';
import { BuildSteps } from '../store/build-steps';
import { type BuildLocks, holdingLock } from '../store/store-lock';
import {
  DEBIAN_KEYRING,
  type PackageRecord,
  type ResolvedPackage,
  aptOptions,
  aptPaths,
  debFileName,
  dependencyNames,
  parseCandidate,
  parseRecords,
  parseSimulation,
  renderSourcesList,
  upstreamVersion,
} from './private-apt';

/**
 * Package trees: a newer Debian package (and what it needs that the host lacks) unpacked with
 * `dpkg-deb -x` into a directory of the version store, run from there with the host's own
 * libraries and interpreters, beside the host's installed version. What a tree holds is decided
 * by apt's own resolver against the host's dpkg database, in a private apt configuration
 * (private-apt.ts): nothing about the host's packages or apt sources changes.
 *
 *   <store>/<name>/<suite>-<version>/              complete entry (renamed into place as a whole)
 *   <store>/<name>/<suite>-<version>/root/         the unpacked packages: usr/bin, usr/lib/... as on a Debian system
 *   <store>/<name>/<suite>-<version>/manifest.json written last, before the rename: the marker
 *   <store>/<name>/<suite>-<key>.lock              flock(2), held while building this spec
 *   <store>/<name>/<suite>-<key>.tmp-<hex>/        a build in progress, or the remains of one
 *   <store>/.cache/debs/                           downloaded .deb files, shared with DebianRootfs
 *   <store>/.cache/debs.lock                       its lock (DebianRootfs takes the same one)
 *   <store>/.cache/apt/                            the private apt configuration, lists and state
 *                                                  (next to the download cache, wherever that is)
 *
 * <version> is the main package's upstream version (13.0.1); should that name be taken by a
 * tree of other packages or another Debian revision, the entry is <suite>-<debian version>-<key>.
 * <key> is a hash of what decides the result (suite, mirror, sorted packages, format): another
 * package list is another entry, never a change to an existing one, which instances may run.
 *
 * The manifest's format is a string, unlike DebianRootfs's numeric one, so neither store reader
 * takes the other's entries for its own.
 *
 * Locks are taken in DebianRootfs's order (entry, then the download cache), so builders of both
 * kinds never deadlock.
 */

export type PackageTreePhase = 'check' | 'lock' | 'apt-update' | 'resolve' | 'download' | 'unpack' | 'manifest' | 'done';

export interface PackageTreeProgress {
  readonly phase: PackageTreePhase;
  /** 0..100 over the whole ensure(); only ever grows. */
  readonly percent: number;
  readonly message?: string;
}

export interface PackageTreeSpec {
  /** Directory under the store: the kind of server that runs it, e.g. "prosody". */
  readonly name: string;
  /** Where the packages come from, e.g. bookworm-backports; its base release must be the host's. */
  readonly suite: string;
  /** The first is the software itself (its version names the tree); the others are wanted alongside it. */
  readonly packages: readonly string[];
}

export const TREE_FORMAT = 'hearth-package-tree/1';

export interface PackageTreeManifest {
  readonly format: typeof TREE_FORMAT;
  readonly name: string;
  readonly suite: string;
  readonly mirror: string;
  /** Hash of what decided the result (see the layout above). */
  readonly key: string;
  /** As asked for. */
  readonly packages: readonly string[];
  /** The main package's upstream version, e.g. 13.0.1. */
  readonly version: string;
  /** Its Debian version, e.g. 13.0.1-1~bpo12+1. */
  readonly packageVersion: string;
  readonly architecture: string;
  /** The host's Debian release the tree was resolved against (its libraries are what the tree runs with). */
  readonly hostRelease: string;
  readonly builtAt: string;
  readonly buildMs: number;
  readonly sizeBytes: number;
  /** Every package unpacked into root/, name → version (the same shape as a root filesystem's manifest). */
  readonly installed: Readonly<Record<string, string>>;
  /** The same packages, with where each came from and the host's version it stands in for. */
  readonly unpacked: readonly ResolvedPackage[];
  /**
   * What the unpacked packages depend on that the host provides, with the version installed when
   * the tree was built: if the host later removes or downgrades one of these, the tree may break.
   */
  readonly hostDependencies: Readonly<Record<string, string>>;
}

export interface PackageTree {
  /** The entry directory (holds root/ and manifest.json). */
  readonly dir: string;
  /** What the packages were unpacked into: the tree a driver runs the software from. */
  readonly root: string;
  readonly manifest: PackageTreeManifest;
  /** True when this call built it. */
  readonly built: boolean;
}

export interface PackageTreesOptions {
  /** The version store's root directory. */
  readonly store: string;
  readonly mirror?: string;
  readonly securityMirror?: string;
  /** How long to wait for a concurrent build (default 30 min). */
  readonly lockTimeoutMs?: number;
  /** Limit for one step (default 20 min). */
  readonly stepTimeoutMs?: number;
  readonly path?: string;
  /** Shared with DebianRootfs (default <store>/.cache/debs). */
  readonly cacheDir?: string;
  /** The host's dpkg database, copied for the resolver (default /var/lib/dpkg/status). */
  readonly dpkgStatus?: string;
  /** Default: VERSION_CODENAME from /etc/os-release. */
  readonly hostRelease?: string;
}

export interface EnsureOptions {
  /**
   * Look for a newer version in the suite even when a tree of this spec is already there (the
   * new one is built beside it; the old one stays for instances that still run it).
   */
  readonly refresh?: boolean;
}

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const PACKAGE_PATTERN = /^[a-z0-9][a-z0-9+.-]+$/;
const MANIFEST = 'manifest.json';
const TOOLS = ['apt-get', 'apt-cache', 'dpkg', 'dpkg-deb', 'dpkg-query', 'flock', 'du'] as const;
const SPAN = { 'apt-update': [3, 25], download: [35, 80] } as const;

type Progress = (phase: PackageTreePhase, percent: number, message?: string) => void;

export class PackageTrees {
  readonly store: string;
  readonly cacheDir: string;
  readonly aptDir: string;
  private readonly mirror: string;
  private readonly securityMirror: string;
  private readonly path: string;
  private readonly inFlight = new Map<string, Promise<PackageTree>>();
  private readonly steps: BuildSteps;

  constructor(private readonly options: PackageTreesOptions) {
    this.store = resolve(options.store);
    this.cacheDir = resolve(options.cacheDir ?? join(this.store, '.cache', 'debs'));
    // Next to the download cache and under its lock: a cache shared by several stores shares the lists too.
    this.aptDir = join(dirname(this.cacheDir), 'apt');
    this.mirror = options.mirror ?? DEFAULT_MIRROR;
    this.securityMirror = options.securityMirror ?? DEFAULT_SECURITY_MIRROR;
    this.path = options.path ?? DEFAULT_PATH;
    this.steps = new BuildSteps({
      env: { PATH: this.path, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive' },
      timeoutMs: options.stepTimeoutMs ?? 20 * 60_000,
      // The private apt configuration's -o Dir::... pairs would crowd out what the command did.
      shownArgs: (args) => args.filter((arg) => !arg.startsWith('Dir::') && arg !== '-o').slice(0, 8),
    });
  }

  /** The host's Debian release (bookworm), which a tree's suite must build on. */
  async hostRelease(): Promise<string> {
    if (this.options.hostRelease) return this.options.hostRelease;
    const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
    const codename = /^VERSION_CODENAME="?([a-z]+)"?$/m.exec(text)?.[1];
    if (!codename) throw new RootfsError('rootfs/invalid_spec', 'This host does not say which Debian release it runs (no VERSION_CODENAME in /etc/os-release)');
    return codename;
  }

  /** Every finished tree in the store (of one name, if given), by name then directory. */
  async list(name?: string): Promise<PackageTree[]> {
    const names = name ? [name] : (await readdirIfAny(this.store)).filter((n) => NAME_PATTERN.test(n)).sort();
    const found: PackageTree[] = [];
    for (const n of names) {
      for (const entry of (await readdirIfAny(join(this.store, n))).filter((e) => !e.includes('.tmp-') && !e.endsWith('.lock')).sort()) {
        const dir = join(this.store, n, entry);
        const manifest = await readManifest(dir);
        if (manifest) found.push({ dir, root: join(dir, 'root'), manifest, built: false });
      }
    }
    return found;
  }

  /** The newest finished tree built from spec, or undefined; never touches the network. */
  async find(spec: PackageTreeSpec): Promise<PackageTree | undefined> {
    checkSpec(spec);
    const key = this.key(spec);
    const matching = (await this.list(spec.name)).filter((tree) => tree.manifest.key === key);
    return matching.sort((a, b) => b.manifest.builtAt.localeCompare(a.manifest.builtAt))[0];
  }

  /**
   * The version of spec's main package that a build would unpack now, from the package lists the
   * last build fetched (no network); undefined when there are none yet.
   */
  async candidate(spec: PackageTreeSpec): Promise<string | undefined> {
    checkSpec(spec);
    const lists = await readdirIfAny(aptPaths(this.aptDir).lists);
    if (!lists.some((file) => file.endsWith('_Packages') || file.includes('_Packages.'))) return undefined;
    try {
      const output = await this.steps.capture(['apt-cache', ...this.aptArgs(), '-t', spec.suite, 'policy', packageName(spec.packages[0]!)]);
      return parseCandidate(output);
    } catch {
      return undefined;
    }
  }

  /** Returns the tree for spec, building it first if needed. */
  ensure(spec: PackageTreeSpec, onProgress: (progress: PackageTreeProgress) => void = () => undefined, options: EnsureOptions = {}): Promise<PackageTree> {
    try {
      checkSpec(spec);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = `${spec.name}/${spec.suite}-${this.key(spec)}${options.refresh ? ' refresh' : ''}`;
    let running = this.inFlight.get(id);
    if (!running) {
      running = this.ensureNow(spec, monotonic(onProgress), options).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, running);
    }
    return running;
  }

  async checkPrerequisites(): Promise<void> {
    const missing: string[] = [];
    for (const tool of TOOLS) if (!(await this.which(tool))) missing.push(tool);
    if (missing.length > 0) throw new RootfsError('rootfs/missing_tool', `Missing on this host: ${missing.join(', ')} (Hearth needs a Debian host with apt and dpkg)`);
  }

  private async ensureNow(spec: PackageTreeSpec, progress: Progress, options: EnsureOptions): Promise<PackageTree> {
    progress('check', 0);
    if (!options.refresh) {
      const existing = await this.find(spec);
      if (existing) {
        progress('done', 100, 'cached');
        return existing;
      }
    }
    await this.checkPrerequisites();
    const release = await this.hostRelease();
    const base = spec.suite.split('-')[0];
    if (base !== release) {
      throw new RootfsError(
        'rootfs/invalid_spec',
        `${spec.suite} is not built for this host's Debian release (${release}): its packages would need newer system libraries. Run it from a root filesystem instead`,
      );
    }
    const key = this.key(spec);
    const parent = join(this.store, spec.name);
    await mkdir(parent, { recursive: true, mode: 0o755 });
    // Instances run a tree as their own users: the store must let them through.
    await allowTraversal(this.store);
    await chmod(parent, 0o755);
    await mkdir(this.cacheDir, { recursive: true, mode: 0o755 });

    progress('lock', 1, 'waiting for any other build of this tree');
    const timeout = this.options.lockTimeoutMs ?? 30 * 60_000;
    return holdingLock(join(parent, `${spec.suite}-${key}.lock`), timeout, this.path, async (entry) => {
      if (!options.refresh) {
        const built = await this.find(spec);
        if (built) {
          progress('done', 100, 'built by a concurrent caller');
          return built;
        }
      }
      progress('lock', 2, 'waiting for any other build using the download cache');
      return holdingLock(`${this.cacheDir}.lock`, timeout, this.path, async (cache) => {
        await this.removeLeftovers(parent, `${spec.suite}-${key}.tmp-`);
        return this.build(spec, key, release, { entry, cache }, progress);
      });
    });
  }

  private async build(spec: PackageTreeSpec, key: string, release: string, locks: BuildLocks, progress: Progress): Promise<PackageTree> {
    const started = Date.now();
    const parent = join(this.store, spec.name);
    const tmp = join(parent, `${spec.suite}-${key}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      await this.prepareApt(release);
      progress('apt-update', SPAN['apt-update'][0], `apt-get update (${release}, ${release}-updates, ${release}-security, ${release}-backports)`);
      await this.steps.run(['apt-get', ...this.aptArgs(), '-o', 'APT::Status-Fd=4', '--error-on=any', 'update'], locks, statusLines(SPAN['apt-update'], 'apt-update', progress));

      progress('resolve', 28, `resolving ${spec.packages.join(' ')} from ${spec.suite} against this host's packages`);
      const wanted = ['-t', spec.suite, ...spec.packages];
      const simulation = parseSimulation(await this.steps.capture(['apt-get', ...this.aptArgs(), '-s', '-y', '--no-install-recommends', 'install', ...wanted], locks));
      const main = packageName(spec.packages[0]!);
      const mainPackage = simulation.install.find((p) => p.name === main);
      if (!mainPackage) {
        const host = (await this.hostPackages(locks))[main];
        throw new RootfsError(
          'rootfs/invalid_spec',
          host ? `${main} ${host} on this host is already what ${spec.suite} offers: use the system version` : `apt found nothing to install for ${main} from ${spec.suite}`,
        );
      }
      const existing = (await this.list(spec.name)).find((tree) => tree.manifest.key === key && tree.manifest.packageVersion === mainPackage.version);
      if (existing) {
        progress('done', 100, `${main} ${mainPackage.version} is already in the store`);
        return existing;
      }
      const records = parseRecords(await this.steps.capture(['apt-cache', ...this.aptArgs(), 'show', ...simulation.install.map((p) => `${p.name}=${p.version}`)], locks));
      checkRunnableBeside(simulation.install, records, release);

      progress('download', SPAN.download[0], `downloading ${simulation.install.length} packages`);
      await this.resetPartialDownloads();
      await this.steps.run(['apt-get', ...this.aptArgs(), '-o', 'APT::Status-Fd=4', '-y', '-d', '--no-install-recommends', 'install', ...wanted], locks, statusLines(SPAN.download, 'download', progress));
      const files = simulation.install.map((p) => join(this.cacheDir, debFileName(p.name, p.version, p.architecture)));
      for (const file of files) {
        if (!(await exists(file))) throw new RootfsError('rootfs/build_failed', `apt-get did not download ${file}`);
      }

      progress('unpack', 82, `dpkg-deb -x ${simulation.install.length} packages`);
      await mkdir(tmp, { mode: 0o755 });
      const root = join(tmp, 'root');
      await mkdir(root, { mode: 0o755 });
      for (const file of files) await this.steps.run(['dpkg-deb', '-x', file, root], locks);
      // dpkg-deb gives root/ the mode of the first archive's "./": the instance's user must read the tree.
      await chmod(root, 0o755);
      await chmod(tmp, 0o755);

      progress('manifest', 95);
      const arch = (await this.steps.capture(['dpkg', '--print-architecture'], locks)).trim();
      const manifest: PackageTreeManifest = {
        format: TREE_FORMAT,
        name: spec.name,
        suite: spec.suite,
        mirror: this.mirror,
        key,
        packages: [...spec.packages],
        version: upstreamVersion(mainPackage.version),
        packageVersion: mainPackage.version,
        architecture: arch,
        hostRelease: release,
        builtAt: new Date().toISOString(),
        buildMs: Date.now() - started,
        sizeBytes: Number.parseInt(await this.steps.capture(['du', '--summarize', '--block-size=1', root], locks), 10),
        installed: Object.fromEntries(simulation.install.map((p) => [p.name, p.version])),
        unpacked: simulation.install,
        hostDependencies: hostDependencies(simulation.install, records, await this.hostPackages(locks)),
      };
      await writeManifest(tmp, manifest);
      const dir = await this.entryName(parent, spec.suite, manifest);
      await rename(tmp, dir);
      progress('done', 100, `built in ${Math.round((Date.now() - started) / 1000)} s`);
      return { dir, root: join(dir, 'root'), manifest, built: true };
    } catch (error) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof RootfsError) throw error;
      throw new RootfsError('rootfs/build_failed', `Building the ${spec.name} tree from ${spec.suite} failed: ${(error as Error).message}`);
    }
  }

  /** <suite>-<version>, or a name of its own when that one holds another build. */
  private async entryName(parent: string, suite: string, manifest: PackageTreeManifest): Promise<string> {
    const plain = join(parent, `${suite}-${manifest.version}`);
    if (!(await exists(plain))) return plain;
    const safe = manifest.packageVersion.replace(/[^A-Za-z0-9.+_-]/g, '_');
    const own = join(parent, `${suite}-${safe}-${manifest.key.slice(0, 8)}`);
    if (await exists(own)) throw new RootfsError('rootfs/build_failed', `${own} is in the way (and is not a finished tree of ${manifest.name})`);
    return own;
  }

  /** The private apt configuration, and a fresh copy of the host's dpkg database for the resolver. */
  private async prepareApt(release: string): Promise<void> {
    const paths = aptPaths(this.aptDir);
    for (const dir of [paths.sourceParts, paths.preferenceParts, join(paths.lists, 'partial'), paths.state, paths.log, join(this.aptDir, 'cache')]) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
    }
    const keyring = (await exists(DEBIAN_KEYRING)) ? DEBIAN_KEYRING : undefined;
    await writeFile(paths.sourcesList, renderSourcesList({ codename: release, mirror: this.mirror, securityMirror: this.securityMirror, keyring }), { mode: 0o644 });
    await copyFile(this.options.dpkgStatus ?? '/var/lib/dpkg/status', paths.status);
  }

  private aptArgs(): string[] {
    return aptOptions({ aptDir: this.aptDir, archives: this.cacheDir });
  }

  /** Under the cache lock no download runs: anything in partial/ is the remains of a killed build (see DebianRootfs). */
  private async resetPartialDownloads(): Promise<void> {
    const partial = join(this.cacheDir, 'partial');
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { mode: 0o755 });
  }

  private async hostPackages(locks?: BuildLocks): Promise<Record<string, string>> {
    return parseDpkgQuery(await this.steps.capture(['dpkg-query', '-W', '-f=${db:Status-Abbrev}\t${Package}\t${Version}\n'], locks));
  }

  /** Under the entry lock, a temporary directory of this spec is the remains of a dead build. */
  private async removeLeftovers(parent: string, prefix: string): Promise<void> {
    for (const entry of await readdirIfAny(parent)) {
      if (entry.startsWith(prefix)) await rm(join(parent, entry), { recursive: true, force: true });
    }
  }

  private key(spec: PackageTreeSpec): string {
    const text = JSON.stringify({ format: TREE_FORMAT, suite: spec.suite, mirror: this.mirror, packages: [...spec.packages].sort() });
    return createHash('sha256').update(text).digest('hex').slice(0, 12);
  }

  private async which(tool: string): Promise<string | undefined> {
    for (const dir of this.path.split(delimiter)) {
      const candidate = join(dir, tool);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
    return undefined;
  }
}

/**
 * A tree runs with the host's C library, interpreters and runtimes: packages the host's release
 * marks essential or required (libc6, ...) cannot be swapped in beside it.
 */
function checkRunnableBeside(install: readonly ResolvedPackage[], records: ReadonlyMap<string, PackageRecord>, release: string): void {
  const base = install.filter((p) => {
    const record = records.get(`${p.name}=${p.version}`);
    return record?.essential || record?.priority === 'required';
  });
  if (base.length > 0) {
    throw new RootfsError(
      'rootfs/invalid_spec',
      `These packages need newer base packages than this ${release} host has: ${base.map((p) => `${p.name} ${p.version}`).join(', ')}. Run it from a root filesystem instead`,
    );
  }
}

/** The host packages the tree's packages depend on directly, with their installed versions. */
function hostDependencies(install: readonly ResolvedPackage[], records: ReadonlyMap<string, PackageRecord>, host: Readonly<Record<string, string>>): Record<string, string> {
  const inTree = new Set(install.map((p) => p.name));
  const found: Record<string, string> = {};
  for (const p of install) {
    for (const group of dependencyNames(records.get(`${p.name}=${p.version}`)?.depends)) {
      if (group.some((name) => inTree.has(name))) continue;
      const provided = group.find((name) => host[name]);
      if (provided) found[provided] = host[provided]!;
    }
  }
  return Object.fromEntries(Object.entries(found).sort(([a], [b]) => a.localeCompare(b)));
}

function monotonic(onProgress: (progress: PackageTreeProgress) => void): Progress {
  let last = -1;
  return (phase, percent, message) => {
    const value = Math.max(last, Math.min(100, Math.round(percent)));
    last = value;
    try {
      onProgress(message === undefined ? { phase, percent: value } : { phase, percent: value, message });
    } catch {
      // A failing progress reporter must not break the build.
    }
  };
}

/** apt's machine-readable status lines (APT::Status-Fd, and update's progress) mapped into a span. */
function statusLines(span: readonly [number, number], phase: PackageTreePhase, progress: Progress): (line: string) => void {
  return (line) => {
    const match = /^(dlstatus|pmstatus):[^:]*:([\d.]+):(.*)$/.exec(line);
    if (!match) return;
    progress(phase, span[0] + ((span[1] - span[0]) * Number(match[2])) / 100, match[3]);
  };
}

function checkSpec(spec: PackageTreeSpec): void {
  if (!NAME_PATTERN.test(spec.name)) throw new RootfsError('rootfs/invalid_spec', `Invalid tree name ${JSON.stringify(spec.name)}`);
  if (!NAME_PATTERN.test(spec.suite)) throw new RootfsError('rootfs/invalid_spec', `Invalid Debian suite ${JSON.stringify(spec.suite)}`);
  if (spec.packages.length === 0) throw new RootfsError('rootfs/invalid_spec', 'A package tree needs at least one package');
  for (const name of spec.packages) {
    if (!PACKAGE_PATTERN.test(name)) throw new RootfsError('rootfs/invalid_spec', `Invalid package name ${JSON.stringify(name)}`);
  }
}

async function writeManifest(dir: string, manifest: PackageTreeManifest): Promise<void> {
  const file = await open(join(dir, MANIFEST), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await file.writeFile(JSON.stringify(manifest, null, 2) + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
}

export async function readManifest(dir: string): Promise<PackageTreeManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as PackageTreeManifest;
    return manifest.format === TREE_FORMAT ? manifest : undefined;
  } catch {
    return undefined;
  }
}

async function allowTraversal(dir: string): Promise<void> {
  const { mode } = await stat(dir);
  if ((mode & 0o055) !== 0o055) await chmod(dir, (mode & 0o7777) | 0o055);
}

async function readdirIfAny(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}
