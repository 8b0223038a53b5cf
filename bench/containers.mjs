#!/usr/bin/env node
// The container runtime: how long `POST /api/instances` takes to give a healthy Prosody in a
// container (Hearth's bookworm image, already built), against the host's Prosody as a native
// process provisioned the same way in the same process; the resident memory of each, and how
// long destroying takes. The image is built first if the engine lacks it (not measured).
// Needs `npm run build` first, PostgreSQL and Redis (DATABASE_URL, REDIS_URL), root, Debian's
// prosody, and a container engine's API socket in HEARTH_CONTAINER_SOCKET, e.g.
//
//   CONTAINERS_CONF=$PWD/deploy/podman/containers.conf podman system service --time=0 unix:///run/hearth-bench.sock &
//   HEARTH_CONTAINER_SOCKET=/run/hearth-bench.sock node bench/containers.mjs [--runs=5]
//
// Instances bind 127.0.0.1 only; every run is bounded in count and time.
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
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

// Apart from the API tests' ranges and the other benchmarks' (27000-27399).
const PORT_RANGE = process.env.HEARTH_PORT_RANGE ?? '27400-27499';
const VERSION_STORE = resolve(process.env.HEARTH_VERSION_STORE ?? '/var/cache/hearth-test/versions');
const RUNTIMES = ['process', 'container'];
const MAX_RUNS = 10;
const USAGE = 'Usage: HEARTH_CONTAINER_SOCKET=/path/to/engine.sock node bench/containers.mjs [--runs=5]';

let env;

async function main() {
  const runs = parseRuns(process.argv.slice(2));
  const socket = process.env.HEARTH_CONTAINER_SOCKET;
  if (!socket) {
    console.error(`No container engine: ${USAGE}`);
    process.exit(2);
  }
  if (process.getuid?.() !== 0) {
    console.error('Instances run as uids of their own, which needs root: run this as root.');
    process.exit(1);
  }
  const modules = loadApi({
    ProcessRuntime: ['runtimes/process/process.runtime.js', 'ProcessRuntime'],
    HealthCheckJob: ['monitoring/health-check.job.js', 'HealthCheckJob'],
    connectEngine: ['runtimes/container/engine.js', 'connectEngine'],
    ServerImages: ['runtimes/container/server-images.js', 'ServerImages'],
    DebianRootfs: ['runtimes/rootfs/debian-rootfs.js', 'DebianRootfs'],
    PROSODY_BOOKWORM_IMAGE: ['drivers/prosody/prosody-images.js', 'PROSODY_BOOKWORM_IMAGE'],
  });
  const engine = modules.connectEngine(socket);

  env = await createBenchEnvironment({ name: 'containers', forInstances: true });
  env.defer('stop leftover instance processes', () => sweepInstances(env, modules));
  env.defer('remove leftover containers', () => removeContainers(engine));
  try {
    console.log(`Hearth container runtime benchmark — ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores, load average ${loadAverage()}`);
    const images = new modules.ServerImages({ engine, rootfs: new modules.DebianRootfs({ store: VERSION_STORE }) });
    const started = Date.now();
    const image = await images.ensure(modules.PROSODY_BOOKWORM_IMAGE);
    console.log(`${image.reference}: Prosody ${image.version} (${image.imported ? `built in ${((Date.now() - started) / 1000).toFixed(1)} s, not measured` : 'already built'})`);
    await provisioning(modules, engine, runs);
    const left = await readdir(env.instancesDir);
    if (left.length) console.error(`\nLeft in the instances directory after the destroy jobs: ${left.join(', ')}`);
    console.log(`\nload average after: ${loadAverage()}`);
  } finally {
    await env.cleanUp();
  }
}

function parseRuns(argv) {
  let runs = Number(process.env.HEARTH_BENCH_RUNS ?? 5);
  for (const arg of argv) {
    const match = /^--runs=(\d+)$/.exec(arg);
    if (!match) {
      console.error(`Unknown argument ${arg}. ${USAGE}`);
      process.exit(2);
    }
    runs = Number(match[1]);
  }
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`The number of runs must be a whole number from 1 to ${MAX_RUNS}. ${USAGE}`);
    process.exit(2);
  }
  // Bounds: a typo must not provision dozens of servers.
  return Math.min(runs, MAX_RUNS);
}

/** Rounds of one native Prosody (the baseline) and one in a container, each destroyed before the next is created. */
async function provisioning(modules, engine, runs) {
  const hearth = await startHearth(env, modules, { HEARTH_WORKER: 'embedded', HEARTH_PORT_RANGE: PORT_RANGE, HEARTH_VERSION_STORE: VERSION_STORE, HEARTH_CONTAINER_SOCKET: process.env.HEARTH_CONTAINER_SOCKET });
  try {
    const api = await ownerClient(hearth, modules);
    const prosody = (await api.get('/api/instance-kinds')).body.find((kind) => kind.kind === 'prosody');
    if (!prosody?.available || !prosody.runtimes.includes('container')) throw new Error(`Prosody is not available on both runtimes here: ${JSON.stringify(prosody)}`);
    console.log(`\n== Time from POST /api/instances to healthy (running, then one passing health check), ${runs} round(s) of a native Prosody then one in a container ==\n`);
    const checks = hearth.app.get(modules.HealthCheckJob);
    const healthCheck = (instanceId) => checks.run({ instanceId });

    const results = Object.fromEntries(RUNTIMES.map((runtime) => [runtime, []]));
    for (let run = 1; run <= runs; run++) {
      for (const runtime of RUNTIMES) {
        const name = `${runtime}-${run}`;
        const provisioned = await timeProvisioning(env, api, { name, kind: 'prosody', runtime, domain: `${name}.bench.example` }, { healthCheck });
        const pid = runtime === 'process' ? await readServerPid(join(env.instancesDir, provisioned.id)) : (await engine.getContainer(`hearth-${provisioned.id}`).inspect()).State.Pid;
        const rssMiB = await residentMiB(pid);
        const destroyMs = await destroyOne(env, api, provisioned);
        results[runtime].push({ ...provisioned, rssMiB, destroyMs });
        console.log(`  ${runtime.padEnd(9)} run ${run}: healthy after ${provisioned.totalMs} ms, ${rssMiB?.toFixed(0) ?? '?'} MiB resident (destroyed in ${destroyMs} ms)`);
      }
    }

    console.log('');
    for (const runtime of RUNTIMES) printRunTotals(runtime, results[runtime]);
    console.log("\nWhere the time went (median ms over the runs; share of all runs' time):\n");
    printBreakdown(results);

    const check = (r) => r.segments.find((s) => s.name === HEALTH_CHECK_PART)?.ms ?? 0;
    const row = (label, pick, format = ms) => {
      const [native, container] = RUNTIMES.map((runtime) => median(results[runtime].map(pick)));
      return [label, format(native), format(container), ratio(container, native)];
    };
    console.log('\nIn a container against native (medians):');
    printTable(
      ['', 'native', 'container', 'container / native'],
      [
        row('POST → running (job done)', (r) => r.totalMs - check(r)),
        row('one health check', check),
        row('POST → healthy (both)', (r) => r.totalMs),
        row('destroy', (r) => r.destroyMs),
        row('resident memory of the server', (r) => r.rssMiB ?? 0, mib),
      ],
    );
  } finally {
    await hearth.close();
  }
}

/** Containers a failed run left: every one labelled as Hearth's whose instance directory was this run's. */
async function removeContainers(engine) {
  const containers = await engine.listContainers({ all: true, filters: JSON.stringify({ label: ['org.hearth.managed=true'] }) });
  for (const container of containers) {
    const mounts = container.Mounts ?? [];
    if (!mounts.some((mount) => mount.Source?.startsWith(env.instancesDir))) continue;
    await engine.getContainer(container.Id).remove({ force: true }).catch((error) => console.error(`could not remove ${container.Names?.[0]}: ${error.message}`));
  }
}

function ms(value) {
  return value === undefined ? '–' : `${Math.round(value)} ms`;
}

function mib(value) {
  return `${value.toFixed(0)} MiB`;
}

function ratio(value, baseline) {
  return baseline ? `${(value / baseline).toFixed(2)}×` : '–';
}

await main();
