#!/usr/bin/env node
// Backup and restore throughput (issue 6): Hearth's archive pipeline (tar → zstd → age → local
// target, and back, with every file checked against the manifest) against restic backing up and
// restoring the same data in the same run, on one core, for (a) many small files and (b) one
// large incompressible file. Needs the API compiled (`npm run build`: apps/api/dist), Debian's
// restic, zstd, GNU tar and taskset; root to drop the page cache between phases (else --warm).
// Touches no network or database; everything it writes is under one temporary directory.
//
//   node bench/backup-throughput.mjs [--small-files=20000] [--big-mib=512] [--rounds=1]
//        [--only=small|big] [--cpu=0] [--warm] [--cpu-prof=DIR]
//   node bench/backup-throughput.mjs --small-files=2000 --big-mib=64     # smoke run
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiRequire } from './support/hearth.mjs';

const MIB = 1024 * 1024;
const JOB_ENV = 'HEARTH_BENCH_BACKUP_JOB';
const SCRIPT = fileURLToPath(import.meta.url);
const OBJECT_KEY = 'bench/backup.tar.zst.age';
// What a driver's backupLayout looks like for a server whose whole state is `data/`.
const LAYOUT = { include: ['data'], exclude: [], secrets: [], state: ['data'] };

// ---------------------------------------------------------------------------------------------
// The worker: one Hearth backup or restore, in a process of its own that the main process pins
// to one CPU (taskset), as are the zstd and tar processes it starts. It prints one JSON line.

async function worker(job) {
  const load = (path) => apiRequire(apiRequire.resolve(`./dist/backups/${path}`));
  const { LocalTarget } = load('targets/local.target.js');
  const { archiveToTarget } = load('backup-writer.js');
  const { extractFromTarget } = load('backup-reader.js');
  const target = new LocalTarget({ path: job.targetDir });
  const startedCpu = processTimes();
  const started = process.hrtime.bigint();
  let result;
  if (job.op === 'backup') {
    const { upload, manifest } = await archiveToTarget({
      instanceDir: job.instanceDir,
      staging: job.staging,
      layout: LAYOUT,
      manifest: {
        backupId: 'bench',
        createdAt: new Date().toISOString(),
        hearthVersion: 'bench',
        instance: { id: 'bench', name: 'bench', kind: 'prosody', domain: 'bench.invalid', version: null },
        accounts: 0,
        facts: {},
      },
      recipients: [job.recipient],
      target,
      key: OBJECT_KEY,
    });
    result = { upload, files: manifest.files.length, bytes: manifest.totalBytes };
  } else {
    const manifest = await extractFromTarget({ target, key: OBJECT_KEY, identities: [job.identity], into: job.into, expected: job.expected });
    result = { files: manifest.files.length, bytes: manifest.totalBytes };
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = processTimes(startedCpu);
  process.stdout.write(`${JSON.stringify({ ...result, seconds, cpu })}\n`);
}

/**
 * CPU seconds from /proc/self/stat: `self` is this process (all its threads), `children` the
 * children it has waited for (zstd, tar). With `since`, the difference.
 */
function processTimes(since) {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const tick = Number(process.env.HEARTH_BENCH_CLK_TCK ?? 100);
  const now = { self: (Number(fields[11]) + Number(fields[12])) / tick, children: (Number(fields[13]) + Number(fields[14])) / tick };
  return since ? { self: now.self - since.self, children: now.children - since.children } : now;
}

// ---------------------------------------------------------------------------------------------
// The main process.

const state = { root: undefined, child: undefined, cleaning: undefined, interrupted: false };

async function main() {
  const options = parseArgs(process.argv.slice(2));
  checkPrerequisites();
  const clkTck = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
  process.env.HEARTH_BENCH_CLK_TCK = clkTck;
  const { generateIdentity } = apiRequire(apiRequire.resolve('./dist/backups/age/index.js'));
  const { identity, recipient } = generateIdentity();
  const resticPassword = randomBytes(24).toString('hex');
  const dropCaches = options.warm ? false : await canDropCaches();
  const resticVersion = execFileSync('restic', ['version'], { encoding: 'utf8' }).trim();
  const zstdVersion = execFileSync('zstd', ['--version'], { encoding: 'utf8' }).trim().replace(/^\*+ |,? by .*$/g, '');

  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (state.interrupted) return;
      state.interrupted = true;
      console.error(`\n${signal}: stopping and removing ${state.root ?? 'nothing'}`);
      cleanUp().finally(() => process.exit(130));
    });
  }
  if (options.cpuProf) await mkdir(options.cpuProf, { recursive: true });
  const parent = resolve(process.env.HEARTH_BENCH_TMPDIR ?? tmpdir());
  state.root = await mkdtemp(join(parent, 'hearth-backup-bench-'));

  console.log(`backup throughput — ${new Date().toISOString()}, Node ${process.version}, ${resticVersion}, ${zstdVersion}, ` +
    `${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, load average ${loadAverage()}`);
  console.log(`Both tools pinned to CPU ${options.cpu} (taskset; restic also GOMAXPROCS=1), ` +
    `${dropCaches ? 'page cache dropped (sync; drop_caches=3) before every timed phase' : 'page cache NOT dropped: both tools read warm data'}, ` +
    `${options.rounds} round(s)${options.rounds > 1 ? ' (median)' : ''}, in ${state.root}`);
  console.log('Hearth: archiveToTarget() / extractFromTarget() from apps/api/dist, local target (fsync, read-back sha256), ' +
    'zstd -3 -T1, one age recipient; restore checks every file against the manifest.');
  console.log('restic: fresh repository per round (restic init, default repository version), --no-cache (a local repository ' +
    'needs no cache of its own metadata, and Hearth has none), compression auto (its default: Go zstd SpeedDefault, about level 3, per blob), pack size default; ' +
    'restore: `restore latest --target DIR` and, for comparison with Hearth\'s per-file check, `--verify`.');
  if (options.cpuProf) console.log(`CPU profiles of the Hearth workers go to ${options.cpuProf} (the profiler slows them down: read these figures as such).`);
  console.log('MiB/s is of the content (sum of file sizes), over the wall time of the operation; restic\'s time includes ' +
    'starting the program and opening the repository (its key derivation), Hearth\'s the call only (the API is already running).\n');

  const context = { options, identity, recipient, resticPassword, dropCaches };
  const results = [];
  try {
    for (const dataset of datasets(options)) results.push(await runDataset(context, dataset));
  } finally {
    await cleanUp();
  }
  printResults(results, options);
  console.log(`\nload average after: ${loadAverage()}`);
  if (options.cpuProf) await summarizeProfiles(options.cpuProf);
}

function datasets(options) {
  const list = [
    { name: 'small', label: `${options.smallFiles.toLocaleString('en')} small files`, create: (dir) => createSmallFiles(dir, options.smallFiles) },
    { name: 'big', label: `one ${options.bigMib} MiB file`, create: (dir) => createBigFile(dir, options.bigMib) },
  ];
  return options.only ? list.filter((dataset) => dataset.name === options.only) : list;
}

async function runDataset(context, dataset) {
  const { options } = context;
  const dir = join(state.root, dataset.name);
  const instanceDir = join(dir, 'instance');
  const staging = join(dir, 'staging');
  await mkdir(join(instanceDir, 'data'), { recursive: true });
  await mkdir(staging);
  const createdAt = Date.now();
  await dataset.create(join(instanceDir, 'data'));
  const content = await treeSize(join(instanceDir, 'data'));
  console.log(`${dataset.label}: ${content.files} files, ${(content.bytes / MIB).toFixed(1)} MiB in ${content.dirs} directories ` +
    `(made in ${((Date.now() - createdAt) / 1000).toFixed(1)} s), load average ${loadAverage()}`);

  const rows = {
    backup: { hearth: [], restic: [] },
    restore: { hearth: [], restic: [] },
    'restore, restic --verify': { hearth: [], restic: [] },
  };
  const sizes = {};
  const resticOpen = [];
  for (let round = 1; round <= options.rounds; round++) {
    const targetDir = join(dir, 'hearth-target');
    const repo = join(dir, 'restic-repo');
    const resticTmp = join(dir, 'restic-tmp');
    await mkdir(resticTmp, { recursive: true });
    const resticEnv = { RESTIC_PASSWORD: context.resticPassword, RESTIC_REPOSITORY: repo, GOMAXPROCS: '1', TMPDIR: resticTmp };
    await runRestic(context, ['init'], resticEnv);
    // What opening the repository costs restic on every command (key derivation, reading the config).
    resticOpen.push((await runRestic(context, ['cat', 'config', '--no-cache'], resticEnv)).seconds);
    const repoVersion = JSON.parse((await runRestic(context, ['cat', 'config', '--no-cache'], resticEnv)).stdout).version;

    // (1) Hearth backup.
    await settle(context);
    const backup = await runHearth(context, `${dataset.name}-backup-${round}`, { op: 'backup', targetDir, instanceDir, staging, recipient: context.recipient });
    if (backup.files !== content.files || backup.bytes !== content.bytes) throw new Error(`Hearth archived ${backup.files} files, ${backup.bytes} bytes; expected ${content.files}, ${content.bytes}`);
    rows.backup.hearth.push(hearthFigures(backup));
    sizes.hearth = (await stat(join(targetDir, OBJECT_KEY))).size;

    // (2) restic backup of the same directory, named as Hearth names it (data).
    await settle(context);
    const resticBackup = await runRestic(context, ['backup', '--no-cache', '--json', 'data'], resticEnv, { cwd: instanceDir });
    const summary = resticBackup.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((message) => message.message_type === 'summary');
    if (!summary || summary.total_files_processed !== content.files) throw new Error(`restic backed up ${summary?.total_files_processed} files; expected ${content.files}`);
    rows.backup.restic.push(resticFigures(resticBackup));
    sizes.restic = (await treeSize(repo)).bytes;
    sizes.resticVersion = repoVersion;

    // (3) Hearth restore into a new directory.
    const hearthInto = join(dir, 'hearth-restore');
    await settle(context);
    const restore = await runHearth(context, `${dataset.name}-restore-${round}`, { op: 'restore', targetDir, into: hearthInto, identity: context.identity, expected: backup.upload });
    const restoredByHearth = await treeSize(join(hearthInto, 'data'));
    if (restoredByHearth.files !== content.files || restoredByHearth.bytes !== content.bytes) throw new Error('Hearth restored a different tree');
    rows.restore.hearth.push(hearthFigures(restore));
    rows['restore, restic --verify'].hearth.push(hearthFigures(restore));
    await rm(hearthInto, { recursive: true, force: true });

    // (4) restic restore, then once more with --verify (restic reads every restored file back and checks it).
    for (const [row, extra] of [['restore', []], ['restore, restic --verify', ['--verify']]]) {
      const resticInto = join(dir, 'restic-restore');
      await settle(context);
      const resticRestore = await runRestic(context, ['restore', 'latest', '--no-cache', '--target', resticInto, ...extra], resticEnv);
      // restic 0.14 keeps a relative path as it was given (data/...), an absolute one whole.
      const restoredByRestic = await treeSize(join(resticInto, 'data'));
      if (restoredByRestic.files !== content.files || restoredByRestic.bytes !== content.bytes) throw new Error('restic restored a different tree');
      rows[row].restic.push(resticFigures(resticRestore));
      await rm(resticInto, { recursive: true, force: true });
    }
    await rm(targetDir, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
  }
  await rm(dir, { recursive: true, force: true });
  console.log(`  done, load average ${loadAverage()}`);
  return { dataset, content, rows, sizes, resticOpen: median(resticOpen) };
}

function hearthFigures(run) {
  return { seconds: run.seconds, cpu: run.cpu.self + run.cpu.children, node: run.cpu.self, helpers: run.cpu.children };
}

function resticFigures(run) {
  return { seconds: run.seconds, cpu: run.cpu };
}

/** Before a timed phase: earlier writes reach the disk outside the timing, and, unless --warm, reads start cold. */
async function settle(context) {
  execFileSync('sync');
  if (context.dropCaches) await writeFile('/proc/sys/vm/drop_caches', '3');
}

async function canDropCaches() {
  try {
    execFileSync('sync');
    await writeFile('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch (error) {
    console.log(`(cannot drop the page cache: ${error.code ?? error.message}; both tools read warm data)`);
    return false;
  }
}

async function runHearth(context, name, job) {
  const nodeArgs = context.options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${context.options.cpuProf}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const { stdout } = await run('taskset', ['-c', String(context.options.cpu), process.execPath, ...nodeArgs, SCRIPT], {
    // The identity travels in the environment, like restic's password, never in argv.
    env: { ...process.env, [JOB_ENV]: JSON.stringify(job) },
  });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** restic pinned like Hearth; the password only in the environment. Answers wall and CPU seconds (restic's, from our rusage of waited-for children). */
async function runRestic(context, args, env, { cwd } = {}) {
  const cpuBefore = childTimes();
  const started = process.hrtime.bigint();
  const { stdout } = await run('taskset', ['-c', String(context.options.cpu), 'restic', ...args], { env: { ...process.env, ...env }, cwd });
  return { stdout, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: childTimes() - cpuBefore };
}

function childTimes() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / Number(process.env.HEARTH_BENCH_CLK_TCK ?? 100);
}

function run(command, args, { env, cwd } = {}) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    state.child = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr = (stderr + text).slice(-4000)));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      state.child = undefined;
      if (code === 0) done({ stdout, stderr });
      else fail(new Error(`${command} ${args.filter((arg) => !arg.startsWith('{')).join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`));
    });
  });
}

/** Once, however often it is called (the signal handler and the failing main flow both call it): every caller waits for the same removal. */
function cleanUp() {
  state.cleaning ??= (async () => {
    // Only the child we started, by its pid; its own children (zstd, tar) get EOF or EPIPE and end with it.
    if (state.child?.pid) {
      try {
        process.kill(state.child.pid, 'SIGKILL');
      } catch {}
    }
    if (state.root) await rm(state.root, { recursive: true, force: true });
  })();
  return state.cleaning;
}

// ---------------------------------------------------------------------------------------------
// The data. A seeded generator, so that every run backs up the same bytes.

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Files of 1-16 KiB (log-uniform: many small, some larger), in data/<kind>/<xx>/<y>/, 64 to a
 * directory: 70 % chat events as JSON lines (words from a vocabulary, random ids: compresses
 * about 3-4×), 20 % log/text lines, 10 % random bytes (keys, thumbnails: incompressible).
 */
async function createSmallFiles(dataDir, count) {
  const random = prng(6);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'yo', 'ze', 'an', 'el', 'or', 'us', 'ti', 'pe', 'qu', 'ba', 'do', 'fi'];
  const words = Array.from({ length: 600 }, () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(''));
  const pick = (list) => list[Math.floor(random() * list.length)];
  const id = (length) => {
    let text = '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * 62)];
    return text;
  };
  const sentence = () => Array.from({ length: 3 + Math.floor(random() * 18) }, () => pick(words)).join(' ');
  let ts = 1_760_000_000_000;
  const event = () => {
    ts += Math.floor(random() * 60_000);
    return JSON.stringify({
      type: 'm.room.message',
      event_id: `$${id(43)}`,
      room_id: `!${id(18)}:example.org`,
      sender: `@${pick(words)}${Math.floor(random() * 500)}:example.org`,
      origin_server_ts: ts,
      content: { msgtype: 'm.text', body: sentence() },
      unsigned: { age: Math.floor(random() * 100000) },
    });
  };
  const logLine = () => `${new Date(ts += Math.floor(random() * 5000)).toISOString()} ${pick(['info', 'info', 'debug', 'warn'])} c2s${id(6)} ${sentence()}`;
  const kinds = ['rooms', 'rooms', 'rooms', 'rooms', 'rooms', 'rooms', 'rooms', 'logs', 'logs', 'keys'];
  let madeDirs = new Set();
  for (let i = 0; i < count; i++) {
    const size = Math.round(1024 * 16 ** random());
    const kind = pick(kinds);
    const dir = join(dataDir, kind, (i >> 10).toString(16).padStart(2, '0'), ((i >> 6) & 15).toString(16));
    if (!madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    let body;
    if (kind === 'keys') {
      body = randomBytesFrom(random, size);
    } else {
      const parts = [];
      let length = 0;
      while (length < size) {
        const line = kind === 'rooms' ? event() : logLine();
        parts.push(line);
        length += line.length + 1;
      }
      body = Buffer.from(`${parts.join('\n')}\n`).subarray(0, size);
    }
    await writeFile(join(dir, `${i.toString().padStart(6, '0')}.${kind === 'keys' ? 'bin' : kind === 'logs' ? 'log' : 'json'}`), body);
  }
  madeDirs = undefined;
}

function randomBytesFrom(random, size) {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** One file of fresh random bytes (media: already compressed; nothing repeats, so restic cannot deduplicate it). */
async function createBigFile(dataDir, mib) {
  const dir = join(dataDir, 'media', 'remote');
  await mkdir(dir, { recursive: true });
  const handle = await open(join(dir, 'video.mp4'), 'w');
  try {
    for (let written = 0; written < mib; written += 16) await handle.write(randomBytes(Math.min(16, mib - written) * MIB));
  } finally {
    await handle.close();
  }
}

async function treeSize(root) {
  const total = { files: 0, bytes: 0, dirs: 0 };
  const walk = async (dir) => {
    total.dirs++;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        total.files++;
        total.bytes += (await lstat(path)).size;
      }
    }
  };
  await walk(root);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Output.

function printResults(results, options) {
  const mibps = (bytes, seconds) => bytes / MIB / seconds;
  const f = (value, digits = 1) => value.toFixed(digits);
  console.log('\n| dataset | operation | Hearth MiB/s | restic MiB/s | Hearth / restic | Hearth MiB per CPU-s | restic MiB per CPU-s | Hearth / restic (CPU) |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { dataset, content, rows } of results) {
    for (const [operation, { hearth, restic }] of Object.entries(rows)) {
      const wall = [median(hearth.map((r) => r.seconds)), median(restic.map((r) => r.seconds))].map((s) => mibps(content.bytes, s));
      const cpu = [median(hearth.map((r) => r.cpu)), median(restic.map((r) => r.cpu))].map((s) => mibps(content.bytes, s));
      const name = operation === 'restore, restic --verify' ? 'restore (restic with --verify)' : operation;
      console.log(`| ${dataset.label} | ${name} | ${f(wall[0])} | ${f(wall[1])} | ${f(wall[0] / wall[1], 2)}× | ${f(cpu[0])} | ${f(cpu[1])} | ${f(cpu[0] / cpu[1], 2)}× |`);
    }
  }
  console.log('\nSeconds (wall; CPU: Hearth = node + zstd/tar it started; restic = the restic process):\n');
  console.log('| dataset | operation | Hearth wall | Hearth CPU (node + zstd/tar) | restic wall | restic CPU |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const { dataset, rows } of results) {
    for (const [operation, { hearth, restic }] of Object.entries(rows)) {
      if (operation === 'restore, restic --verify') {
        console.log(`| ${dataset.label} | restore, restic --verify | | | ${f(median(restic.map((r) => r.seconds)), 2)} | ${f(median(restic.map((r) => r.cpu)), 2)} |`);
        continue;
      }
      const h = (key) => median(hearth.map((r) => r[key]));
      console.log(`| ${dataset.label} | ${operation} | ${f(h('seconds'), 2)} | ${f(h('cpu'), 2)} (${f(h('node'), 2)} + ${f(h('helpers'), 2)}) | ` +
        `${f(median(restic.map((r) => r.seconds)), 2)} | ${f(median(restic.map((r) => r.cpu)), 2)} |`);
    }
  }
  console.log('\nStored:\n');
  console.log('| dataset | content | Hearth object | restic repository | Hearth / restic | restic: opening the repository |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const { dataset, content, sizes, resticOpen } of results) {
    console.log(`| ${dataset.label} | ${f(content.bytes / MIB)} MiB | ${f(sizes.hearth / MIB)} MiB | ${f(sizes.restic / MIB)} MiB (repository v${sizes.resticVersion}) | ` +
      `${f(sizes.hearth / sizes.restic, 2)}× | ${f(resticOpen, 2)} s per command |`);
  }
  if (options.rounds > 1) console.log(`\n(medians of ${options.rounds} rounds)`);
}

/**
 * Where each Hearth worker's main thread spent its time: the self time of the top functions, each
 * under the innermost of Hearth's own functions that called it (so a `writeBuffer` shows whether
 * it wrote to zstd's pipe or to the target), and the total time of Hearth's own functions. The
 * profile covers the worker's JavaScript thread only: zstd, tar and libuv's threads are not in it,
 * and time spent waiting for them shows as (idle).
 */
async function summarizeProfiles(dir) {
  for (const name of (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(await readFile(join(dir, name), 'utf8'));
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    const isHearth = (node) => node.callFrame.url.includes('/apps/api/dist/');
    const label = (node) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url.replace(/^.*\/apps\/api\/dist\//, '').replace(/^node:/, '');
      return `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
    };
    const self = new Map();
    const total = new Map();
    let all = 0;
    const add = (map, key, delta) => map.set(key, (map.get(key) ?? 0) + delta);
    profile.samples.forEach((id, index) => {
      const delta = profile.timeDeltas[index] ?? 0;
      all += delta;
      const seen = new Set();
      let caller;
      for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
        const node = byId.get(at);
        if (!isHearth(node)) continue;
        caller ??= label(node);
        if (!seen.has(label(node))) add(total, label(node), delta);
        seen.add(label(node));
      }
      const node = byId.get(id);
      if (isHearth(node) && !seen.has(label(node))) add(total, label(node), delta);
      add(self, isHearth(node) || !caller ? label(node) : `${label(node)}  ← ${caller}`, delta);
    });
    const top = (map, count) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, us]) => `    ${(100 * us / all).toFixed(1).padStart(5)} %  ${key}`).join('\n');
    console.log(`\n${name} (${(all / 1e6).toFixed(2)} s sampled) — self time (← the innermost Hearth function above it):\n${top(self, 14)}` +
      `\n  total time of Hearth's functions (with what they call):\n${top(total, 12)}`);
  }
}

// ---------------------------------------------------------------------------------------------

function checkPrerequisites() {
  for (const [command, args] of [['restic', ['version']], ['zstd', ['--version']], ['tar', ['--version']], ['taskset', ['-V']]]) {
    try {
      execFileSync(command, args, { stdio: 'ignore' });
    } catch {
      console.error(`${command} is needed (Debian: apt-get install ${command === 'taskset' ? 'util-linux' : command}).`);
      process.exit(1);
    }
  }
  try {
    apiRequire.resolve('./dist/backups/backup-writer.js');
  } catch {
    console.error('The API is not built: run `npm run build` first.');
    process.exit(1);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function loadAverage() {
  return loadavg().map((load) => load.toFixed(2)).join(' ');
}

function parseArgs(argv) {
  const usage = 'Usage: node bench/backup-throughput.mjs [--small-files=20000] [--big-mib=512] [--rounds=1] [--only=small|big] [--cpu=0] [--warm] [--cpu-prof=DIR]';
  const options = { smallFiles: 20000, bigMib: 512, rounds: 1, cpu: 0, warm: false, only: undefined, cpuProf: undefined };
  for (const arg of argv) {
    let match;
    if ((match = /^--(small-files|big-mib|rounds|cpu)=(\d+)$/.exec(arg))) {
      options[match[1].replace(/-(\w)/g, (_, c) => c.toUpperCase())] = Number(match[2]);
    } else if ((match = /^--only=(small|big)$/.exec(arg))) {
      options.only = match[1];
    } else if ((match = /^--cpu-prof=(.+)$/.exec(arg))) {
      options.cpuProf = resolve(match[1]);
    } else if (arg === '--warm') {
      options.warm = true;
    } else {
      console.error(`Unknown argument ${arg}. ${usage}`);
      process.exit(2);
    }
  }
  // Bounds: the data is written to $TMPDIR about five times over (data, object, repository, two restores).
  options.smallFiles = Math.min(Math.max(options.smallFiles, 1), 200_000);
  options.bigMib = Math.min(Math.max(options.bigMib, 1), 4096);
  options.rounds = Math.min(Math.max(options.rounds, 1), 5);
  if (options.cpu >= cpus().length) {
    console.error(`--cpu=${options.cpu}: this machine has CPUs 0-${cpus().length - 1}`);
    process.exit(2);
  }
  return options;
}

if (process.env[JOB_ENV]) {
  await worker(JSON.parse(process.env[JOB_ENV]));
} else {
  await main().catch(async (error) => {
    if (!state.interrupted) console.error(error);
    await cleanUp();
    process.exit(1);
  });
}
