import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DebianRootfs, type RootfsProgress, type RootfsSpec, mountPointsUnder } from '../../src/runtimes/rootfs/debian-rootfs';

// The real thing: debootstrap of Debian sid from deb.debian.org and apt-get inside the chroot.
// Needs root and debootstrap (scripts/test-packages.txt); about two minutes cold.
const canBuild = process.getuid?.() === 0 && existsSync('/usr/sbin/debootstrap');
const skip = canBuild ? false : 'needs root and debootstrap (apt-get install debootstrap)';

const stores: string[] = [];
function newStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-rootfs-test-'));
  stores.push(dir);
  return dir;
}

after(async () => {
  for (const store of stores) {
    assert.deepEqual(await mountPointsUnder(store), [], `nothing left mounted under ${store}`);
    await rm(store, { recursive: true, force: true });
  }
});

const SYNAPSE: RootfsSpec = { name: 'synapse', suite: 'sid', packages: ['matrix-synapse'] };
const BARE: RootfsSpec = { name: 'bare', suite: 'sid', packages: [] };

test('rejects a bad spec before touching anything', () => {
  const rootfs = new DebianRootfs({ store: '/nonexistent' });
  assert.throws(() => rootfs.entryDir({ name: '../x', suite: 'sid', packages: [] }), { code: 'rootfs/invalid_spec' });
  assert.throws(() => rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['-oDebug=1'] }), { code: 'rootfs/invalid_spec' });
  // The package order does not change the entry.
  assert.equal(rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['a1', 'b2'] }), rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['b2', 'a1'] }));
});

test('two concurrent builders of the same entry build it once', { skip, timeout: 10 * 60_000 }, async () => {
  const store = newStore();
  // Two instances: the in-process sharing does not apply, so only the flock keeps them apart.
  const started = Date.now();
  const [a, b] = await Promise.all([new DebianRootfs({ store }).ensure(BARE), new DebianRootfs({ store }).ensure(BARE)]);
  console.log(`bare sid rootfs, two concurrent callers: ${Date.now() - started} ms`);
  assert.equal([a, b].filter((r) => r.built).length, 1, 'exactly one caller built it');
  assert.equal(a.dir, b.dir);
  assert.equal(a.manifest.builtAt, b.manifest.builtAt);
  assert.ok(a.manifest.installed['apt'], 'apt is installed in a minbase tree');
  assert.deepEqual(readdirSync(join(store, 'bare')).filter((e) => e.includes('.tmp-')), []);
});

test('a killed build is never used, and the next build cleans it up; matrix-synapse works', { skip, timeout: 15 * 60_000 }, async () => {
  const store = newStore();
  const rootfs = new DebianRootfs({ store });
  const dir = rootfs.entryDir(SYNAPSE);

  // A separate process (its own process group) builds and is SIGKILLed, with all of its children,
  // in the middle of debootstrap.
  const module = join(__dirname, '../../src/runtimes/rootfs/debian-rootfs.js');
  const script = `
    const { DebianRootfs } = require(${JSON.stringify(module)});
    new DebianRootfs({ store: ${JSON.stringify(store)} }).ensure(${JSON.stringify(SYNAPSE)}, (p) => console.log(p.phase + ' ' + p.percent + ' ' + (p.message ?? '')));
  `;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolveKill, rejectKill) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^debootstrap \d+ (Extracting|Installing|Unpacking)/m.test(output)) {
        process.kill(-child.pid!, 'SIGKILL');
        resolveKill();
      }
    });
    child.once('exit', () => rejectKill(new Error(`build exited before it could be killed:\n${output}`)));
  });
  await new Promise((r) => child.once('exit', r));
  const leftovers = readdirSync(join(store, 'synapse')).filter((e) => e.includes('.tmp-'));
  assert.equal(leftovers.length, 1, 'the killed build left its temporary directory');
  assert.equal(await rootfs.find(SYNAPSE), undefined, 'a half-built tree does not count');
  assert.deepEqual(await mountPointsUnder(store), [], "debootstrap's mounts vanished with its namespace");

  const phases: RootfsProgress[] = [];
  const started = Date.now();
  const result = await rootfs.ensure(SYNAPSE, (p) => phases.push(p));
  const coldMs = Date.now() - started;
  console.log(`sid + matrix-synapse, cold: ${coldMs} ms; synapse ${result.manifest.installed['matrix-synapse']}`);

  assert.equal(result.built, true);
  assert.equal(result.dir, dir);
  assert.deepEqual(readdirSync(join(store, 'synapse')).filter((e) => e.includes('.tmp-')), [], 'the leftover was removed');
  const version = result.manifest.installed['matrix-synapse'];
  assert.match(version ?? '', /^\d+\.\d+/, 'the manifest lists matrix-synapse with a version');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), result.manifest);

  // Progress: known phases in order, percentages never going back, ending at 100.
  const order = phases.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1]);
  assert.deepEqual(order, ['check', 'lock', 'cleanup', 'debootstrap', 'configure', 'apt-update', 'apt-install', 'apt-clean', 'manifest', 'done']);
  assert.ok(phases.every((p, i) => i === 0 || p.percent >= phases[i - 1]!.percent));
  assert.equal(phases.at(-1)!.percent, 100);

  // The installed Synapse is importable and is the version the manifest names.
  const imported = execFileSync('chroot', [result.rootfs, 'python3', '-c', 'import synapse; print(synapse.__version__)'], { encoding: 'utf8' }).trim();
  assert.ok(version!.startsWith(imported), `manifest ${version} vs synapse.__version__ ${imported}`);
  assert.equal(readFileSync(join(result.rootfs, 'usr/sbin/policy-rc.d'), 'utf8').trim().split('\n').at(-1), 'exit 101');

  // Cached: at once, same manifest, whether through the same instance or a fresh one.
  const warmStarted = Date.now();
  const again = await new DebianRootfs({ store }).ensure(SYNAPSE);
  const warmMs = Date.now() - warmStarted;
  console.log(`cached ensure(): ${warmMs} ms`);
  assert.equal(again.built, false);
  assert.deepEqual(again.manifest, result.manifest);
  assert.ok(warmMs < 1000, `cached ensure() took ${warmMs} ms`);
});

test('a leftover temporary directory and a final directory without manifest are not used', { skip, timeout: 10 * 60_000 }, async () => {
  const store = newStore();
  const rootfs = new DebianRootfs({ store });
  const dir = rootfs.entryDir(BARE);
  await mkdir(join(`${dir}.tmp-deadbeef0000`, 'rootfs'), { recursive: true });
  await mkdir(join(dir, 'rootfs'), { recursive: true }); // as if someone copied a tree without its marker
  assert.equal(await rootfs.find(BARE), undefined);
  const result = await rootfs.ensure(BARE);
  assert.equal(result.built, true);
  assert.ok(existsSync(join(result.rootfs, 'usr/bin/apt-get')));
  assert.deepEqual(readdirSync(join(store, 'bare')).filter((e) => e.includes('.tmp-')), []);
});
