import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The compiled entry points, beside the compiled tests (dist-test/src/...). */
export const CLI = join(__dirname, '../../src/cli/main.js');
export const SERVER = join(__dirname, '../../src/main.js');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Hearth entry point to completion, with `stdin` piped in (how secrets reach the CLI). */
export function runNode(script: string, args: string[], env: Record<string, string>, stdin?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
