import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chmod, chown, lstat, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import {
  type ExecOptions,
  type ExecResult,
  type FileEntry,
  RUNTIME_LAYOUT,
  type RunSpec,
  type Runtime,
  RuntimeError,
  type RuntimeStatus,
  type RuntimeTarget,
  type StopOptions,
  type StopResult,
} from '../runtime';
import { type ProcInfo, allPids, bootId, isGone, procCwd, procInfo, procUid } from './proc';
import { inRootfs } from './in-rootfs';
import { type RunAs, type RunAsConfig, asUser, resolveRunAs, runAsFor } from './run-as';

export interface ProcessRuntimeOptions {
  /**
   * The user instances without a uid of their own (RuntimeTarget.uid) run as when Hearth runs as
   * root (default nobody:nogroup); ignored otherwise.
   */
  readonly runAs?: RunAsConfig;
  readonly setpriv?: string;
  /** PATH given to instances and exec'd commands. */
  readonly path?: string;
  /** Default for stop(); SIGKILL follows. */
  readonly stopTimeoutMs?: number;
  /** start() watches this long for a program that exits at once (bad config, missing binary). */
  readonly startSettleMs?: number;
  /** At start, a console log bigger than this is moved to console.log.1. */
  readonly maxConsoleLogBytes?: number;
  readonly execTimeoutMs?: number;
}

/** What start() records so that any later Hearth process can recognise the server. */
interface PidRecord {
  pid: number;
  startTicks: number;
  bootId: string;
  startedAt: string;
  command: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const EXEC_OUTPUT_LIMIT = 4 * 1024 * 1024;
const POLL_MS = 50;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/**
 * Runs native binaries of this host, one process group per instance, detached so that they
 * outlive a restart of Hearth or its worker. The instance's directory:
 *
 *   <dir>/          root-owned 0711 when Hearth is root (the instance's user can enter, not rename)
 *   <dir>/hearth/   pidfile and console log, written by Hearth only
 *   <dir>/home/     HOME of the instance's user
 *   <dir>/...       the driver's files, owned by the instance's user
 */
export class ProcessRuntime implements Runtime {
  readonly kind = 'process';
  private runAsPromise?: Promise<RunAs>;
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly setpriv: string;
  private readonly path: string;

  constructor(private readonly options: ProcessRuntimeOptions = {}) {
    this.setpriv = options.setpriv ?? 'setpriv';
    this.path = options.path ?? DEFAULT_PATH;
  }

  /** The user this runtime runs an instance as: its own uid, if it has one and Hearth is root, or the configured user. */
  async runAs(target?: RuntimeTarget): Promise<RunAs> {
    this.runAsPromise ??= resolveRunAs(this.options.runAs);
    return runAsFor(await this.runAsPromise, target?.uid);
  }

  start(spec: RunSpec): Promise<RuntimeStatus> {
    checkTarget(spec);
    if (spec.process.image) throw new RuntimeError('runtime/start_failed', `${spec.process.image} is a container image: the process runtime runs this host's programs`);
    return this.serialized(spec, () => this.startNow(spec));
  }

  private async startNow(spec: RunSpec): Promise<RuntimeStatus> {
    const current = await this.status(spec);
    if (current.state === 'running') return current;

    const runAs = await this.runAs(spec);
    await this.prepareLayout(spec, runAs);
    await this.endLeftovers(spec, await this.readPidRecord(spec));
    await this.rotateConsoleLog(spec);

    const log = await open(join(spec.dir, RUNTIME_LAYOUT.consoleLog), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
    let child: ChildProcess;
    let exited!: Promise<string>;
    try {
      await log.write(`--- ${new Date().toISOString()} hearth: starting ${spec.process.command}\n`);
      const { rootfs } = spec.process;
      const [command, args] = rootfs
        ? inRootfs(runAs, rootfs, spec.dir, spec.process.command, spec.process.args)
        : asUser(runAs, this.setpriv, spec.process.command, spec.process.args);
      child = spawn(command, args, {
        cwd: this.cwdFor(spec, spec.process.cwd),
        env: this.environment(runAs, spec.process.env, rootfs ? RUNTIME_LAYOUT.rootfsInstanceDir : spec.dir),
        // Its own session and process group: it survives Hearth, and stop() can signal the group.
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
      });
      exited = new Promise<string>((resolveExit) =>
        child.once('exit', (code, signal) => resolveExit(signal ? `signal ${signal}` : `exit code ${code}`)),
      );
      await new Promise<void>((resolveSpawn, rejectSpawn) => {
        child.once('spawn', resolveSpawn);
        child.once('error', rejectSpawn);
      }).catch((error: Error) => {
        throw new RuntimeError('runtime/start_failed', `Could not start ${spec.process.command}: ${error.message}`);
      });
    } finally {
      await log.close();
    }
    child.unref();

    const pid = child.pid!;
    const info = await procInfo(pid);
    const record: PidRecord = {
      pid,
      startTicks: info?.startTicks ?? -1,
      bootId: await bootId(),
      startedAt: new Date().toISOString(),
      command: spec.process.command,
    };
    await writeFileAtomic(join(spec.dir, RUNTIME_LAYOUT.pidFile), JSON.stringify(record) + '\n', 0o600);

    const settle = this.options.startSettleMs ?? 300;
    const early = await Promise.race([exited, sleep(settle).then(() => undefined)]);
    if (early !== undefined || isGone(info)) {
      await unlink(join(spec.dir, RUNTIME_LAYOUT.pidFile)).catch(() => undefined);
      const tail = (await this.readLogTail(spec, 15)).join('\n');
      throw new RuntimeError('runtime/start_failed', `${spec.process.command} exited at once (${early ?? 'gone'}). Last output:\n${tail}`);
    }
    return { state: 'running', pid, startedAt: new Date(record.startedAt) };
  }

  async status(target: RuntimeTarget): Promise<RuntimeStatus> {
    checkTarget(target);
    const record = await this.readPidRecord(target);
    if (!record || !(await isSameProcess(record))) return { state: 'stopped' };
    return { state: 'running', pid: record.pid, startedAt: new Date(record.startedAt) };
  }

  stop(target: RuntimeTarget, options: StopOptions = {}): Promise<StopResult> {
    checkTarget(target);
    return this.serialized(target, () => this.stopNow(target, options));
  }

  private async stopNow(target: RuntimeTarget, options: StopOptions): Promise<StopResult> {
    const timeoutMs = options.timeoutMs ?? this.options.stopTimeoutMs ?? 15_000;
    const record = await this.readPidRecord(target);
    let wasRunning = false;
    let forced = false;
    if (record && (await isSameProcess(record))) {
      wasRunning = true;
      // Children that left the group (erl_child_setup calls setsid) are remembered now and ended below.
      const family = await descendants(record.pid);
      signalGroup(record.pid, 'SIGTERM');
      if (!(await waitGone(record, timeoutMs))) {
        forced = true;
        signalGroup(record.pid, 'SIGKILL');
        await waitGone(record, 5_000);
      }
      await endProcesses(family);
    }
    await this.endLeftovers(target, record);
    await unlink(join(target.dir, RUNTIME_LAYOUT.pidFile)).catch(() => undefined);
    return { wasRunning, forced };
  }

  /**
   * Processes that belong to this instance: the server, its descendants, and orphans it left
   * behind (reparented to init, running as the instance's user with a working directory inside
   * the instance directory, started after the server).
   */
  async processes(target: RuntimeTarget): Promise<number[]> {
    checkTarget(target);
    const record = await this.readPidRecord(target);
    const found = new Set<number>();
    if (record && (await isSameProcess(record))) {
      found.add(record.pid);
      for (const info of await descendants(record.pid)) found.add(info.pid);
    }
    for (const info of await this.orphans(target, record)) found.add(info.pid);
    return [...found].sort((a, b) => a - b);
  }

  async writeFiles(target: RuntimeTarget, files: readonly FileEntry[]): Promise<void> {
    checkTarget(target);
    const runAs = await this.runAs(target);
    await this.prepareLayout(target, runAs);
    for (const file of files) {
      const path = insideDir(target.dir, file.path);
      if (path.startsWith(join(target.dir, RUNTIME_LAYOUT.hearthDir) + sep) || path === join(target.dir, RUNTIME_LAYOUT.hearthDir)) {
        throw new RuntimeError('runtime/invalid_path', `${file.path} is reserved for Hearth`);
      }
      if ('directory' in file) {
        await this.ensureDir(target.dir, path, runAs, file.mode ?? 0o700);
        continue;
      }
      // Private by default: instances may share a group (nogroup, HEARTH_INSTANCE_USER) with other daemons.
      await this.ensureDir(target.dir, dirname(path), runAs, 0o700);
      if (file.ifMissing && (await lstat(path).catch(() => undefined))) continue;
      await writeFileAtomic(path, file.content, file.mode ?? 0o600, runAs);
    }
  }

  async readLogTail(target: RuntimeTarget, lines: number): Promise<string[]> {
    checkTarget(target);
    return tailLines(join(target.dir, RUNTIME_LAYOUT.consoleLog), lines);
  }

  async exec(target: RuntimeTarget, command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    checkTarget(target);
    if (options.image) throw new RuntimeError('runtime/exec_failed', `${options.image} is a container image: the process runtime runs this host's programs`);
    const runAs = await this.runAs(target);
    await this.prepareLayout(target, runAs);
    const timeoutMs = options.timeoutMs ?? this.options.execTimeoutMs ?? 60_000;
    const [file, argv] = asUser(runAs, this.setpriv, command, args);
    const child = spawn(file, argv, {
      cwd: this.cwdFor(target, options.cwd),
      env: this.environment(runAs, options.env ?? {}, target.dir),
      detached: true,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout = collect(child.stdout!);
    const stderr = collect(child.stderr!);
    if (options.stdin !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.stdin);
    }
    return new Promise<ExecResult>((resolveExec, rejectExec) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid) signalGroup(child.pid, 'SIGKILL');
      }, timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        rejectExec(new RuntimeError('runtime/exec_failed', `Could not run ${command}: ${error.message}`));
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        if (timedOut) {
          rejectExec(new RuntimeError('runtime/exec_timeout', `${command} did not finish within ${timeoutMs} ms`));
          return;
        }
        resolveExec({ code, stdout: stdout.text(), stderr: stderr.text() });
      });
    });
  }

  async destroy(target: RuntimeTarget): Promise<void> {
    checkTarget(target);
    await this.stop(target, { timeoutMs: 5_000 });
    await rm(target.dir, { recursive: true, force: true });
  }

  /**
   * One start or stop at a time per instance within this process. Jobs of different workers
   * must not start or stop the same instance at once either (one job per instance at a time).
   */
  private serialized<T>(target: RuntimeTarget, operation: () => Promise<T>): Promise<T> {
    const previous = this.busy.get(target.dir) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(operation);
    this.busy.set(target.dir, next);
    next
      .finally(() => {
        if (this.busy.get(target.dir) === next) this.busy.delete(target.dir);
      })
      .catch(() => undefined);
    return next;
  }

  /** `dir`: the instance directory as the program sees it (RUNTIME_LAYOUT.rootfsInstanceDir in a root filesystem). */
  private environment(runAs: RunAs, extra: Readonly<Record<string, string>>, dir: string): Record<string, string> {
    // Never Hearth's own environment: it holds the database URL and the master key.
    return {
      PATH: this.path,
      HOME: join(dir, RUNTIME_LAYOUT.homeDir),
      USER: runAs.user,
      LOGNAME: runAs.user,
      LANG: 'C.UTF-8',
      ...extra,
    };
  }

  private cwdFor(target: RuntimeTarget, cwd: string | undefined): string {
    return cwd ? insideDir(target.dir, cwd) : target.dir;
  }

  private async prepareLayout(target: RuntimeTarget, runAs: RunAs): Promise<void> {
    await checkReachable(target.dir, runAs);
    await mkdir(target.dir, { recursive: true, mode: 0o700 });
    const info = await lstat(target.dir);
    if (!info.isDirectory()) throw new RuntimeError('runtime/invalid_path', `${target.dir} is not a directory`);
    if (runAs.switchUser) {
      // Root keeps the top directory so the instance's user can't swap Hearth's files for links.
      await chown(target.dir, 0, 0);
      await chmod(target.dir, 0o711);
    }
    const hearthDir = join(target.dir, RUNTIME_LAYOUT.hearthDir);
    await mkdir(hearthDir, { recursive: true, mode: 0o700 });
    if (!(await lstat(hearthDir)).isDirectory()) throw new RuntimeError('runtime/invalid_path', `${hearthDir} is not a directory`);
    await this.ensureDir(target.dir, join(target.dir, RUNTIME_LAYOUT.homeDir), runAs, 0o700);
  }

  /** mkdir -p below the instance directory, refusing symbolic links, owned by the instance's user. */
  private async ensureDir(root: string, path: string, runAs: RunAs, mode: number): Promise<void> {
    let current = root;
    for (const part of relative(root, path).split(sep).filter(Boolean)) {
      current = join(current, part);
      const info = await lstat(current).catch(() => undefined);
      if (!info) {
        await mkdir(current, { mode });
        if (runAs.switchUser) await chown(current, runAs.uid, runAs.gid);
      } else if (!info.isDirectory() || info.isSymbolicLink()) {
        throw new RuntimeError('runtime/invalid_path', `${current} is not a directory`);
      }
    }
  }

  private async readPidRecord(target: RuntimeTarget): Promise<PidRecord | undefined> {
    try {
      const text = await readFileNoFollow(join(target.dir, RUNTIME_LAYOUT.pidFile));
      const record = JSON.parse(text) as PidRecord;
      return Number.isInteger(record.pid) && record.pid > 1 ? record : undefined;
    } catch {
      return undefined;
    }
  }

  private async orphans(target: RuntimeTarget, record: PidRecord | undefined): Promise<ProcInfo[]> {
    const runAs = await this.runAs(target);
    const sameBoot = record && record.bootId === (await bootId());
    const found: ProcInfo[] = [];
    for (const pid of await allPids()) {
      const info = await procInfo(pid);
      if (isGone(info) || info!.ppid !== 1) continue;
      if (sameBoot && info!.startTicks < record!.startTicks) continue;
      if ((await procUid(pid)) !== runAs.uid) continue;
      const cwd = await procCwd(pid);
      if (cwd && (cwd === target.dir || cwd.startsWith(target.dir + sep))) found.push(info!);
    }
    return found;
  }

  private async endLeftovers(target: RuntimeTarget, record: PidRecord | undefined): Promise<void> {
    await endProcesses(await this.orphans(target, record));
  }

  private async rotateConsoleLog(target: RuntimeTarget): Promise<void> {
    const path = join(target.dir, RUNTIME_LAYOUT.consoleLog);
    const info = await lstat(path).catch(() => undefined);
    if (info && info.size > (this.options.maxConsoleLogBytes ?? 10 * 1024 * 1024)) await rename(path, `${path}.1`);
  }
}

function checkTarget(target: RuntimeTarget): void {
  if (!ID_PATTERN.test(target.id)) throw new RuntimeError('runtime/invalid_path', `Invalid instance id ${JSON.stringify(target.id)}`);
  if (!isAbsolute(target.dir) || resolve(target.dir) !== target.dir || target.dir === '/') {
    throw new RuntimeError('runtime/invalid_path', `The instance directory must be an absolute, normalised path: ${target.dir}`);
  }
}

function insideDir(dir: string, path: string): string {
  const normal = normalize(path);
  if (isAbsolute(path) || normal === '..' || normal.startsWith('..' + sep) || normal === '.' || normal === '') {
    throw new RuntimeError('runtime/invalid_path', `${path} is not a path inside the instance directory`);
  }
  return join(dir, normal);
}

/** Each ancestor must let the instance's user through, or the server fails with a confusing EACCES. */
async function checkReachable(dir: string, runAs: RunAs): Promise<void> {
  if (!runAs.switchUser) return;
  for (let current = dirname(dir); ; current = dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      const mode = info.mode;
      const passes = (mode & 0o001) !== 0 || (info.uid === runAs.uid && (mode & 0o100) !== 0) || (info.gid === runAs.gid && (mode & 0o010) !== 0);
      if (!passes) {
        throw new RuntimeError('runtime/dir_not_accessible', `${runAs.user} cannot enter ${current}; allow it (chmod o+x ${current}) or choose another data directory`);
      }
    }
    if (current === dirname(current)) return;
  }
}

async function isSameProcess(record: PidRecord): Promise<boolean> {
  if (record.bootId !== (await bootId())) return false;
  const info = await procInfo(record.pid);
  return !isGone(info) && info!.startTicks === record.startTicks;
}

async function waitGone(record: PidRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isSameProcess(record))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** The process's children, grandchildren and anything still in its session. */
async function descendants(pid: number): Promise<ProcInfo[]> {
  const infos = new Map<number, ProcInfo>();
  for (const other of await allPids()) {
    const info = await procInfo(other);
    if (info && !isGone(info)) infos.set(other, info);
  }
  const result: ProcInfo[] = [];
  for (const info of infos.values()) {
    if (info.pid === pid) continue;
    let belongs = info.sid === pid;
    for (let parent = infos.get(info.ppid), hops = 0; !belongs && parent && hops < 64; parent = infos.get(parent.ppid), hops++) {
      if (parent.pid === pid) belongs = true;
    }
    if (belongs) result.push(info);
  }
  return result;
}

/** SIGTERM, a short wait, then SIGKILL; each pid is checked against its start time first. */
async function endProcesses(infos: readonly ProcInfo[]): Promise<void> {
  const alive = async () => {
    const left: ProcInfo[] = [];
    for (const info of infos) {
      const now = await procInfo(info.pid);
      if (!isGone(now) && now!.startTicks === info.startTicks) left.push(info);
    }
    return left;
  };
  let left = await alive();
  if (left.length === 0) return;
  for (const info of left) signal(info.pid, 'SIGTERM');
  for (let waited = 0; waited < 2_000 && left.length > 0; waited += POLL_MS) {
    await sleep(POLL_MS);
    left = await alive();
  }
  for (const info of left) signal(info.pid, 'SIGKILL');
}

function signalGroup(pid: number, name: NodeJS.Signals): void {
  signal(-pid, name);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function writeFileAtomic(path: string, content: string | Uint8Array, mode: number, owner?: RunAs): Promise<void> {
  const temporary = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  // wx: never follows a link someone planted at the temporary name.
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.chmod(mode);
    if (owner?.switchUser) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function readFileNoFollow(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** The last `count` lines of a file, reading backwards at most 1 MiB. */
export async function tailLines(path: string, count: number): Promise<string[]> {
  if (count <= 0) return [];
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const limit = Math.min(size, 1024 * 1024);
    let length = Math.min(limit, 64 * 1024);
    for (;;) {
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      // The first line is cut unless the read started at the beginning of the file.
      const complete = length < size ? lines.slice(1) : lines;
      if (complete.length >= count || length >= limit) return complete.slice(-count);
      length = Math.min(limit, length * 4);
    }
  } finally {
    await handle.close();
  }
}

/** A command's output, kept up to EXEC_OUTPUT_LIMIT bytes (also the container runtime's exec). */
export function collect(stream: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (size >= EXEC_OUTPUT_LIMIT) return;
    chunks.push(chunk.subarray(0, EXEC_OUTPUT_LIMIT - size));
    size += chunk.length;
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}

