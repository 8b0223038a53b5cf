import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { connectEngine } from '../../src/runtimes/container/engine';

/**
 * Podman's Docker-compatible API service for the container runtime's tests: the real engine
 * Hearth drives with dockerode. Its image storage lives beside the shared test version store, so
 * the images the tests build are kept between runs; each test process gets its own socket.
 *
 * Its settings are deploy/podman/containers.conf, the file operators are given.
 */
export const podmanSkipReason: string | false =
  process.getuid?.() !== 0 ? 'needs root (rootful Podman)' : !existsSync('/usr/bin/podman') ? 'needs podman (apt-get install podman runc)' : false;

/** A container engine a test started: its API client, its socket, and how to stop it. */
export interface TestEngine {
  readonly engine: Docker;
  readonly socketPath: string;
  stop(): Promise<void>;
}

const STORAGE_ROOT = process.env.HEARTH_TEST_PODMAN_STORE ?? '/var/cache/hearth-test/podman';
// The settings operators are given (docs/instances.md): the tests run what they document.
const CONTAINERS_CONF = join(__dirname, '../../../../../deploy/podman/containers.conf');

export async function startPodmanService(): Promise<TestEngine> {
  const graphroot = join(STORAGE_ROOT, 'storage');
  // runroot must stay the same for a given graphroot (Podman records both in its database).
  const runroot = join(STORAGE_ROOT, 'run');
  await mkdir(graphroot, { recursive: true });
  await mkdir(runroot, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'hearth-podman-'));
  const storageConf = join(dir, 'storage.conf');
  await writeFile(storageConf, ['[storage]', 'driver = "overlay"', `runroot = "${runroot}"`, `graphroot = "${graphroot}"`, ''].join('\n'));
  const socketPath = join(dir, 'podman.sock');
  // TMPDIR: Podman 4's compatible image import leaves the whole upload in $TMPDIR (api_load.tar*), one per import.
  await mkdir(join(dir, 'tmp'));
  const env = { ...process.env, CONTAINERS_CONF, CONTAINERS_STORAGE_CONF: storageConf, TMPDIR: join(dir, 'tmp') };
  const child: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socketPath}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const engine = connectEngine(socketPath);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`podman system service exited (${child.exitCode}): ${stderr}`);
    if (existsSync(socketPath) && (await engine.ping().then(() => true, () => false))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`podman system service did not answer on ${socketPath} within 30 s: ${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    engine,
    socketPath,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

