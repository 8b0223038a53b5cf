import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { BuildSteps } from '../store/build-steps';
import { RootfsError } from '../store/store-error';
import { type BuildLocks, holdingLock } from '../store/store-lock';

export { RootfsError, type RootfsErrorCode } from '../store/store-error';

/**
 * Builds and caches Debian root filesystems (debootstrap + apt) in Hearth's version store, e.g.
 * the sid tree that Synapse runs from. Layout of one entry:
 *
 *   <store>/<name>/<suite>-<hash>/            complete entry (renamed into place as a whole)
 *   <store>/<name>/<suite>-<hash>/rootfs/     the root filesystem
 *   <store>/<name>/<suite>-<hash>/manifest.json   written last, before the rename: the marker
 *   <store>/<name>/<suite>-<hash>.lock        flock(2) lock, held while building
 *   <store>/<name>/<suite>-<hash>.tmp-<hex>/  a build in progress, or the remains of one
 *   <store>/.cache/debs/                      downloaded .deb files, shared by every build
 *   <store>/.cache/debs.lock                  flock(2) lock on that cache, held while building
 *
 * The hash covers everything that changes the result (suite, mirror, sorted packages, extra
 * suites, format), so a different package list is a different entry and never a mutation of an
 * existing one.
 *
 * The download cache makes a rebuild (another entry, or one deleted) fetch only packages it has
 * not seen: debootstrap gets it as --cache-dir, and apt-get install sees it bind-mounted as the
 * tree's /var/cache/apt/archives. Both name files <package>_<version>_<arch>.deb and move a
 * download out of partial/ only once its checksum matches, so the directory holds only complete
 * packages and either tool can use what the other fetched.
 */

export type RootfsPhase =
  | 'check'
  | 'lock'
  | 'cleanup'
  | 'debootstrap'
  | 'configure'
  | 'apt-update'
  | 'apt-install'
  | 'apt-clean'
  | 'manifest'
  | 'done';

export interface RootfsProgress {
  readonly phase: RootfsPhase;
  /** 0..100 over the whole ensure(); only ever grows. */
  readonly percent: number;
  readonly message?: string;
}

export interface RootfsSpec {
  /** Directory under the store, e.g. "synapse". */
  readonly name: string;
  /** Debian suite, e.g. "sid". */
  readonly suite: string;
  /** Installed with apt-get --no-install-recommends after debootstrap; may be empty. */
  readonly packages: readonly string[];
  /**
   * More suites of the same mirror that apt may install from, e.g. bookworm-backports. apt picks
   * by its usual priorities: Debian marks backports NotAutomatic, so a package comes from there
   * only when pinned as name/suite (its dependencies too, where the base suite can't satisfy them).
   */
  readonly extraSuites?: readonly string[];
}

export interface RootfsManifest {
  readonly format: number;
  readonly name: string;
  readonly suite: string;
  readonly mirror: string;
  readonly variant: 'minbase';
  readonly packages: readonly string[];
  /** Present only when the spec has some. */
  readonly extraSuites?: readonly string[];
  readonly architecture: string;
  readonly builtAt: string;
  readonly buildMs: number;
  /** Disk usage of rootfs/ in bytes when it was built (absent in entries built before it was recorded). */
  readonly sizeBytes?: number;
  /** Every package dpkg knows as installed, name → version. */
  readonly installed: Readonly<Record<string, string>>;
}

export interface RootfsResult {
  /** The entry directory (holds rootfs/ and manifest.json). */
  readonly dir: string;
  /** The root filesystem to chroot into or import as an image. */
  readonly rootfs: string;
  readonly manifest: RootfsManifest;
  /** True when this call built it, false when it was already there (or a concurrent caller built it). */
  readonly built: boolean;
}

export interface DebianRootfsOptions {
  /** The version store's root directory. */
  readonly store: string;
  /** Default http://deb.debian.org/debian: the host's usual mirror. */
  readonly mirror?: string;
  /** How long to wait for a concurrent build to finish (default 30 min). */
  readonly lockTimeoutMs?: number;
  /** Limit for a single build step (default 20 min: a slow mirror, not a hang, is the usual case). */
  readonly stepTimeoutMs?: number;
  /** PATH used to find debootstrap etc. and given to the build commands. */
  readonly path?: string;
  /** Downloaded .deb files shared by every build (default <store>/.cache/debs); safe to delete while nothing builds. */
  readonly cacheDir?: string;
}

export type ProgressCallback = (progress: RootfsProgress) => void;

const FORMAT = 1;
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
// Debian package names (policy 5.6.1); an optional =version or /suite is allowed for pinning.
const PACKAGE_PATTERN = /^[a-z0-9][a-z0-9+.-]+(?:[=/][A-Za-z0-9.+~:_-]+)?$/;
const MANIFEST = 'manifest.json';
const TOOLS = ['debootstrap', 'chroot', 'unshare', 'flock', 'mount', 'du'] as const;

// Where each phase sits in the overall percentage (debootstrap and the install dominate).
const SPAN: Record<'debootstrap' | 'apt-update' | 'apt-install', [number, number]> = {
  debootstrap: [5, 45],
  'apt-update': [46, 52],
  'apt-install': [52, 90],
};

const APT_CONF = [
  '// Written by Hearth.',
  "// sid's Release file can be past its Valid-Until relative to this host's clock.",
  'Acquire::Check-Valid-Until "false";',
  'APT::Install-Recommends "false";',
  'APT::Install-Suggests "false";',
  'Acquire::Languages "none";',
  "// No pseudo-terminal for dpkg: without a terminal on Hearth's side, maintainer scripts' writes to it fail (EIO).",
  'Dpkg::Use-Pty "false";',
  '',
].join('\n');

// Packages must not start services inside the tree: Hearth starts what it runs itself.
const POLICY_RC_D = '#!/bin/sh\n# Written by Hearth: never start services from package scripts.\nexit 101\n';

export class DebianRootfs {
  private readonly store: string;
  private readonly mirror: string;
  private readonly path: string;
  /** Absolute: debootstrap refuses a relative --cache-dir. */
  readonly cacheDir: string;
  /** Same-process callers for one entry share one promise; other processes meet at the lock. */
  private readonly inFlight = new Map<string, Promise<RootfsResult>>();
  private readonly steps: BuildSteps;

  constructor(private readonly options: DebianRootfsOptions) {
    this.store = resolve(options.store);
    this.mirror = options.mirror ?? DEFAULT_MIRROR;
    this.path = options.path ?? DEFAULT_PATH;
    this.cacheDir = resolve(options.cacheDir ?? join(this.store, '.cache', 'debs'));
    this.steps = new BuildSteps({
      env: { PATH: this.path, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true' },
      timeoutMs: options.stepTimeoutMs ?? 20 * 60_000,
      shownArgs: (args) => args.slice(0, 6),
    });
  }

  /** Where the entry for spec lives, built or not. */
  entryDir(spec: RootfsSpec): string {
    checkSpec(spec);
    return join(this.store, spec.name, `${spec.suite}-${this.hash(spec)}`);
  }

  /** The finished entry, or undefined if it has not been built (a half-built one never counts). */
  async find(spec: RootfsSpec): Promise<RootfsResult | undefined> {
    const dir = this.entryDir(spec);
    const manifest = await readManifest(dir);
    return manifest ? { dir, rootfs: join(dir, 'rootfs'), manifest, built: false } : undefined;
  }

  /** Every finished entry in the store, by name then suite (builds in progress and the download cache are not entries). */
  async list(): Promise<RootfsResult[]> {
    const found: RootfsResult[] = [];
    for (const name of (await readdirIfAny(this.store)).filter((n) => NAME_PATTERN.test(n)).sort()) {
      for (const entry of (await readdirIfAny(join(this.store, name))).filter((e) => !e.includes('.tmp-')).sort()) {
        const dir = join(this.store, name, entry);
        const manifest = await readManifest(dir);
        if (manifest) found.push({ dir, rootfs: join(dir, 'rootfs'), manifest, built: false });
      }
    }
    return found;
  }

  /** Returns the entry for spec, building it first if needed. */
  ensure(spec: RootfsSpec, onProgress: ProgressCallback = () => undefined): Promise<RootfsResult> {
    const dir = this.entryDir(spec);
    let running = this.inFlight.get(dir);
    if (!running) {
      running = this.ensureNow(spec, dir, onProgress).finally(() => this.inFlight.delete(dir));
      this.inFlight.set(dir, running);
    }
    return running;
  }

  /** Throws a RootfsError naming what is missing to build a root filesystem on this host. */
  async checkPrerequisites(): Promise<void> {
    if ((process.getuid?.() ?? -1) !== 0) {
      throw new RootfsError('rootfs/not_root', 'Building a Debian root filesystem needs root (debootstrap, chroot, mount namespaces)');
    }
    const missing: string[] = [];
    for (const tool of TOOLS) if (!(await this.which(tool))) missing.push(tool);
    if (missing.length > 0) {
      const hint = missing.includes('debootstrap') ? ' (install it with: apt-get install debootstrap)' : '';
      throw new RootfsError('rootfs/missing_tool', `Missing on this host: ${missing.join(', ')}${hint}`);
    }
  }

  private async ensureNow(spec: RootfsSpec, dir: string, onProgress: ProgressCallback): Promise<RootfsResult> {
    const progress = monotonic(onProgress);
    progress('check', 0);
    const existing = await this.find(spec);
    if (existing) {
      progress('done', 100, 'cached');
      return existing;
    }
    await this.checkPrerequisites();
    await mkdir(join(this.store, spec.name), { recursive: true, mode: 0o755 });
    await mkdir(this.cacheDir, { recursive: true, mode: 0o755 });

    progress('lock', 1, 'waiting for any other build of this root filesystem');
    const timeout = this.options.lockTimeoutMs ?? 30 * 60_000;
    return holdingLock(`${dir}.lock`, timeout, this.path, async (entry) => {
      // Whoever held the lock before us may have finished the very same entry.
      const built = await this.find(spec);
      if (built) {
        progress('done', 100, 'built by a concurrent caller');
        return built;
      }
      // Always taken after an entry lock, never before one, so two builds cannot deadlock.
      progress('lock', 1, 'waiting for any other build using the download cache');
      return holdingLock(`${this.cacheDir}.lock`, timeout, this.path, async (cache) => {
        progress('cleanup', 2);
        await this.removeLeftovers(dir);
        await this.resetPartialDownloads();
        return this.build(spec, dir, { entry, cache }, progress);
      });
    });
  }

  private async build(spec: RootfsSpec, dir: string, locks: BuildLocks, progress: Progress): Promise<RootfsResult> {
    const started = Date.now();
    const tmp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
    const rootfs = join(tmp, 'rootfs');
    await mkdir(tmp, { mode: 0o755 });
    try {
      const arch = (await this.steps.capture(['dpkg', '--print-architecture'], locks)).trim();
      await this.bootstrap(spec, rootfs, arch, locks, progress);
      await this.installPackages(spec, rootfs, locks, progress);

      progress('manifest', 95);
      const installed = await this.installed(spec, rootfs, locks);
      const sizeBytes = await this.diskUsage(rootfs, locks);
      const manifest: RootfsManifest = {
        format: FORMAT,
        name: spec.name,
        suite: spec.suite,
        mirror: this.mirror,
        variant: 'minbase',
        packages: [...spec.packages],
        ...(hasExtraSuites(spec) ? { extraSuites: [...spec.extraSuites] } : {}),
        architecture: arch,
        builtAt: new Date().toISOString(),
        buildMs: Date.now() - started,
        sizeBytes,
        installed,
      };
      await writeManifest(tmp, manifest);
      await rename(tmp, dir);
      progress('done', 100, `built in ${Math.round((Date.now() - started) / 1000)} s`);
      return { dir, rootfs: join(dir, 'rootfs'), manifest, built: true };
    } catch (error) {
      await this.removeTree(tmp).catch(() => undefined);
      if (error instanceof RootfsError) throw error;
      throw new RootfsError('rootfs/build_failed', `Building the ${spec.suite} root filesystem failed: ${(error as Error).message}`);
    }
  }

  /** debootstrap, then the settings that make the tree safe to install packages into. */
  private async bootstrap(spec: RootfsSpec, rootfs: string, arch: string, locks: BuildLocks, progress: Progress): Promise<void> {
    // debootstrap mounts /proc and /sys in the target for its second stage; inside a private
    // mount namespace those mounts vanish with it, even if it is killed half-way.
    progress('debootstrap', SPAN.debootstrap[0], `debootstrap ${spec.suite}`);
    const argv = ['debootstrap', '--variant=minbase', `--arch=${arch}`, `--cache-dir=${this.cacheDir}`, spec.suite, rootfs, this.mirror];
    await this.steps.run([...this.isolated(), ...argv], locks, debootstrapStatus(progress));

    progress('configure', SPAN.debootstrap[1]);
    const policy = join(rootfs, 'usr/sbin/policy-rc.d');
    await writeFile(policy, POLICY_RC_D, { mode: 0o755 });
    await chmod(policy, 0o755);
    await writeFile(join(rootfs, 'etc/apt/apt.conf.d/99hearth'), APT_CONF, { mode: 0o644 });
    if (hasExtraSuites(spec)) {
      // debootstrap wrote sources.list for the base suite; the others go beside it, signed by the same archive keys.
      const lines = spec.extraSuites.map((suite) => `deb ${this.mirror} ${suite} main`);
      await writeFile(join(rootfs, 'etc/apt/sources.list.d/hearth.list'), ['# Written by Hearth.', ...lines, ''].join('\n'), { mode: 0o644 });
    }
  }

  private async installPackages(spec: RootfsSpec, rootfs: string, locks: BuildLocks, progress: Progress): Promise<void> {
    progress('apt-update', SPAN['apt-update'][0], 'apt-get update');
    await this.inChroot(rootfs, ['apt-get', 'update'], locks, { onLine: aptStatus(SPAN['apt-update'], 'apt-update', progress) });

    if (spec.packages.length > 0) {
      progress('apt-install', SPAN['apt-install'][0], `apt-get install ${spec.packages.join(' ')}`);
      await this.inChroot(rootfs, ['apt-get', 'install', '-y', '--no-install-recommends', ...spec.packages], locks, {
        onLine: aptStatus(SPAN['apt-install'], 'apt-install', progress),
        withCache: true,
      });
    }

    // Without the cache mounted: this empties the tree's own archives (debootstrap's copies), never the shared cache.
    progress('apt-clean', 91);
    await this.inChroot(rootfs, ['apt-get', 'clean'], locks);
    // The package lists are large and stale by the next build; the manifest records what matters.
    await rm(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
  }

  /** What dpkg has installed; throws if a wanted package is missing. */
  private async installed(spec: RootfsSpec, rootfs: string, locks: BuildLocks): Promise<Record<string, string>> {
    const installed = parseDpkgQuery(
      await this.steps.capture(['chroot', rootfs, 'dpkg-query', '-W', '-f=${db:Status-Abbrev}\t${Package}\t${Version}\n'], locks),
    );
    for (const wanted of spec.packages) {
      const name = packageName(wanted);
      if (!installed[name]) throw new RootfsError('rootfs/build_failed', `${name} is not installed after apt-get install`);
    }
    return installed;
  }

  private async diskUsage(path: string, locks: BuildLocks): Promise<number> {
    return Number.parseInt(await this.steps.capture(['du', '--summarize', '--one-file-system', '--block-size=1', path], locks), 10);
  }

  /**
   * Under the cache lock no download runs, so anything in partial/ is the remains of a killed
   * build. apt tries to resume such a file (Range with If-Range); a mirror or proxy that honours
   * the range although the bytes are not a true prefix makes the download fail its hash check, so
   * these few downloads start over instead. debootstrap downloads into partial/ (and moves a file
   * out only once its checksum matches) only if that directory exists: it is created empty.
   */
  private async resetPartialDownloads(): Promise<void> {
    const partial = join(this.cacheDir, 'partial');
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { mode: 0o755 });
  }

  /**
   * Runs a command chrooted into rootfs with /proc and /dev mounted only for its lifetime and,
   * withCache, the shared download cache as its /var/cache/apt/archives. The mounts exist only in
   * the command's private namespace, so they vanish with it, even on SIGKILL.
   */
  private inChroot(rootfs: string, argv: readonly string[], locks: BuildLocks, options: { onLine?: (line: string) => void; withCache?: boolean } = {}): Promise<void> {
    // The paths travel as $1 and $2, never spliced into the script.
    const script =
      'set -e; r="$1"; c="$2"; shift 2; mount -t proc proc "$r/proc"; mount --bind /dev "$r/dev"; ' +
      'if [ -n "$c" ]; then mount --bind "$c" "$r/var/cache/apt/archives"; fi; exec chroot "$r" "$@"';
    // Status lines on a pipe of their own (fd 4): apt's stdout is shared with maintainer scripts.
    const statusFd = options.onLine ? ['-o', 'APT::Status-Fd=4'] : [];
    const [command, ...rest] = argv;
    const cache = options.withCache ? this.cacheDir : '';
    return this.steps.run([...this.isolated(), 'sh', '-c', script, 'sh', rootfs, cache, command!, ...statusFd, ...rest], locks, options.onLine);
  }

  private isolated(): string[] {
    return ['unshare', '--mount', '--propagation', 'private', '--'];
  }

  /** Under the lock, any temporary directory of this entry is the remains of a dead build. */
  private async removeLeftovers(dir: string): Promise<void> {
    const parent = join(dir, '..');
    const base = dir.slice(parent.length + 1);
    for (const entry of await readdir(parent)) {
      if (entry.startsWith(`${base}.tmp-`)) await this.removeTree(join(parent, entry));
    }
    // A final directory without a manifest cannot come from build(), but must not be trusted either.
    if (!(await readManifest(dir)) && (await exists(dir))) await this.removeTree(dir);
  }

  /** rm -r that refuses to descend into anything still mounted (it would delete the host's /dev). */
  private async removeTree(path: string): Promise<void> {
    const mounts = await mountPointsUnder(path);
    if (mounts.length > 0) {
      throw new RootfsError('rootfs/mounted', `Not removing ${path}: still mounted at ${mounts.join(', ')}`);
    }
    await rm(path, { recursive: true, force: true });
  }

  private hash(spec: RootfsSpec): string {
    // extraSuites only when there are some, so every entry built before they existed keeps its hash.
    const extra = hasExtraSuites(spec) ? { extraSuites: [...spec.extraSuites].sort() } : {};
    const key = JSON.stringify({ format: FORMAT, variant: 'minbase', suite: spec.suite, mirror: this.mirror, packages: [...spec.packages].sort(), ...extra });
    return createHash('sha256').update(key).digest('hex').slice(0, 12);
  }

  private async which(tool: string): Promise<string | undefined> {
    for (const dir of this.path.split(delimiter)) {
      const candidate = join(dir, tool);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
    return undefined;
  }
}

type Progress = (phase: RootfsPhase, percent: number, message?: string) => void;

function monotonic(onProgress: ProgressCallback): Progress {
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

/** Maps debootstrap's "I: Retrieving x", "I: Extracting x", "I: Installing core packages...", ... (in that order) into its span. */
function debootstrapStatus(progress: Progress): (line: string) => void {
  const [from, to] = SPAN.debootstrap;
  let fetched = 0;
  return (line) => {
    if (!line.startsWith('I: ')) return;
    if (line.startsWith('I: Retrieving') || line.startsWith('I: Validating')) fetched++;
    const installing = /^I: (Unpacking|Configuring|Installing|Extracting)/.test(line);
    const estimate = installing ? 0.5 + Math.min(0.45, fetched / 600) : Math.min(0.5, fetched / 400);
    progress('debootstrap', from + (to - from) * estimate, line.slice(3));
  };
}

/** Maps apt's machine-readable status lines (APT::Status-Fd) into a span of the overall percentage. */
function aptStatus(span: [number, number], phase: RootfsPhase, progress: Progress): (line: string) => void {
  return (line) => {
    const match = /^(dlstatus|pmstatus):[^:]*:([\d.]+):(.*)$/.exec(line);
    if (!match) return;
    // Downloads are the first half of an install, dpkg the second; update only downloads.
    const fraction = Number(match[2]) / 100;
    const share = phase === 'apt-install' ? (match[1] === 'dlstatus' ? fraction * 0.5 : 0.5 + fraction * 0.5) : fraction;
    progress(phase, span[0] + (span[1] - span[0]) * share, match[3]);
  };
}

/** The package a spec names, without its =version or /suite pin. */
export function packageName(wanted: string): string {
  return wanted.split(/[=/]/)[0]!;
}

export function parseDpkgQuery(output: string): Record<string, string> {
  const installed: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const [status, name, version] = line.split('\t');
    // "ii " = wanted install, installed; anything else (rc, half-configured) is not installed.
    if (status?.startsWith('ii') && name && version) installed[name.split(':')[0]!] = version;
  }
  return installed;
}

/** The manifest is the completeness marker: written and flushed last, before the entry is renamed into place. */
async function writeManifest(dir: string, manifest: RootfsManifest): Promise<void> {
  const file = await open(join(dir, MANIFEST), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await file.writeFile(JSON.stringify(manifest, null, 2) + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
}

async function readManifest(dir: string): Promise<RootfsManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as RootfsManifest;
    return manifest.format === FORMAT ? manifest : undefined;
  } catch {
    return undefined;
  }
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

/** Mount points at or below path, from /proc/self/mounts (octal escapes decoded). */
export async function mountPointsUnder(path: string): Promise<string[]> {
  const root = resolve(path);
  const text = await readFile('/proc/self/mounts', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => !!point)
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === root || point.startsWith(`${root}/`));
}

function hasExtraSuites(spec: RootfsSpec): spec is RootfsSpec & { readonly extraSuites: readonly string[] } {
  return (spec.extraSuites?.length ?? 0) > 0;
}

function checkSpec(spec: RootfsSpec): void {
  if (!NAME_PATTERN.test(spec.name)) throw new RootfsError('rootfs/invalid_spec', `Invalid root filesystem name ${JSON.stringify(spec.name)}`);
  for (const suite of [spec.suite, ...(spec.extraSuites ?? [])]) {
    if (!NAME_PATTERN.test(suite)) throw new RootfsError('rootfs/invalid_spec', `Invalid Debian suite ${JSON.stringify(suite)}`);
  }
  for (const name of spec.packages) {
    if (!PACKAGE_PATTERN.test(name)) throw new RootfsError('rootfs/invalid_spec', `Invalid package name ${JSON.stringify(name)}`);
  }
}
