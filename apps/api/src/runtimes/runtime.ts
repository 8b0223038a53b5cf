/**
 * A runtime knows one way to run a program (native process, container). Drivers get a
 * runtime handle and never care which one it is. Plain types: no Nest, no database.
 *
 * Every method is idempotent: start on a running instance returns its status, stop on a
 * stopped one only sweeps leftovers, writeFiles rewrites. Secrets never travel in argv:
 * give them to exec through stdin or env.
 */

/** What a runtime needs to find an instance: its id and its directory on this host. */
export interface RuntimeTarget {
  readonly id: string;
  /** Absolute path of the instance's directory; the runtime owns its layout (see RUNTIME_LAYOUT). */
  readonly dir: string;
  /**
   * The instance's own numeric user id, also its group id, for runtimes that switch users (the
   * process runtime when Hearth runs as root); it needs no passwd entry. Without it the runtime's
   * configured user is used.
   */
  readonly uid?: number;
}

/** The program an instance runs, as a driver renders it. */
export interface ProcessSpec {
  /** Absolute path or a name looked up in the runtime's PATH. */
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the runtime's minimal environment (PATH, HOME, LANG); Hearth's own environment is never passed on. */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory relative to the instance directory; default: the instance directory. */
  readonly cwd?: string;
  /**
   * A root filesystem to run the program in (absolute path, e.g. a Debian tree from the version
   * store) instead of the host's. The instance directory then appears inside it at
   * RUNTIME_LAYOUT.rootfsInstanceDir, and command, args and paths in config files refer to that view.
   */
  readonly rootfs?: string;
  /**
   * The container image to run it from (container runtime only). The instance directory is
   * bind-mounted at its own path, so command, args and config files name the same paths as on
   * the host.
   */
  readonly image?: string;
}

export interface RunSpec extends RuntimeTarget {
  readonly process: ProcessSpec;
}

/**
 * A file or directory to create inside the instance directory; paths are relative and may not
 * leave it. Mode defaults: 0600 for files, 0700 for directories.
 */
export type FileEntry = { readonly path: string; readonly mode?: number } & (
  /** ifMissing: written once, then left to the operator (a starter config they may edit). */
  | { readonly content: string | Uint8Array; readonly ifMissing?: boolean }
  | { readonly directory: true }
);

export type RuntimeState = 'running' | 'stopped';

export interface RuntimeStatus {
  readonly state: RuntimeState;
  readonly pid?: number;
  readonly startedAt?: Date;
}

export interface StopOptions {
  /** How long to wait after SIGTERM before SIGKILL. */
  readonly timeoutMs?: number;
}

export interface StopResult {
  readonly wasRunning: boolean;
  /** True when the server ignored SIGTERM for timeoutMs and was killed. */
  readonly forced: boolean;
}

export interface ExecOptions {
  /** Written to the command's stdin, then closed: the way to hand it a secret. */
  readonly stdin?: string | Uint8Array;
  /** Extra environment; also fine for secrets (unlike argv, other users can't read it). */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Relative to the instance directory. */
  readonly cwd?: string;
  /**
   * Container runtime only: run in a one-off container of this image (a version the instance does
   * not run yet, e.g. an upgrade's config check) rather than in the instance's container.
   */
  readonly image?: string;
}

export interface ExecResult {
  /** Exit code, or null when a signal ended the command. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Runtime {
  readonly kind: 'process' | 'container' | 'external';

  /** Starts the program unless this instance already runs; returns its status either way. */
  start(spec: RunSpec): Promise<RuntimeStatus>;

  /** SIGTERM to the process group, wait up to timeoutMs, then SIGKILL; also ends leftovers (orphaned children). */
  stop(target: RuntimeTarget, options?: StopOptions): Promise<StopResult>;

  /** Finds the instance's process again from what start() recorded, even from another Hearth process. */
  status(target: RuntimeTarget): Promise<RuntimeStatus>;

  /** Writes files atomically (temporary file, then rename), owned by the instance's user. */
  writeFiles(target: RuntimeTarget, files: readonly FileEntry[]): Promise<void>;

  /** The last lines of the program's stdout and stderr. */
  readLogTail(target: RuntimeTarget, lines: number): Promise<string[]>;

  /** Runs a command as the instance's user, in its directory, with the runtime's minimal environment. */
  exec(target: RuntimeTarget, command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;

  /** Stops the instance if needed and deletes its directory. The caller has asked for confirmation. */
  destroy(target: RuntimeTarget): Promise<void>;
}

/**
 * Paths inside an instance directory that belong to the runtime. Drivers put their files
 * elsewhere (conf/, data/, run/, logs/, certs/...).
 */
export const RUNTIME_LAYOUT = {
  /** Written by Hearth only; when Hearth runs as root the instance's user can't write here. */
  hearthDir: 'hearth',
  pidFile: 'hearth/process.json',
  consoleLog: 'hearth/console.log',
  /** HOME of the instance's user. */
  homeDir: 'home',
  /** Where the instance directory appears to a program run in a root filesystem (ProcessSpec.rootfs). */
  rootfsInstanceDir: '/instance',
} as const;

export type RuntimeErrorCode =
  | 'runtime/invalid_path'
  | 'runtime/dir_not_accessible'
  | 'runtime/user_unknown'
  | 'runtime/start_failed'
  | 'runtime/exec_failed'
  | 'runtime/exec_timeout'
  | 'runtime/ports_exhausted'
  | 'runtime/not_managed';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}
