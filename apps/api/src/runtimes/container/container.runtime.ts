import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { type ProcessRuntime, collect } from '../process/process.runtime';
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
import { demuxLogs } from './engine-streams';

export interface ContainerRuntimeOptions {
  readonly engine: Docker;
  /**
   * Instance directories live on this host and are bind-mounted into the containers, so files
   * are written here, as the process runtime writes them (same owner, same atomic renames).
   */
  readonly files: ProcessRuntime;
  readonly stopTimeoutMs?: number;
  /** start() watches this long for a container that exits at once (bad config, broken image). */
  readonly startSettleMs?: number;
  readonly execTimeoutMs?: number;
}

/** Labels every container Hearth makes carries, so an operator (and Hearth) can tell them apart. */
export const CONTAINER_LABELS = { managed: 'org.hearth.managed', instance: 'org.hearth.instance', role: 'org.hearth.role' } as const;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const EXEC_OUTPUT_LIMIT = 4 * 1024 * 1024;

/**
 * Runs each instance as one labelled container through the Docker Engine API (Docker, or
 * Podman's compatible service). The instance directory is bind-mounted at its own path, so the
 * configuration a driver renders names the same paths inside the container and on the host, and
 * Hearth reaches unix sockets (Prosody's admin shell) and databases (snapshots) directly.
 *
 * Networking is the host's (no bridge, no NAT): the server binds the address its configuration
 * names, which is the instance's bind address. It runs as the instance's own uid with no
 * capabilities, no new privileges and a read-only root filesystem. A container is created anew
 * at every start (the image or configuration may have changed: an upgrade is a new image), and
 * kept after a stop so its logs can still be read.
 */
export class ContainerRuntime implements Runtime {
  readonly kind = 'container';

  constructor(private readonly options: ContainerRuntimeOptions) {}

  private get engine(): Docker {
    return this.options.engine;
  }

  async start(spec: RunSpec): Promise<RuntimeStatus> {
    const current = await this.status(spec);
    if (current.state === 'running') return current;
    const image = spec.process.image;
    if (!image) throw new RuntimeError('runtime/start_failed', `The container runtime needs an image to run ${spec.process.command}`);
    await this.options.files.writeFiles(spec, []);
    await this.remove(containerName(spec));
    const container = await this.create(spec, containerName(spec), image, { role: 'server', network: 'host', command: spec.process.command, args: spec.process.args, env: spec.process.env, cwd: spec.process.cwd });
    try {
      await container.start();
    } catch (error) {
      throw new RuntimeError('runtime/start_failed', `The engine could not start ${spec.process.command} from ${image}: ${engineMessage(error)}`);
    }
    // A server that dies at once (broken image, bad config) must fail start(), not a later health check.
    await sleep(this.options.startSettleMs ?? 500);
    const info = await container.inspect();
    if (!info.State.Running || info.RestartCount > 0) {
      const tail = (await this.readLogTail(spec, 15)).join('\n');
      await container.stop({ t: 0 }).catch(() => undefined);
      throw new RuntimeError('runtime/start_failed', `${spec.process.command} in ${image} exited at once (exit code ${info.State.ExitCode}). Last output:\n${tail}`);
    }
    return { state: 'running', pid: info.State.Pid, startedAt: new Date(info.State.StartedAt) };
  }

  async status(target: RuntimeTarget): Promise<RuntimeStatus> {
    const info = await this.inspect(containerName(target));
    if (!info?.State.Running) return { state: 'stopped' };
    return { state: 'running', pid: info.State.Pid, startedAt: new Date(info.State.StartedAt) };
  }

  async stop(target: RuntimeTarget, options: StopOptions = {}): Promise<StopResult> {
    const name = containerName(target);
    const info = await this.inspect(name);
    if (!info?.State.Running) return { wasRunning: false, forced: false };
    const seconds = Math.max(1, Math.ceil((options.timeoutMs ?? this.options.stopTimeoutMs ?? 15_000) / 1000));
    await this.engine
      .getContainer(name)
      .stop({ t: seconds })
      .catch((error: unknown) => {
        // 304: it stopped on its own meanwhile.
        if (statusOf(error) !== 304) throw new RuntimeError('runtime/exec_failed', `The engine could not stop ${name}: ${engineMessage(error)}`);
      });
    const after = await this.inspect(name);
    // 137 = 128 + SIGKILL: the engine had to kill it after the timeout.
    return { wasRunning: true, forced: after?.State.ExitCode === 137 };
  }

  writeFiles(target: RuntimeTarget, files: readonly FileEntry[]): Promise<void> {
    return this.options.files.writeFiles(target, files);
  }

  async readLogTail(target: RuntimeTarget, lines: number): Promise<string[]> {
    if (lines <= 0 || !(await this.inspect(containerName(target)))) return [];
    const raw = (await this.engine.getContainer(containerName(target)).logs({ stdout: true, stderr: true, follow: false, tail: lines })) as unknown as Buffer;
    const { stdout, stderr } = demuxLogs(raw);
    // Both streams interleaved as the server wrote them are not recoverable from the frames' order alone; stdout first, then stderr.
    return [...splitLines(stdout), ...splitLines(stderr)].slice(-lines);
  }

  /**
   * In the running container; in a one-off container of the instance's image (or options.image)
   * when it is stopped or another version is asked for. Secrets go in options.env: the engine
   * API has no half-closable stdin on every engine, so options.stdin is refused.
   */
  async exec(target: RuntimeTarget, command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (options.stdin !== undefined) throw new RuntimeError('runtime/exec_failed', 'The container runtime passes secrets in the environment, not on stdin');
    const timeoutMs = options.timeoutMs ?? this.options.execTimeoutMs ?? 60_000;
    const info = await this.inspect(containerName(target));
    if (info?.State.Running && (!options.image || options.image === info.Config.Image)) return this.execIn(target, info.Id, command, args, options, timeoutMs);
    const image = options.image ?? info?.Config.Image;
    if (!image) throw new RuntimeError('runtime/exec_failed', `${target.id} has no container yet: start it once, or name an image`);
    return this.runOnce(target, image, command, args, options, timeoutMs);
  }

  async destroy(target: RuntimeTarget): Promise<void> {
    await this.stop(target, { timeoutMs: 5_000 });
    await this.remove(containerName(target));
    await this.options.files.destroy(target);
  }

  private async execIn(target: RuntimeTarget, id: string, command: string, args: readonly string[], options: ExecOptions, timeoutMs: number): Promise<ExecResult> {
    const user = await this.user(target);
    const exec = await this.engine.getContainer(id).exec({
      Cmd: [command, ...args],
      Env: this.environment(target, options.env ?? {}),
      User: user,
      WorkingDir: this.cwd(target, options.cwd),
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const [stdoutSink, stderrSink] = [new PassThrough(), new PassThrough()];
    const stdout = collect(stdoutSink);
    const stderr = collect(stderrSink);
    this.engine.modem.demuxStream(stream, stdoutSink, stderrSink);
    const finished = new Promise<void>((resolveEnd, rejectEnd) => {
      stream.once('end', resolveEnd);
      stream.once('close', resolveEnd);
      stream.once('error', rejectEnd);
    });
    if ((await within(finished, timeoutMs)) === TIMED_OUT) {
      stream.destroy();
      throw new RuntimeError('runtime/exec_timeout', `${command} did not finish within ${timeoutMs} ms`);
    }
    // The exit code is recorded a moment after the stream ends.
    for (let attempt = 0; ; attempt++) {
      const result = await exec.inspect();
      if (!result.Running || attempt >= 50) return { code: result.ExitCode ?? null, stdout: stdout.text(), stderr: stderr.text() };
      await sleep(20);
    }
  }

  private async runOnce(target: RuntimeTarget, image: string, command: string, args: readonly string[], options: ExecOptions, timeoutMs: number): Promise<ExecResult> {
    const name = `${containerName(target)}-exec-${Date.now().toString(36)}`;
    // No network: a command run beside a stopped server (a config check, a certificate) needs none.
    const container = await this.create(target, name, image, { role: 'exec', network: 'none', command, args, env: options.env ?? {}, cwd: options.cwd });
    try {
      await container.start().catch((error: unknown) => {
        throw new RuntimeError('runtime/exec_failed', `Could not run ${command} in ${image}: ${engineMessage(error)}`);
      });
      const waited = await within(container.wait().then((result: { StatusCode: number }) => result.StatusCode), timeoutMs);
      if (waited === TIMED_OUT) throw new RuntimeError('runtime/exec_timeout', `${command} did not finish within ${timeoutMs} ms`);
      const { stdout, stderr } = demuxLogs((await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
      return { code: waited, stdout: stdout.slice(0, EXEC_OUTPUT_LIMIT), stderr: stderr.slice(0, EXEC_OUTPUT_LIMIT) };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  private async create(
    target: RuntimeTarget,
    name: string,
    image: string,
    run: { role: 'server' | 'exec'; network: 'host' | 'none'; command: string; args: readonly string[]; env: Readonly<Record<string, string>>; cwd?: string },
  ): Promise<Docker.Container> {
    try {
      return await this.engine.createContainer({
        name,
        Image: image,
        Entrypoint: [run.command],
        Cmd: [...run.args],
        Env: this.environment(target, run.env),
        User: await this.user(target),
        WorkingDir: this.cwd(target, run.cwd),
        Labels: { [CONTAINER_LABELS.managed]: 'true', [CONTAINER_LABELS.instance]: target.id, [CONTAINER_LABELS.role]: run.role },
        HostConfig: {
          NetworkMode: run.network,
          Binds: [`${target.dir}:${target.dir}:rw`],
          // The health check restarts a crashed server with backoff and counts crash loops; the
          // engine only covers the time Hearth itself is down.
          RestartPolicy: run.role === 'server' ? { Name: 'on-failure', MaximumRetryCount: 3 } : { Name: 'no' },
          ReadonlyRootfs: true,
          Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
        },
      });
    } catch (error) {
      const reason = statusOf(error) === 404 ? `the engine has no image ${image}` : engineMessage(error);
      throw new RuntimeError(run.role === 'server' ? 'runtime/start_failed' : 'runtime/exec_failed', `Could not create a container for ${target.id}: ${reason}`);
    }
  }

  /** The instance's own uid and gid (as the process runtime would run it). */
  private async user(target: RuntimeTarget): Promise<string> {
    const runAs = await this.options.files.runAs(target);
    return `${runAs.uid}:${runAs.gid}`;
  }

  private environment(target: RuntimeTarget, extra: Readonly<Record<string, string>>): string[] {
    // Never Hearth's own environment: it holds the database URL and the master key.
    const env = { PATH: DEFAULT_PATH, HOME: `${target.dir}/${RUNTIME_LAYOUT.homeDir}`, LANG: 'C.UTF-8', ...extra };
    return Object.entries(env).map(([key, value]) => `${key}=${value}`);
  }

  private cwd(target: RuntimeTarget, cwd: string | undefined): string {
    if (cwd && (cwd.startsWith('/') || cwd.split('/').includes('..'))) throw new RuntimeError('runtime/invalid_path', `${cwd} is not a path inside the instance directory`);
    return cwd ? `${target.dir}/${cwd}` : target.dir;
  }

  private async inspect(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.engine.getContainer(name).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw new RuntimeError('runtime/exec_failed', `The container engine did not answer: ${engineMessage(error)}`);
    }
  }

  private async remove(name: string): Promise<void> {
    await this.engine
      .getContainer(name)
      .remove({ force: true })
      .catch((error: unknown) => {
        if (statusOf(error) !== 404) throw new RuntimeError('runtime/start_failed', `Could not remove the old container ${name}: ${engineMessage(error)}`);
      });
  }
}

/** One name per instance, so a second Hearth process finds the same container. */
export function containerName(target: RuntimeTarget): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(target.id)) throw new RuntimeError('runtime/invalid_path', `Invalid instance id ${JSON.stringify(target.id)}`);
  return `hearth-${target.id}`;
}

const TIMED_OUT = Symbol('timed out');

/** The work's result, or TIMED_OUT; the timer ends with the work, so it keeps no process alive. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  const abort = new AbortController();
  try {
    return await Promise.race([work, sleep(ms, TIMED_OUT, { signal: abort.signal })]);
  } finally {
    abort.abort();
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** The engine's own message, without dockerode's request dump. */
function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  return json?.message ?? (error as Error).message;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
