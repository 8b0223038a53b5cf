import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SYNAPSE_ROOTFS } from '../../src/drivers/synapse/synapse-rootfs';
import { DebianRootfs, type RootfsProgress, type RootfsResult, type RootfsSpec, mountPointsUnder } from '../../src/runtimes/rootfs/debian-rootfs';
import { ensureSynapseRootfs, rootfsSkipReason as skip, testVersionStore } from '../support/synapse-rootfs';

// The real thing: debootstrap of Debian sid from deb.debian.org and apt-get inside the chroot.
// Needs root and debootstrap (scripts/test-packages.txt). Synapse's tree comes from the shared
// test store (built once, ~90 s); the other builds here are small ones in fresh stores.

const dirs: string[] = [];
function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-rootfs-test-'));
  dirs.push(dir);
  return dir;
}

after(async () => {
  for (const dir of dirs) {
    assert.deepEqual(await mountPointsUnder(dir), [], `nothing left mounted under ${dir}`);
    await rm(dir, { recursive: true, force: true });
  }
});

// The builds below share one download cache of their own: the first is cold (and timed as such),
// the later ones find every package there. A subdirectory, so its lock file (beside it) goes too.
const cache = join(newDir(), 'debs');
function small(store: string): DebianRootfs {
  return new DebianRootfs({ store, cacheDir: cache });
}

const BARE: RootfsSpec = { name: 'bare', suite: 'sid', packages: [] };
// Small, but with a dependency (openssl) and a trigger that takes a moment: enough for
// apt-get install to be caught running, and the trigger once broke builds (progress on stdout).
const SMALL: RootfsSpec = { name: 'small', suite: 'sid', packages: ['ca-certificates'] };

function debsIn(dir: string): string[] {
  return readdirSync(dir).filter((file) => file.endsWith('.deb')).sort();
}

/** Name, size, inode and mtime of every cached .deb: any download, new or repeated, changes it. */
function cacheState(): string[] {
  return debsIn(cache).map((file) => {
    const { size, ino, mtimeMs } = statSync(join(cache, file));
    return `${file} ${size} ${ino} ${mtimeMs}`;
  });
}

interface Timed {
  readonly result: RootfsResult;
  readonly ms: number;
}

async function timed(build: () => Promise<RootfsResult>): Promise<Timed> {
  const started = Date.now();
  const result = await build();
  return { result, ms: Date.now() - started };
}

let coldBuild: Promise<Timed> | undefined;
/** The first build of SMALL, with the cache still empty; it fills the cache for the tests after it, whichever runs first. */
function fillCache(): Promise<Timed> {
  coldBuild ??= timed(() => small(newDir()).ensure(SMALL));
  return coldBuild;
}

test('rejects a bad spec before touching anything', () => {
  const rootfs = new DebianRootfs({ store: '/nonexistent' });
  assert.throws(() => rootfs.entryDir({ name: '../x', suite: 'sid', packages: [] }), { code: 'rootfs/invalid_spec' });
  assert.throws(() => rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['-oDebug=1'] }), { code: 'rootfs/invalid_spec' });
  // The package order does not change the entry.
  assert.equal(rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['a1', 'b2'] }), rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['b2', 'a1'] }));
  assert.equal(rootfs.cacheDir, '/nonexistent/.cache/debs');
});

test('a rebuild with a warm download cache downloads nothing', { skip, timeout: 10 * 60_000 }, async () => {
  const cold = await fillCache();
  // Both downloaders filled the shared cache, and the tree kept no copy of its own.
  assert.ok(debsIn(cache).some((f) => f.startsWith('dpkg_')), 'debootstrap downloaded into the cache');
  assert.ok(debsIn(cache).some((f) => f.startsWith('ca-certificates_')), 'apt-get install downloaded into the cache');
  assert.deepEqual(debsIn(join(cold.result.rootfs, 'var/cache/apt/archives')), [], 'apt-get clean emptied the tree');

  const before = cacheState();
  const warm = await timed(() => small(newDir()).ensure(SMALL));
  console.log(`sid + ca-certificates: cold cache ${cold.ms} ms, warm cache ${warm.ms} ms (${before.length} cached .deb files)`);
  assert.equal(warm.result.built, true);
  assert.deepEqual(cacheState(), before, 'no package was downloaded again, none added');
  assert.equal(warm.result.manifest.installed['ca-certificates'], cold.result.manifest.installed['ca-certificates']);
  assert.deepEqual(debsIn(join(warm.result.rootfs, 'var/cache/apt/archives')), []);
});

test('two concurrent builders build once, and neither uses the remains of earlier builds', { skip, timeout: 10 * 60_000 }, async () => {
  const store = newDir();
  const dir = small(store).entryDir(BARE);
  await mkdir(join(`${dir}.tmp-deadbeef0000`, 'rootfs'), { recursive: true });
  writeFileSync(join(`${dir}.tmp-deadbeef0000`, 'manifest.json'), '{}'); // killed between manifest and rename
  await mkdir(join(dir, 'rootfs'), { recursive: true }); // as if someone copied a tree without its marker
  assert.equal(await small(store).find(BARE), undefined);
  assert.deepEqual(await small(store).list(), []);

  // Two instances: the in-process sharing does not apply, so only the flock keeps them apart.
  const started = Date.now();
  const [a, b] = await Promise.all([small(store).ensure(BARE), small(store).ensure(BARE)]);
  console.log(`bare sid rootfs, two concurrent callers: ${Date.now() - started} ms`);
  assert.equal([a, b].filter((r) => r.built).length, 1, 'exactly one caller built it');
  assert.equal(a.dir, dir);
  assert.equal(a.dir, b.dir);
  assert.equal(a.manifest.builtAt, b.manifest.builtAt);
  assert.ok(a.manifest.installed['apt'], 'apt is installed in a minbase tree');
  assert.ok(existsSync(join(a.rootfs, 'usr/bin/apt-get')));
  assert.deepEqual(readdirSync(join(store, 'bare')).filter((e) => e.includes('.tmp-')), [], 'the leftover was removed');
  assert.deepEqual((await small(store).list()).map((entry) => entry.manifest), [a.manifest]);
});

/** Starts a build of SMALL in another process group and SIGKILLs all of it once apt-get install is at work. */
async function killDuringInstall(store: string): Promise<void> {
  const module = join(__dirname, '../../src/runtimes/rootfs/debian-rootfs.js');
  const script = `
    const { DebianRootfs } = require(${JSON.stringify(module)});
    new DebianRootfs({ store: ${JSON.stringify(store)}, cacheDir: ${JSON.stringify(cache)} })
      .ensure(${JSON.stringify(SMALL)}, (p) => console.log(p.phase + ' ' + p.percent + ' ' + (p.message ?? '')));
  `;
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  await new Promise<void>((resolveKill, rejectKill) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // A status line from apt itself (not the "apt-get install ..." announcement): it is running, mounts in place.
      if (/^apt-install \d+ (?!apt-get install)/m.test(output)) {
        process.kill(-child.pid!, 'SIGKILL');
        resolveKill();
      }
    });
    child.once('exit', () => rejectKill(new Error(`build exited before it could be killed:\n${output}`)));
  });
  await exited;
}

/**
 * As killed downloads leave the cache: a package missing with a garbage partial download in its
 * place, and a partial file of something no longer wanted. Returns the missing package's file name.
 */
function poisonPartialDownloads(name: string): string {
  const deb = debsIn(cache).find((f) => f.startsWith(`${name}_`));
  assert.ok(deb, `${name} is cached`);
  rmSync(join(cache, deb));
  writeFileSync(join(cache, 'partial', deb), Buffer.alloc(4096, 0x42));
  writeFileSync(join(cache, 'partial', 'stale_1.0_all.deb'), 'half a package');
  return deb;
}

test('a build killed during apt-get install leaves no mount and no entry; the next build cleans up', { skip, timeout: 10 * 60_000 }, async () => {
  await fillCache(); // the partial download below replaces a cached package
  const store = newDir();
  const rootfs = small(store);
  await killDuringInstall(store);
  const leftovers = readdirSync(join(store, 'small')).filter((e) => e.includes('.tmp-'));
  assert.equal(leftovers.length, 1, 'the killed build left its temporary directory');
  assert.equal(await rootfs.find(SMALL), undefined, 'a half-built tree does not count');
  assert.deepEqual(await mountPointsUnder(store), [], 'the chroot mounts vanished with their namespace');
  assert.deepEqual(await mountPointsUnder(cache), []);

  const refetched = poisonPartialDownloads('ca-certificates');
  const phases: RootfsProgress[] = [];
  const result = await rootfs.ensure(SMALL, (p) => phases.push(p));
  assert.equal(result.built, true);
  assert.equal(result.dir, rootfs.entryDir(SMALL));
  assert.deepEqual(readdirSync(join(store, 'small')).filter((e) => e.includes('.tmp-')), [], 'the leftover was removed');
  assert.ok(result.manifest.installed['ca-certificates'], 'the package was installed despite the garbage partial download');
  assert.ok(debsIn(cache).includes(refetched), 'and is in the cache again');
  assert.deepEqual(readdirSync(join(cache, 'partial')), [], 'no partial download outlives the next build');
  assert.deepEqual(JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8')), result.manifest);

  // Progress: known phases in order, percentages never going back, ending at 100.
  const order = phases.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1]);
  assert.deepEqual(order, ['check', 'lock', 'cleanup', 'debootstrap', 'configure', 'apt-update', 'apt-install', 'apt-clean', 'manifest', 'done']);
  assert.ok(phases.every((p, i) => i === 0 || p.percent >= phases[i - 1]!.percent));
  assert.equal(phases.at(-1)!.percent, 100);
});

test('matrix-synapse from the shared test store works', { skip, timeout: 15 * 60_000 }, async () => {
  const { result, ms } = await timed(() => ensureSynapseRootfs());
  const version = result.manifest.installed['matrix-synapse'];
  console.log(`synapse rootfs in ${testVersionStore()}: ${result.built ? 'built' : 'reused'} in ${ms} ms; matrix-synapse ${version}`);
  assert.match(version ?? '', /^\d+\.\d+/, 'the manifest lists matrix-synapse with a version');
  assert.deepEqual(JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8')), result.manifest);
  assert.deepEqual(debsIn(join(result.rootfs, 'var/cache/apt/archives')), [], 'no package files kept in the tree');

  // The installed Synapse is importable and is the version the manifest names.
  const imported = execFileSync('chroot', [result.rootfs, 'python3', '-c', 'import synapse; print(synapse.__version__)'], { encoding: 'utf8' }).trim();
  assert.ok(version!.startsWith(imported), `manifest ${version} vs synapse.__version__ ${imported}`);
  assert.equal(readFileSync(join(result.rootfs, 'usr/sbin/policy-rc.d'), 'utf8').trim().split('\n').at(-1), 'exit 101');

  // Cached: at once, same manifest, through a fresh instance.
  const again = await timed(() => new DebianRootfs({ store: testVersionStore() }).ensure(SYNAPSE_ROOTFS));
  console.log(`cached ensure(): ${again.ms} ms`);
  assert.equal(again.result.built, false);
  assert.deepEqual(again.result.manifest, result.manifest);
  assert.ok(again.ms < 1000, `cached ensure() took ${again.ms} ms`);
});
