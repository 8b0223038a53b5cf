import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, access, chmod, mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Builds and caches Debian root filesystems (debootstrap + apt) in Hearth's version store, e.g.
 * the sid tree that Synapse runs from. Layout of one entry:
 *
 *   <store>/<name>/<suite>-<hash>/            complete entry (renamed into place as a whole)
 *   <store>/<name>/<suite>-<hash>/rootfs/     the root filesystem
 *   <store>/<name>/<suite>-<hash>/manifest.json   written last, before the rename: the marker
 *   <store>/<name>/<suite>-<hash>.lock        flock(2) lock, held while building
 *   <store>/<name>/<suite>-<hash>.tmp-<hex>/  a build in progress, or the remains of one
 *
 * The hash covers everything that changes the result (suite, mirror, sorted packages, format),
 * so a different package list is a different entry and never a mutation of an existing one.
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

export type RootfsErrorCode =
  | 'rootfs/not_root'
  | 'rootfs/missing_tool'
  | 'rootfs/invalid_spec'
  | 'rootfs/lock_timeout'
  | 'rootfs/build_failed'
  | 'rootfs/mounted';

export class RootfsError extends Error {
  constructor(
    readonly code: RootfsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RootfsError';
  }
}

export interface RootfsSpec {
  /** Directory under the store, e.g. "synapse". */
  readonly name: string;
  /** Debian suite, e.g. "sid". */
  readonly suite: string;
  /** Installed with apt-get --no-install-recommends after debootstrap; may be empty. */
  readonly packages: readonly string[];
}

export interface RootfsManifest {
  readonly format: number;
  readonly name: string;
  readonly suite: string;
  readonly mirror: string;
  readonly variant: 'minbase';
  readonly packages: readonly string[];
  readonly architecture: string;
  readonly builtAt: string;
  readonly buildMs: number;
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
}

export type ProgressCallback = (progress: RootfsProgress) => void;

const FORMAT = 1;
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
// Debian package names (policy 5.6.1); an optional =version or /suite is allowed for pinning.
const PACKAGE_PATTERN = /^[a-z0-9][a-z0-9+.-]+(?:[=/][A-Za-z0-9.+~:_-]+)?$/;
const MANIFEST = 'manifest.json';
const TOOLS = ['debootstrap', 'chroot', 'unshare', 'flock', 'mount'] as const;
const OUTPUT_TAIL_LINES = 30;

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
  /** Same-process callers for one entry share one promise; other processes meet at the lock. */
  private readonly inFlight = new Map<string, Promise<RootfsResult>>();

  constructor(private readonly options: DebianRootfsOptions) {
    this.store = resolve(options.store);
    this.mirror = options.mirror ?? DEFAULT_MIRROR;
    this.path = options.path ?? DEFAULT_PATH;
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

    progress('lock', 1, 'waiting for any other build of this root filesystem');
    const lock = await this.lock(`${dir}.lock`);
    try {
      // Whoever held the lock before us may have finished the very same entry.
      const built = await this.find(spec);
      if (built) {
        progress('done', 100, 'built by a concurrent caller');
        return built;
      }
      progress('cleanup', 2);
      await this.removeLeftovers(dir);
      return await this.build(spec, dir, lock, progress);
    } finally {
      // Closing our descriptor releases the lock (unless a build child outlived us and still has it).
      await lock.close().catch(() => undefined);
    }
  }

  private async build(spec: RootfsSpec, dir: string, lock: FileHandle, progress: Progress): Promise<RootfsResult> {
    const started = Date.now();
    const tmp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
    const rootfs = join(tmp, 'rootfs');
    await mkdir(tmp, { mode: 0o755 });
    try {
      const arch = (await this.capture(['dpkg', '--print-architecture'], lock)).trim();

      // debootstrap mounts /proc and /sys in the target for its second stage; inside a private
      // mount namespace those mounts vanish with it, even if it is killed half-way.
      progress('debootstrap', SPAN.debootstrap[0], `debootstrap ${spec.suite}`);
      let fetched = 0;
      await this.run(
        [...this.isolated(), 'debootstrap', '--variant=minbase', `--arch=${arch}`, spec.suite, rootfs, this.mirror],
        lock,
        (line) => {
          // "I: Retrieving x", "I: Extracting x", "I: Installing core packages...", ... in order.
          const [from, to] = SPAN.debootstrap;
          if (line.startsWith('I: Retrieving') || line.startsWith('I: Validating')) fetched++;
          const stage = /^I: (Unpacking|Configuring|Installing|Extracting)/.test(line) ? 0.5 : 0;
          const estimate = stage ? 0.5 + Math.min(0.45, fetched / 600) : Math.min(0.5, fetched / 400);
          if (line.startsWith('I: ')) progress('debootstrap', from + (to - from) * estimate, line.slice(3));
        },
      );

      progress('configure', SPAN.debootstrap[1]);
      const policy = join(rootfs, 'usr/sbin/policy-rc.d');
      await writeFile(policy, POLICY_RC_D, { mode: 0o755 });
      await chmod(policy, 0o755);
      await writeFile(join(rootfs, 'etc/apt/apt.conf.d/99hearth'), APT_CONF, { mode: 0o644 });

      progress('apt-update', SPAN['apt-update'][0], 'apt-get update');
      await this.inChroot(rootfs, ['apt-get', 'update'], lock, aptStatus(SPAN['apt-update'], 'apt-update', progress));

      if (spec.packages.length > 0) {
        progress('apt-install', SPAN['apt-install'][0], `apt-get install ${spec.packages.join(' ')}`);
        await this.inChroot(
          rootfs,
          ['apt-get', 'install', '-y', '--no-install-recommends', ...spec.packages],
          lock,
          aptStatus(SPAN['apt-install'], 'apt-install', progress),
        );
      }

      progress('apt-clean', 91);
      await this.inChroot(rootfs, ['apt-get', 'clean'], lock);
      // The package lists are large and stale by the next build; the manifest records what matters.
      await rm(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
      await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });

      progress('manifest', 95);
      const installed = parseDpkgQuery(
        await this.capture(['chroot', rootfs, 'dpkg-query', '-W', '-f=${db:Status-Abbrev}\t${Package}\t${Version}\n'], lock),
      );
      for (const wanted of spec.packages) {
        const name = wanted.split(/[=/]/)[0]!;
        if (!installed[name]) throw new RootfsError('rootfs/build_failed', `${name} is not installed after apt-get install`);
      }
      const manifest: RootfsManifest = {
        format: FORMAT,
        name: spec.name,
        suite: spec.suite,
        mirror: this.mirror,
        variant: 'minbase',
        packages: [...spec.packages],
        architecture: arch,
        builtAt: new Date().toISOString(),
        buildMs: Date.now() - started,
        installed,
      };
      // The manifest is the completeness marker: written (and flushed) last, then the whole entry
      // appears at its final name in one rename.
      const file = await open(join(tmp, MANIFEST), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      try {
        await file.writeFile(JSON.stringify(manifest, null, 2) + '\n');
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, dir);
      progress('done', 100, `built in ${Math.round((Date.now() - started) / 1000)} s`);
      return { dir, rootfs: join(dir, 'rootfs'), manifest, built: true };
    } catch (error) {
      await this.removeTree(tmp).catch(() => undefined);
      if (error instanceof RootfsError) throw error;
      throw new RootfsError('rootfs/build_failed', `Building the ${spec.suite} root filesystem failed: ${(error as Error).message}`);
    }
  }

  /** Runs a command chrooted into rootfs with /proc and /dev mounted only for its lifetime. */
  private inChroot(rootfs: string, argv: readonly string[], lock: FileHandle, onLine?: (line: string) => void): Promise<void> {
    // The rootfs path travels as $1, never spliced into the script.
    const script = 'set -e; mount -t proc proc "$1/proc"; mount --bind /dev "$1/dev"; r="$1"; shift; exec chroot "$r" "$@"';
    // Status lines on a pipe of their own (fd 4): apt's stdout is shared with maintainer scripts.
    const statusFd = onLine ? ['-o', 'APT::Status-Fd=4'] : [];
    const [command, ...rest] = argv;
    return this.run([...this.isolated(), 'sh', '-c', script, 'sh', rootfs, command!, ...statusFd, ...rest], lock, onLine);
  }

  private isolated(): string[] {
    return ['unshare', '--mount', '--propagation', 'private', '--'];
  }

  /**
   * Takes an exclusive flock(2) on path. flock(1) locks the descriptor we hand it as fd 3, so the
   * lock belongs to our open file description: it goes away by itself when Hearth dies (no stale
   * locks to guess about), and build children inherit it, so a build that outlives a killed Hearth
   * still keeps others out of its temporary directory.
   */
  private async lock(path: string): Promise<FileHandle> {
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const seconds = Math.max(1, Math.ceil((this.options.lockTimeoutMs ?? 30 * 60_000) / 1000));
      const code = await new Promise<number | null>((resolveExit, rejectExit) => {
        const child = spawn('flock', ['--exclusive', '--wait', String(seconds), '3'], {
          env: { PATH: this.path },
          stdio: ['ignore', 'ignore', 'pipe', handle.fd],
        });
        child.once('error', rejectExit);
        child.once('exit', (exitCode) => resolveExit(exitCode));
      });
      if (code === 1) throw new RootfsError('rootfs/lock_timeout', `Another build of ${path.replace(/\.lock$/, '')} did not finish within ${seconds} s`);
      if (code !== 0) throw new RootfsError('rootfs/build_failed', `flock on ${path} failed (exit ${code})`);
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
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
    const key = JSON.stringify({ format: FORMAT, variant: 'minbase', suite: spec.suite, mirror: this.mirror, packages: [...spec.packages].sort() });
    return createHash('sha256').update(key).digest('hex').slice(0, 12);
  }

  private async which(tool: string): Promise<string | undefined> {
    for (const dir of this.path.split(delimiter)) {
      const candidate = join(dir, tool);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
    return undefined;
  }

  private environment(): NodeJS.ProcessEnv {
    return { PATH: this.path, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true' };
  }

  private async capture(argv: readonly string[], lock: FileHandle): Promise<string> {
    const lines: string[] = [];
    await this.run(argv, lock, (line) => lines.push(line), true);
    return lines.join('\n') + '\n';
  }

  /**
   * Runs argv with the lock descriptor inherited as fd 9, feeding stdout lines to onLine and
   * keeping the last lines of output for the error message.
   */
  private run(argv: readonly string[], lock: FileHandle, onLine?: (line: string) => void, stdoutOnly = false): Promise<void> {
    const [command, ...args] = argv;
    const tail: string[] = [];
    const keep = (line: string): void => {
      tail.push(line);
      if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
    };
    return new Promise<void>((resolveRun, rejectRun) => {
      let child: ChildProcess;
      try {
        child = spawn(command!, args, {
          env: this.environment(),
          // fd 9, out of the way of debconf (fd 3) and other low descriptors package scripts use.
          stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', lock.fd],
          timeout: this.options.stepTimeoutMs ?? 20 * 60_000,
          killSignal: 'SIGKILL',
        });
      } catch (error) {
        rejectRun(error);
        return;
      }
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!stdoutOnly) keep(line);
        onLine?.(line);
      });
      createInterface({ input: child.stderr! }).on('line', keep);
      createInterface({ input: child.stdio[4] as NodeJS.ReadableStream }).on('line', (line) => onLine?.(line));
      child.once('error', rejectRun);
      child.once('close', (code, signal) => {
        if (code === 0) resolveRun();
        else {
          const what = signal ? `signal ${signal}` : `exit code ${code}`;
          rejectRun(new Error(`${command} ${args.slice(0, 6).join(' ')} ended with ${what}:\n${tail.join('\n')}`));
        }
      });
    });
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

export function parseDpkgQuery(output: string): Record<string, string> {
  const installed: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const [status, name, version] = line.split('\t');
    // "ii " = wanted install, installed; anything else (rc, half-configured) is not installed.
    if (status?.startsWith('ii') && name && version) installed[name.split(':')[0]!] = version;
  }
  return installed;
}

async function readManifest(dir: string): Promise<RootfsManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as RootfsManifest;
    return manifest.format === FORMAT ? manifest : undefined;
  } catch {
    return undefined;
  }
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

function checkSpec(spec: RootfsSpec): void {
  if (!NAME_PATTERN.test(spec.name)) throw new RootfsError('rootfs/invalid_spec', `Invalid root filesystem name ${JSON.stringify(spec.name)}`);
  if (!NAME_PATTERN.test(spec.suite)) throw new RootfsError('rootfs/invalid_spec', `Invalid Debian suite ${JSON.stringify(spec.suite)}`);
  for (const name of spec.packages) {
    if (!PACKAGE_PATTERN.test(name)) throw new RootfsError('rootfs/invalid_spec', `Invalid package name ${JSON.stringify(name)}`);
  }
}
