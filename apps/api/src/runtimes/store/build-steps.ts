import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BuildLocks } from './store-lock';

const OUTPUT_TAIL_LINES = 30;

export interface BuildStepsOptions {
  /** The commands' whole environment: nothing of Hearth's own leaks into a build. */
  readonly env: NodeJS.ProcessEnv;
  /** Limit for a single command; it is killed with SIGKILL when it runs longer. */
  readonly timeoutMs: number;
  /** The arguments a failed command is named by in the error message (the first few, or the telling ones). */
  readonly shownArgs: (args: readonly string[]) => readonly string[];
}

/** Runs a build's commands, each with the build's locks inherited and the tail of its output kept for the error. */
export class BuildSteps {
  constructor(private readonly options: BuildStepsOptions) {}

  /** Runs argv; without locks, the command holds none (a read-only query outside a build). */
  run(argv: readonly string[], locks?: BuildLocks, onLine?: (line: string) => void): Promise<void> {
    return this.spawnStep(argv, locks, onLine, false);
  }

  /** Runs argv and returns its stdout (whose lines then stay out of the error message's tail: the caller has them). */
  async capture(argv: readonly string[], locks?: BuildLocks): Promise<string> {
    const lines: string[] = [];
    await this.spawnStep(argv, locks, (line) => lines.push(line), true);
    return lines.join('\n') + '\n';
  }

  /**
   * Runs argv with the lock descriptors inherited (entry as fd 9, cache as fd 8), feeding stdout
   * lines and those written to fd 4 (where apt's status lines go) to onLine, and keeping the last
   * lines of output for the error message.
   */
  private spawnStep(argv: readonly string[], locks: BuildLocks | undefined, onLine: ((line: string) => void) | undefined, stdoutOnly: boolean): Promise<void> {
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
          env: this.options.env,
          // fds 8 and 9, out of the way of debconf (fd 3) and other low descriptors package scripts use.
          stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe', 'ignore', 'ignore', 'ignore', locks?.cache.fd ?? 'ignore', locks?.entry.fd ?? 'ignore'],
          timeout: this.options.timeoutMs,
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
          rejectRun(new Error(`${command} ${this.options.shownArgs(args).join(' ')} ended with ${what}:\n${tail.join('\n')}`));
        }
      });
    });
  }
}
