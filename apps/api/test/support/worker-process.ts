import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const WORKER = join(__dirname, '../../src/main.worker.js');

/**
 * Hearth's worker as a process of its own, for tests that kill it in the middle of a job and
 * start another. `env` is read at each start; stderr is printed only if it exits with an error.
 */
export function workerProcess(env: () => Record<string, string>) {
  let worker: ChildProcess | undefined;
  return {
    start(): void {
      const child = spawn(process.execPath, [WORKER], { env: { PATH: process.env.PATH ?? '', ...env() }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      child.on('exit', (code, signal) => {
        if (code && signal !== 'SIGKILL') console.error(`worker exited with ${code}: ${stderr}`);
      });
      worker = child;
    },
    async stop(signal: NodeJS.Signals): Promise<void> {
      const child = worker;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill(signal);
      await exited;
    },
  };
}
