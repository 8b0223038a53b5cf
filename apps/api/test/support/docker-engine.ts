import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectEngine } from '../../src/runtimes/container/engine';
import { mountPointsUnder } from '../../src/runtimes/rootfs/debian-rootfs';
import type { TestEngine } from './podman-service';

const execFileAsync = promisify(execFile);

/**
 * Docker's own daemon (Debian's docker.io, Engine API 1.41) for the container runtime's tests,
 * beside Podman's compatible service: the same requests must work with both. A daemon of this
 * test process's own: its data in a temporary directory (images are imported again each run,
 * ~2 s each), no iptables, no bridge (Hearth uses the host's network), cgroupfs, and open-file
 * limits within the sandbox's hard limit.
 */
export const dockerSkipReason: string | false =
  process.getuid?.() !== 0 ? "needs root (Docker's daemon)" : !existsSync('/usr/sbin/dockerd') ? 'needs dockerd (apt-get install docker.io)' : false;

export async function startDockerEngine(): Promise<TestEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const args = [
    `--data-root=${join(dir, 'data')}`,
    `--exec-root=${join(dir, 'exec')}`,
    `--pidfile=${join(dir, 'docker.pid')}`,
    `--host=unix://${socketPath}`,
    `--containerd-namespace=hearth-test-${process.pid}`,
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--exec-opt=native.cgroupdriver=cgroupfs',
    '--storage-driver=overlay2',
    '--default-ulimit=nofile=20000:20000',
  ];
  const child: ChildProcess = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const engine = connectEngine(socketPath);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}): ${stderr}`);
    if (existsSync(socketPath) && (await engine.ping().then(() => true, () => false))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`dockerd did not answer on ${socketPath} within 60 s: ${stderr}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    engine,
    socketPath,
    async stop() {
      // Its containers first: dockerd leaves running ones to containerd when it stops.
      for (const container of await engine.listContainers({ all: true }).catch(() => [])) {
        await engine.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
      }
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      // dockerd leaves its network namespace's bind mount (exec/netns/default) behind.
      for (const point of (await mountPointsUnder(dir)).reverse()) await execFileAsync('umount', ['-l', point]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
