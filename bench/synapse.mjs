#!/usr/bin/env node
// Synapse: how long `POST /api/instances` takes to give a healthy Synapse when its root
// filesystem is already in the version store, against a Prosody provisioned the same way in the
// same process; and, with --cold, how long building that root filesystem takes from nothing
// (a fresh store and a fresh download cache) and again with the download cache kept.
// Needs `npm run build` first, PostgreSQL and Redis (DATABASE_URL, REDIS_URL), root, Debian's
// prosody and debootstrap; --cold needs the Debian mirror (deb.debian.org) and ~1.1 GB of disk.
// Instances bind 127.0.0.1 only; every run is bounded in count and time.
//
//   node bench/synapse.mjs [--runs=5] [--cold] [--only=provision|cold]
//   HEARTH_BENCH_RUNS=5         the number of runs, when --runs is not given
//   HEARTH_VERSION_STORE=...    where the cached root filesystem is (default /var/cache/hearth-test/versions)
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createBenchEnvironment, loadApi, ownerClient, startHearth } from './support/hearth.mjs';
import {
  HEALTH_CHECK_PART,
  destroyOne,
  loadAverage,
  median,
  printBreakdown,
  printRunTotals,
  printTable,
  readServerPid,
  residentMiB,
  sweepInstances,
  timeProvisioning,
} from './support/instances.mjs';

// Apart from the API tests' ranges (25200-26015) and bench/instances.mjs (27000-27299).
const PORT_RANGE = process.env.HEARTH_PORT_RANGE ?? '27300-27399';
// The store the API tests and `.ci/run` fill: on a machine that ran them, Synapse is built there.
const VERSION_STORE = resolve(process.env.HEARTH_VERSION_STORE ?? '/var/cache/hearth-test/versions');
const KINDS = ['prosody', 'synapse'];
const MAX_RUNS = 10;
const USAGE = 'Usage: node bench/synapse.mjs [--runs=5] [--cold] [--only=provision|cold]';

let env;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const modules = loadApi({
    DebianRootfs: ['runtimes/rootfs/debian-rootfs.js', 'DebianRootfs'],
    mountPointsUnder: ['runtimes/rootfs/debian-rootfs.js', 'mountPointsUnder'],
    SYNAPSE_ROOTFS: ['drivers/synapse/synapse-rootfs.js', 'SYNAPSE_ROOTFS'],
    ProcessRuntime: ['runtimes/process/process.runtime.js', 'ProcessRuntime'],
    HealthCheckJob: ['monitoring/health-check.job.js', 'HealthCheckJob'],
  });
  if (process.getuid?.() !== 0) {
    console.error('Synapse runs from its root filesystem in a mount namespace of its own, which needs root: run this as root.');
    process.exit(1);
  }

  env = await createBenchEnvironment({ name: 'synapse', forInstances: true });
  env.defer('stop leftover instance processes', () => sweepInstances(env, modules));
  try {
    console.log(`Hearth Synapse benchmark — ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores, load average ${loadAverage()}`);
    let provisioned;
    if (options.only !== 'cold') provisioned = await provisioning(modules, options.runs);
    if (options.cold) await coldBuilds(modules, provisioned);
    const left = await readdir(env.instancesDir);
    if (left.length) console.error(`\nLeft in the instances directory after the destroy jobs: ${left.join(', ')}`);
    console.log(`\nload average after: ${loadAverage()}`);
  } finally {
    await env.cleanUp();
  }
}

function parseArgs(argv) {
  const options = { runs: Number(process.env.HEARTH_BENCH_RUNS ?? 5), cold: false, only: undefined };
  for (const arg of argv) {
    const runs = /^--runs=(\d+)$/.exec(arg);
    const only = /^--only=(provision|cold)$/.exec(arg);
    if (runs) options.runs = Number(runs[1]);
    else if (arg === '--cold') options.cold = true;
    else if (only) options.only = only[1];
    else {
      console.error(`Unknown argument ${arg}. ${USAGE}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    console.error(`The number of runs must be a whole number from 1 to ${MAX_RUNS}. ${USAGE}`);
    process.exit(2);
  }
  // Bounds: a typo must not provision dozens of servers.
  options.runs = Math.min(options.runs, MAX_RUNS);
  if (options.only === 'cold') options.cold = true;
  return options;
}

// ---------------------------------------------------------------------------------------------
// (a) POST /api/instances → healthy, root filesystem cached

/**
 * Rounds of one Prosody (the baseline) and one Synapse, each destroyed before the next is
 * created, so a change in the machine's other load touches both kinds. Answers the runs by kind.
 */
async function provisioning(modules, runs) {
  const store = new modules.DebianRootfs({ store: VERSION_STORE });
  if (!(await store.find(modules.SYNAPSE_ROOTFS))) {
    console.log(`\nSynapse's root filesystem is not in ${VERSION_STORE}: building it first (not measured; use --cold for that)…`);
    const started = Date.now();
    await store.ensure(modules.SYNAPSE_ROOTFS);
    console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const hearth = await startHearth(env, modules, { HEARTH_WORKER: 'embedded', HEARTH_PORT_RANGE: PORT_RANGE, HEARTH_VERSION_STORE: VERSION_STORE });
  try {
    const api = await ownerClient(hearth, modules);
    const kinds = (await api.get('/api/instance-kinds')).body;
    for (const kind of KINDS) {
      const found = kinds.find((k) => k.kind === kind);
      if (!found?.available) throw new Error(`${kind} is not available on this host: ${found?.installHint} ${found?.problems?.join('; ') ?? ''}`);
    }
    const version = (kind) => kinds.find((k) => k.kind === kind).version;
    console.log(`Synapse ${version('synapse')} from ${VERSION_STORE}, Prosody ${version('prosody')}`);
    console.log(`\n== Time from POST /api/instances to healthy (running, then one passing health check), ${runs} round(s) of Prosody then Synapse ==\n`);
    // The worker's own first check comes one healthIntervalSec (30 s) after provisioning: run one now.
    const checks = hearth.app.get(modules.HealthCheckJob);
    const healthCheck = (instanceId) => checks.run({ instanceId });

    const results = Object.fromEntries(KINDS.map((kind) => [kind, []]));
    for (let run = 1; run <= runs; run++) {
      for (const kind of KINDS) {
        const name = `${kind}-${run}`;
        const provisioned = await timeProvisioning(env, api, { name, kind, domain: `${name}.bench.example` }, { healthCheck });
        const rssMiB = await residentMiB(await readServerPid(join(env.instancesDir, provisioned.id)));
        const destroyMs = await destroyOne(env, api, provisioned);
        results[kind].push({ ...provisioned, rssMiB, destroyMs });
        console.log(`  ${kind.padEnd(8)} run ${run}: healthy after ${provisioned.totalMs} ms, ${rssMiB?.toFixed(0) ?? '?'} MiB resident (destroyed in ${destroyMs} ms)`);
      }
    }

    console.log('');
    for (const kind of KINDS) printRunTotals(kind, results[kind]);
    console.log("\nWhere the time went (median ms over the runs; share of all runs' time):\n");
    printBreakdown(results);

    const check = (r) => r.segments.find((s) => s.name === HEALTH_CHECK_PART)?.ms ?? 0;
    // [label, Prosody's median, Synapse's median, Synapse / Prosody]
    const row = (label, pick, format = ms) => {
      const [prosody, synapse] = KINDS.map((kind) => median(results[kind].map(pick)));
      return [label, format(prosody), format(synapse), ratio(synapse, prosody)];
    };
    console.log('\nSynapse against Prosody (medians):');
    printTable(
      ['', 'Prosody', 'Synapse', 'Synapse / Prosody'],
      [
        row('POST → running (job done)', (r) => r.totalMs - check(r)),
        row('one health check', check),
        row('POST → healthy (both)', (r) => r.totalMs),
        row('destroy', (r) => r.destroyMs),
        row('resident memory when healthy', (r) => r.rssMiB ?? 0, mib),
      ],
    );
    return results;
  } finally {
    await hearth.close();
  }
}

// ---------------------------------------------------------------------------------------------
// (b) Building the root filesystem: from nothing, then with the download cache kept

/**
 * DebianRootfs.ensure() into a fresh temporary store with a fresh download cache (so everything
 * is downloaded), then, where DebianRootfs takes a `cacheDir`, into a second fresh store that
 * shares the first one's download cache. Each build's phases are timed from its progress reports.
 */
async function coldBuilds(modules, provisioned) {
  const parent = resolve(process.env.HEARTH_BENCH_TMPDIR ?? tmpdir());
  const dir = await mkdtemp(join(parent, 'hearth-bench-rootfs-'));
  env.defer('remove the temporary version stores', () => removeStores(modules, dir));
  const cacheDir = join(dir, 'debs');
  const sharesCache = 'cacheDir' in new modules.DebianRootfs({ store: join(dir, 'probe'), cacheDir });

  console.log(`\n== Building Synapse's root filesystem (sid + matrix-synapse) into fresh stores under ${dir} ==\n`);
  const builds = [];
  const cold = await timeBuild(modules, { store: join(dir, 'cold'), cacheDir }, 'cold: fresh store, empty download cache');
  builds.push(cold);
  cold.downloadedBytes = await diskUsage(cacheDir);
  if (sharesCache) {
    builds.push(await timeBuild(modules, { store: join(dir, 'warm'), cacheDir }, 'warm cache: fresh store, the cold build\'s download cache'));
  } else {
    console.log('This build of DebianRootfs takes no cacheDir option: no warm-cache build.');
  }
  const cached = await timeBuild(modules, { store: join(dir, 'cold'), cacheDir }, 'cached: the cold build\'s store again');
  builds.push(cached);

  const phases = [...new Set(builds.flatMap((b) => b.phases.map((p) => p.phase)))];
  console.log('\nTime by phase (ms; from the first progress report of a phase to the next phase\'s):\n');
  printTable(
    ['phase', ...builds.map((b) => b.label.split(':')[0])],
    [...phases.map((phase) => [phase, ...builds.map((b) => ms(b.phases.find((p) => p.phase === phase)?.ms))]), ['total', ...builds.map((b) => ms(b.ms))]],
  );
  console.log(`\nroot filesystem: ${mb(cold.result.manifest.sizeBytes)}; downloaded .deb files (the download cache): ${mb(cold.downloadedBytes)}; ` +
    `matrix-synapse ${cold.result.manifest.installed['matrix-synapse']}, ${Object.keys(cold.result.manifest.installed).length} packages`);
  const [first, second] = builds;
  if (sharesCache) console.log(`warm cache / cold: ${ratio(second.ms, first.ms)} (${ms(first.ms - second.ms)} less)`);
  if (provisioned) {
    const synapse = median(provisioned.synapse.map((r) => r.totalMs));
    console.log(`a first Synapse on a host without the root filesystem waits about ${ms(first.ms + synapse)}: ` +
      `${ratio(first.ms + synapse, synapse)} the ${ms(synapse)} of one with it cached (median above)`);
  }
}

async function timeBuild(modules, options, label) {
  env.throwIfInterrupted();
  const phases = [];
  const started = performance.now();
  const result = await new modules.DebianRootfs(options).ensure(modules.SYNAPSE_ROOTFS, ({ phase }) => {
    if (phases.at(-1)?.phase !== phase) phases.push({ phase, at: performance.now() });
  });
  const ended = performance.now();
  // Each phase lasts until the next one's first report; the last ('done') is instantaneous.
  const timed = phases.map((p, i) => ({ phase: p.phase, ms: Math.round((phases[i + 1]?.at ?? ended) - p.at) }));
  // A phase reported twice (the two locks) adds up.
  const merged = [];
  for (const p of timed) {
    const seen = merged.find((m) => m.phase === p.phase);
    if (seen) seen.ms += p.ms;
    else merged.push({ ...p });
  }
  const total = Math.round(ended - started);
  console.log(`  ${label}: ${ms(total)}${result.built ? '' : ' (found, not built)'}`);
  return { label, ms: total, phases: merged, result };
}

/** Removes the temporary stores, unless something is still mounted below them (then says what). */
async function removeStores(modules, dir) {
  const mounted = await modules.mountPointsUnder(dir);
  if (mounted.length) {
    console.error(`Not removing ${dir}: still mounted below it: ${mounted.join(', ')}`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}

async function diskUsage(path) {
  const { stdout } = await promisify(execFile)('du', ['-sb', path]);
  return Number(stdout.split('\t')[0]);
}

function ms(value) {
  if (value === undefined) return '–';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

function mib(value) {
  return `${value.toFixed(0)} MiB`;
}

function mb(bytes) {
  return bytes === undefined ? '?' : `${Math.round(bytes / 1e6)} MB`;
}

function ratio(value, baseline) {
  return baseline ? `${(value / baseline).toFixed(2)}×` : '–';
}

await main();
