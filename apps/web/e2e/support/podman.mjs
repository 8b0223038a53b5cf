// Podman's Docker-compatible API service for the browser tests of the container runtime: the real
// engine Hearth drives. The same settings (deploy/podman/containers.conf) and storage as the API's
// tests (apps/api/test/support/podman-service.ts), so the images either builds are kept between
// runs and reused by the other; each test process gets its own socket.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout } from 'node:timers/promises';

/** Why the container tests can't run here, or false when they can. */
export const podmanSkipReason =
  process.getuid?.() !== 0
    ? 'needs root (rootful Podman)'
    : !existsSync('/usr/bin/podman')
      ? 'needs podman (apt-get install podman runc)'
      : false;

const STORAGE_ROOT = process.env.HEARTH_TEST_PODMAN_STORE ?? '/var/cache/hearth-test/podman';
// The settings operators are given (docs/instances.md): the tests run what they document.
const CONTAINERS_CONF = fileURLToPath(new URL('../../../../deploy/podman/containers.conf', import.meta.url));
const ENGINE_API = '/v1.41';
const START_TIMEOUT_MS = 30_000;

/**
 * Starts `podman system service` on a socket of its own; answers its path, a request helper for
 * the Engine API (GET, parsed JSON) and stop().
 */
export async function startPodmanService() {
  const graphroot = join(STORAGE_ROOT, 'storage');
  // runroot must stay the same for a given graphroot (Podman records both in its database).
  const runroot = join(STORAGE_ROOT, 'run');
  await mkdir(graphroot, { recursive: true });
  await mkdir(runroot, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'hearth-e2e-podman-'));
  const storageConf = join(dir, 'storage.conf');
  await writeFile(storageConf, ['[storage]', 'driver = "overlay"', `runroot = "${runroot}"`, `graphroot = "${graphroot}"`, ''].join('\n'));
  const socketPath = join(dir, 'podman.sock');
  // TMPDIR: Podman 4's compatible image import leaves the whole upload in $TMPDIR (api_load.tar*), one per import.
  await mkdir(join(dir, 'tmp'));
  const env = { ...process.env, CONTAINERS_CONF, CONTAINERS_STORAGE_CONF: storageConf, TMPDIR: join(dir, 'tmp') };
  const child = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const engine = (path) => engineGet(socketPath, path);

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`podman system service exited (${child.exitCode}): ${stderr}`);
    if (existsSync(socketPath) && (await engine('/_ping').then(() => true, () => false))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`podman system service did not answer on ${socketPath} within ${START_TIMEOUT_MS / 1000} s: ${stderr}`);
    }
    await setTimeout(100);
  }

  return {
    socketPath,
    engine,
    /** Containers (running or not) that carry every label given, e.g. {'org.hearth.instance': id}. */
    containersLabelled: (labels) =>
      engine(`/containers/json?all=true&filters=${encodeURIComponent(JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }))}`),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, setTimeout(5_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** GET on the Engine API over its unix socket: the parsed JSON body (or the text, e.g. "OK" for /_ping); rejects unless 2xx. */
function engineGet(socketPath, path) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: path === '/_ping' ? path : `${ENGINE_API}${path}`, method: 'GET', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode < 200 || res.statusCode >= 300) return reject(new Error(`GET ${path}: ${res.statusCode} ${body}`));
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(body);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
