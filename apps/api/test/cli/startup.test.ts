import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { useTestContext } from '../support/context';
import { SERVER, runNode } from './run-node';

const context = useTestContext();

/** Starts the real server entry point and waits for its "running at" line. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stdout: () => string }> {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH ?? '', ...env } });
  context.onCleanup(() => child.exitCode === null && child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "running at" line in 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /is running at (http:\/\/[\d.:]+)\//.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  return { child, url, stdout: () => stdout };
}

async function login(url: string, email: string, password: string): Promise<number> {
  const response = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return response.status;
}

describe('starting Hearth (npm start)', () => {
  test('with PostgreSQL and Redis unreachable it exits 1 and says what to do', async () => {
    const result = await runNode(SERVER, [], context.env({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/hearth', REDIS_URL: 'redis://127.0.0.1:2' }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PostgreSQL is not reachable at postgresql:\/\/postgres@127\.0\.0\.1:1\/hearth/);
    assert.match(result.stderr, /pg_ctlcluster --skip-systemctl-redirect/);
    assert.match(result.stderr, /Redis is not reachable at redis:\/\/127\.0\.0\.1:2/);
    assert.match(result.stderr, /redis-server --daemonize yes/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace, just the instructions');
  });

  test('invalid settings are listed together', async () => {
    const result = await runNode(SERVER, [], context.env({ HEARTH_PORT: 'eighty', HEARTH_ADMIN_EMAIL: 'owner@example.org', HEARTH_ADMIN_PASSWORD: 'short' }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /HEARTH_PORT/);
    assert.match(result.stderr, /HEARTH_ADMIN_PASSWORD must be at least 12 characters/);
  });

  test('the first start migrates, creates the owner with a password printed once, and stops gracefully', async () => {
    const env = context.env({ HEARTH_PORT: '0', HEARTH_WORKER: 'embedded' });
    const first = await startServer(env);
    const password = /password: (\S+)/.exec(first.stdout())?.[1];
    assert.ok(password, 'a generated password is printed');
    assert.match(first.stdout(), /email: {4}admin@hearth\.local/);
    assert.equal(await login(first.url, 'admin@hearth.local', password), 200);
    const health = (await (await fetch(`${first.url}/api/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
    first.child.kill('SIGTERM');
    // Nest closes the app (HTTP server, worker, connections), then re-raises the signal.
    const [code, signal] = await once(first.child, 'exit');
    assert.ok(code === 0 || signal === 'SIGTERM', `SIGTERM shuts down cleanly (code ${code}, signal ${signal})`);
    await assert.rejects(fetch(`${first.url}/api/health`), 'the port is closed');

    const second = await startServer(env);
    assert.doesNotMatch(second.stdout(), /password:/, 'the password is printed only on the very first start');
    assert.equal(await login(second.url, 'admin@hearth.local', password), 200);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  });
});
