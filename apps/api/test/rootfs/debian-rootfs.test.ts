import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
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

// Each build costs half a minute of one core (debootstrap resolving and unpacking sid), of which
// downloading is a few seconds, and builds that share a download cache take turns at its lock.
// So there are three builds, the last two side by side, each with a download cache of its own:
//   1. SMALL with an empty cache, killed once dpkg runs: by then debootstrap and apt-get install
//      have downloaded everything into the cache (all that is cold about a cold build; every later
//      step is the same in every build), and it leaves a half-built tree behind;
//   2. the next build in that store, with that cache and a garbage partial download in it;
//   3. two concurrent builders of SMALL in a fresh store, with a copy of the cache as 1 left it.
// The caches are subdirectories, so their lock files (beside them) go too.
const coldCache = join(newDir(), 'debs');
const warmCache = join(newDir(), 'debs');
function small(store: string, cacheDir: string): DebianRootfs {
  return new DebianRootfs({ store, cacheDir });
}

// Small, but with a dependency (openssl) and a trigger that takes a moment: enough for
// apt-get install to be caught running, and the trigger once broke builds (progress on stdout).
const SMALL: RootfsSpec = { name: 'small', suite: 'sid', packages: ['ca-certificates'] };

function debsIn(dir: string): string[] {
  return readdirSync(dir).filter((file) => file.endsWith('.deb')).sort();
}

/** Name, size, inode and mtime of every cached .deb: any download, new or repeated, changes it. */
function cacheState(cache: string): string[] {
  return debsIn(cache).map((file) => {
    const { size, ino, mtimeMs } = statSync(join(cache, file));
    return `${file} ${size} ${ino} ${mtimeMs}`;
  });
}

async function timed<T>(build: () => Promise<T>): Promise<{ readonly result: T; readonly ms: number }> {
  const started = Date.now();
  const result = await build();
  return { result, ms: Date.now() - started };
}

/** Runs once, for whichever test asks first. Its rejection is handled here as well, so a failure before a test awaits it does not escape as an unhandled rejection. */
function once<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    if (!running) {
      running = run();
      running.catch(() => undefined);
    }
    return running;
  };
}

test('rejects a bad spec before touching anything', () => {
  const rootfs = new DebianRootfs({ store: '/nonexistent' });
  assert.throws(() => rootfs.entryDir({ name: '../x', suite: 'sid', packages: [] }), { code: 'rootfs/invalid_spec' });
  assert.throws(() => rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['-oDebug=1'] }), { code: 'rootfs/invalid_spec' });
  // The package order does not change the entry.
  assert.equal(rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['a1', 'b2'] }), rootfs.entryDir({ name: 'x', suite: 'sid', packages: ['b2', 'a1'] }));
  assert.equal(rootfs.cacheDir, '/nonexistent/.cache/debs');
});

test('extra suites make another entry, and leave the hash of a spec without them as it was', () => {
  const rootfs = new DebianRootfs({ store: '/nonexistent' });
  // Synapse's tree is cached in stores under this name: a new hash would make every store build it again.
  assert.equal(rootfs.entryDir(SYNAPSE_ROOTFS), '/nonexistent/synapse/sid-e085ca78d4c9');
  assert.equal(rootfs.entryDir({ ...SYNAPSE_ROOTFS, extraSuites: [] }), rootfs.entryDir(SYNAPSE_ROOTFS));
  const backports: RootfsSpec = { name: 'x', suite: 'bookworm', packages: ['prosody/bookworm-backports'], extraSuites: ['bookworm-backports', 'bookworm-updates'] };
  assert.notEqual(rootfs.entryDir(backports), rootfs.entryDir({ ...backports, extraSuites: [] }));
  assert.equal(rootfs.entryDir(backports), rootfs.entryDir({ ...backports, extraSuites: ['bookworm-updates', 'bookworm-backports'] }));
  assert.throws(() => rootfs.entryDir({ ...backports, extraSuites: ['bookworm main'] }), { code: 'rootfs/invalid_spec' });
  assert.throws(() => rootfs.entryDir({ ...backports, extraSuites: ['../x'] }), { code: 'rootfs/invalid_spec' });
});

/** Starts a build of SMALL in another process group and SIGKILLs all of it once dpkg is at work under apt-get install. */
async function killDuringInstall(store: string, cache: string): Promise<void> {
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
      // A status line of dpkg's part of apt-get install (not the announcement, not a download): every package is
      // in the cache, dpkg is changing the tree, the mounts are in place.
      if (/^apt-install \d+ (Preparing|Unpacking|Installing|Configuring) /m.test(output)) {
        process.kill(-child.pid!, 'SIGKILL');
        resolveKill();
      }
    });
    child.once('exit', () => rejectKill(new Error(`build exited before it could be killed:\n${output}`)));
  });
  await exited;
}

interface ColdKilled {
  readonly store: string;
  readonly ms: number;
  /** The .deb files in the cache when the build was killed. */
  readonly cached: string[];
}

/** Build 1, in a fresh store with the cold cache; afterwards the warm cache is a copy of it (taken before anything changes it). */
const coldKilledBuild = once(async (): Promise<ColdKilled> => {
  assert.equal(existsSync(coldCache), false, 'the cache starts empty');
  const store = newDir();
  const { ms } = await timed(() => killDuringInstall(store, coldCache));
  cpSync(coldCache, warmCache, { recursive: true, preserveTimestamps: true });
  return { store, ms, cached: debsIn(coldCache) };
});

interface WarmPair {
  readonly store: string;
  readonly dir: string;
  readonly a: RootfsResult;
  readonly b: RootfsResult;
  readonly ms: number;
  /** cacheState(warmCache) just before and just after the two builders. */
  readonly cacheBefore: string[];
  readonly cacheAfter: string[];
}

/**
 * Build 3: two instances ensure SMALL at once in a fresh store that holds the remains of earlier
 * builds, with the warm cache. The one build they make proves both that nothing cached is
 * downloaded again and that the lock lets only one builder through.
 */
const warmPair = once(async (): Promise<WarmPair> => {
  await coldKilledBuild();
  const store = newDir();
  const dir = small(store, warmCache).entryDir(SMALL);
  await mkdir(join(`${dir}.tmp-deadbeef0000`, 'rootfs'), { recursive: true });
  writeFileSync(join(`${dir}.tmp-deadbeef0000`, 'manifest.json'), '{}'); // killed between manifest and rename
  await mkdir(join(dir, 'rootfs'), { recursive: true }); // as if someone copied a tree without its marker
  assert.equal(await small(store, warmCache).find(SMALL), undefined);
  assert.deepEqual(await small(store, warmCache).list(), []);

  const cacheBefore = cacheState(warmCache);
  // Two instances: the in-process sharing does not apply, so only the flock keeps them apart.
  const { result, ms } = await timed(() => Promise.all([small(store, warmCache).ensure(SMALL), small(store, warmCache).ensure(SMALL)]));
  return { store, dir, a: result[0], b: result[1], ms, cacheBefore, cacheAfter: cacheState(warmCache) };
});

/**
 * As killed downloads leave the cache: a package missing with a garbage partial download in its
 * place, and a partial file of something no longer wanted. Returns the missing package's file name.
 */
function poisonPartialDownloads(cache: string, name: string): string {
  const deb = debsIn(cache).find((f) => f.startsWith(`${name}_`));
  assert.ok(deb, `${name} is cached`);
  rmSync(join(cache, deb));
  writeFileSync(join(cache, 'partial', deb), Buffer.alloc(4096, 0x42));
  writeFileSync(join(cache, 'partial', 'stale_1.0_all.deb'), 'half a package');
  return deb;
}

// Builds 2 and 3 side by side where there are two cores (test files run one at a time there, so
// that is all of them), one after the other where there is one.
describe('small sid builds', { concurrency: availableParallelism() > 1 }, () => {
  test('a rebuild with a warm download cache downloads nothing', { skip, timeout: 10 * 60_000 }, async () => {
    const cold = await coldKilledBuild();
    // Both downloaders filled the shared cache.
    assert.ok(cold.cached.some((f) => f.startsWith('dpkg_')), 'debootstrap downloaded into the cache');
    const certificates = cold.cached.find((f) => f.startsWith('ca-certificates_'));
    assert.ok(certificates, 'apt-get install downloaded into the cache');

    const { a, b, ms, cacheBefore, cacheAfter } = await warmPair();
    console.log(`sid + ca-certificates: cold cache ${cold.ms} ms to dpkg, warm cache ${ms} ms to done (${cacheBefore.length} cached .deb files)`);
    const warm = [a, b].find((r) => r.built);
    assert.ok(warm, 'one of them built it');
    assert.deepEqual(cacheAfter, cacheBefore, 'no package was downloaded again, none added');
    // The version the cold build downloaded (file names are <package>_<version>_<arch>.deb, a ':' as %3a).
    assert.equal(warm.manifest.installed['ca-certificates'], decodeURIComponent(certificates.split('_')[1]!));
    assert.deepEqual(debsIn(join(warm.rootfs, 'var/cache/apt/archives')), [], 'apt-get clean emptied the tree');
  });

  test('two concurrent builders build once, and neither uses the remains of earlier builds', { skip, timeout: 10 * 60_000 }, async () => {
    const { store, dir, a, b } = await warmPair();
    assert.equal([a, b].filter((r) => r.built).length, 1, 'exactly one caller built it');
    assert.equal(a.dir, dir);
    assert.equal(a.dir, b.dir);
    assert.equal(a.manifest.builtAt, b.manifest.builtAt);
    assert.ok(a.manifest.installed['apt'], 'apt is installed in a minbase tree');
    assert.ok(existsSync(join(a.rootfs, 'usr/bin/apt-get')));
    assert.deepEqual(readdirSync(join(store, 'small')).filter((e) => e.includes('.tmp-')), [], 'the leftover was removed');
    assert.deepEqual((await small(store, warmCache).list()).map((entry) => entry.manifest), [a.manifest]);
  });

  test('a build killed during apt-get install leaves no mount and no entry; the next build cleans up', { skip, timeout: 10 * 60_000 }, async () => {
    const { store } = await coldKilledBuild();
    const rootfs = small(store, coldCache);
    const leftovers = readdirSync(join(store, 'small')).filter((e) => e.includes('.tmp-'));
    assert.equal(leftovers.length, 1, 'the killed build left its temporary directory');
    assert.equal(await rootfs.find(SMALL), undefined, 'a half-built tree does not count');
    assert.deepEqual(await mountPointsUnder(store), [], 'the chroot mounts vanished with their namespace');
    assert.deepEqual(await mountPointsUnder(coldCache), []);

    const refetched = poisonPartialDownloads(coldCache, 'ca-certificates');
    const phases: RootfsProgress[] = [];
    const result = await rootfs.ensure(SMALL, (p) => phases.push(p));
    assert.equal(result.built, true);
    assert.equal(result.dir, rootfs.entryDir(SMALL));
    assert.deepEqual(readdirSync(join(store, 'small')).filter((e) => e.includes('.tmp-')), [], 'the leftover was removed');
    assert.ok(result.manifest.installed['ca-certificates'], 'the package was installed despite the garbage partial download');
    assert.ok(debsIn(coldCache).includes(refetched), 'and is in the cache again');
    assert.deepEqual(readdirSync(join(coldCache, 'partial')), [], 'no partial download outlives the next build');
    assert.deepEqual(debsIn(join(result.rootfs, 'var/cache/apt/archives')), [], 'apt-get clean emptied the tree');
    assert.deepEqual(JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8')), result.manifest);

    // Progress: known phases in order, percentages never going back, ending at 100.
    const order = phases.map((p) => p.phase).filter((p, i, all) => p !== all[i - 1]);
    assert.deepEqual(order, ['check', 'lock', 'cleanup', 'debootstrap', 'configure', 'apt-update', 'apt-install', 'apt-clean', 'manifest', 'done']);
    assert.ok(phases.every((p, i) => i === 0 || p.percent >= phases[i - 1]!.percent));
    assert.equal(phases.at(-1)!.percent, 100);
  });
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
