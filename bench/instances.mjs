#!/usr/bin/env node
// Instances: how long `POST /api/instances` takes to give a healthy Prosody or ejabberd, and
// what a health check costs in CPU compared with the bare network probe it wraps.
// Needs `npm run build` first, PostgreSQL and Redis (DATABASE_URL, REDIS_URL), root (the
// instances run as HEARTH_INSTANCE_USER, default nobody) and Debian's prosody and ejabberd.
// Instances bind 127.0.0.1 only; every run is bounded in count and time.
//
//   node bench/instances.mjs [--runs=3] [--instances=10] [--rounds=30] [--only=provision|health]
import { readFile, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createBenchEnvironment, loadApi, ownerClient, startHearth } from './support/hearth.mjs';
import {
  destroyMany,
  destroyOne,
  loadAverage,
  printBreakdown,
  printRunTotals,
  printTable,
  readServerPid,
  sweepInstances,
  timeProvisioning,
  waitJob,
} from './support/instances.mjs';

const KINDS = ['prosody', 'ejabberd'];
// Apart from the ranges the API tests use (25200-26015); HEARTH_PORT_RANGE overrides it.
const PORT_RANGE = process.env.HEARTH_PORT_RANGE ?? '27000-27299';
// The health-check rounds are measured in this many alternating blocks (probe, check, probe, ...).
const BLOCKS = 3;
const CLOCK_TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux.
const USAGE = 'Usage: node bench/instances.mjs [--runs=3] [--instances=10] [--rounds=30] [--only=provision|health]';

let env;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const modules = loadApi({
    HealthCheckJob: ['monitoring/health-check.job.js', 'HealthCheckJob'],
    probeTimeoutMs: ['monitoring/health-check.job.js', 'probeTimeoutMs'],
    HomeserverHost: ['instances/homeserver-host.service.js', 'HomeserverHost'],
    ProcessRuntime: ['runtimes/process/process.runtime.js', 'ProcessRuntime'],
  });
  if (process.getuid?.() !== 0) console.warn('Not root: instances run as this user instead of HEARTH_INSTANCE_USER.');

  env = await createBenchEnvironment({ forInstances: true });
  // Runs last of the deferred clean-ups, after every Hearth app is closed (their workers finish
  // their current job first): whatever server still runs in the instances directory is stopped.
  env.defer('stop leftover instance processes', () => sweepInstances(env, modules));
  const worker = { HEARTH_WORKER: 'embedded', HEARTH_PORT_RANGE: PORT_RANGE };
  try {
    let hearth = await startHearth(env, modules, worker);
    let api = await ownerClient(hearth, modules);
    const kinds = await api.get('/api/instance-kinds');
    const versions = Object.fromEntries(kinds.body.map((k) => [k.kind, k.available ? k.version : `missing (${k.installHint})`]));
    console.log(`Hearth instances benchmark — ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores, ` +
      `Prosody ${versions.prosody}, ejabberd ${versions.ejabberd}, load average ${loadAverage()}`);

    if (options.only !== 'health') {
      console.log(`\n== Time from POST /api/instances to healthy, ${options.runs} run(s) per kind (kinds take turns) ==\n`);
      const runs = await provisionRuns(api, options.runs);
      console.log('');
      for (const kind of KINDS) printRunTotals(kind, runs[kind]);
      console.log('\nWhere the time went (median ms over the runs; share of all runs\' time):\n');
      printBreakdown(runs);
    }

    if (options.only !== 'provision') {
      const { instances, rounds } = options;
      console.log(`\n== CPU cost of health checks: ${instances} Prosody instance(s), ${rounds} round(s), one check at a time ==\n`);
      const started = Date.now();
      const created = await provisionMany(api, instances);
      console.log(`provisioned ${instances} instance(s) in ${((Date.now() - started) / 1000).toFixed(1)} s (worker concurrency ${hearth.config.workerConcurrency})`);

      // Without a worker nothing else checks these instances: the checks below are the only ones.
      await hearth.close();
      hearth = await startHearth(env, modules, { HEARTH_WORKER: 'off', HEARTH_PORT_RANGE: PORT_RANGE });
      await measureHealthChecks(hearth, modules, created.map((c) => c.id), rounds);
      await hearth.close();

      hearth = await startHearth(env, modules, worker);
      api = await ownerClient(hearth, modules, api.owner);
      const destroyStarted = Date.now();
      await destroyMany(env, api, created);
      console.log(`\ndestroyed ${instances} instance(s) in ${((Date.now() - destroyStarted) / 1000).toFixed(1)} s`);
    }

    const left = await readdir(env.instancesDir);
    if (left.length) console.error(`\nLeft in the instances directory after the destroy jobs: ${left.join(', ')}`);
    console.log(`\nload average after: ${loadAverage()}`);
    await hearth.close();
  } finally {
    await env.cleanUp();
  }
}

function parseArgs(argv) {
  const options = { runs: 3, instances: 10, rounds: 30, only: undefined };
  for (const arg of argv) {
    const number = /^--(runs|instances|rounds)=(\d+)$/.exec(arg);
    const only = /^--only=(provision|health)$/.exec(arg);
    if (number) options[number[1]] = Math.max(1, Number(number[2]));
    else if (only) options.only = only[1];
    else {
      console.error(`Unknown argument ${arg}. ${USAGE}`);
      process.exit(2);
    }
  }
  // Bounds: a typo must not provision hundreds of servers or check for an hour.
  options.runs = Math.min(options.runs, 10);
  options.instances = Math.min(options.instances, 50);
  options.rounds = Math.max(BLOCKS, Math.min(options.rounds, 300));
  return options;
}

// ---------------------------------------------------------------------------------------------
// (a) POST /api/instances → healthy

/** Runs take turns over the kinds; each instance is destroyed before the next is created. */
async function provisionRuns(api, runs) {
  const results = Object.fromEntries(KINDS.map((kind) => [kind, []]));
  for (let run = 1; run <= runs; run++) {
    for (const kind of KINDS) {
      const name = `${kind}-${run}`;
      const provisioned = await timeProvisioning(env, api, { name, kind, domain: `${name}.bench.example` });
      const destroyMs = await destroyOne(env, api, provisioned);
      results[kind].push({ ...provisioned, destroyMs });
      console.log(`  ${kind.padEnd(8)} run ${run}: healthy after ${provisioned.totalMs} ms (destroyed in ${destroyMs} ms)`);
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// (b) CPU cost of health checks

async function provisionMany(api, count) {
  const created = [];
  for (let i = 1; i <= count; i++) {
    const name = `check-${i}`;
    // A long interval: the worker's own first check is all the checking it does before it stops.
    const accepted = await api.post('/api/instances', { name, kind: 'prosody', domain: `${name}.bench.example`, healthIntervalSec: 3600 });
    if (accepted.status !== 202) throw new Error(`POST /api/instances (${name}) answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    created.push({ name, ...accepted.body });
  }
  for (const { name, jobId } of created) {
    const job = await waitJob(env, api, jobId);
    if (job.status !== 'succeeded') throw new Error(`Provisioning ${name} ${job.status}: ${job.error ?? JSON.stringify(job.steps)}`);
  }
  return created;
}

/**
 * HealthCheckJob.run({instanceId}) against driver.probe(spec) alone, round-robin over the
 * instances, one call at a time, in alternating blocks so that a change in the machine's other
 * load touches both. CPU: this process (process.cpuUsage: Hearth, Prisma, the probes' sockets),
 * the Prosody servers and this database's PostgreSQL backends (from /proc).
 */
async function measureHealthChecks(hearth, modules, ids, rounds) {
  const checkJob = hearth.app.get(modules.HealthCheckJob);
  const host = hearth.app.get(modules.HomeserverHost);
  const prisma = hearth.app.get(modules.PrismaService);
  const rows = await prisma.instance.findMany({ where: { id: { in: ids } }, orderBy: { name: 'asc' } });
  const notRunning = rows.filter((row) => row.status !== 'running');
  if (rows.length !== ids.length || notRunning.length) {
    throw new Error(`Every instance must be running before the checks: ${notRunning.map((r) => `${r.name} ${r.status}`).join(', ') || 'some are missing'}`);
  }
  const targets = rows.map((row) => ({
    id: row.id,
    spec: host.spec(row),
    driver: host.driver(row.kind),
    timeoutMs: modules.probeTimeoutMs(row.healthIntervalSec),
  }));
  const serverPids = await Promise.all(targets.map((t) => readServerPid(t.spec.dir)));
  const samplesBefore = await prisma.healthSample.count({ where: { instanceId: { in: ids } } });

  let probeFailures = 0;
  const methods = {
    probe: async (t) => {
      const result = await t.driver.probe(t.spec, { timeoutMs: t.timeoutMs });
      if (!result.ok) probeFailures++;
    },
    check: (t) => checkJob.run({ instanceId: t.id }),
  };
  // Warm-up: one round of each (JIT, connection pool, prepared statements).
  for (const method of Object.values(methods)) for (const t of targets) await method(t);

  const totals = { probe: emptyTotals(), check: emptyTotals() };
  const perBlock = Math.ceil(rounds / BLOCKS);
  for (let block = 0, done = 0; done < rounds; block++, done += perBlock) {
    const blockRounds = Math.min(perBlock, rounds - done);
    for (const name of ['probe', 'check']) {
      const backends = await databaseBackends(prisma);
      const result = await measureBlock(targets, blockRounds, methods[name], { serverPids, backends });
      for (const key of Object.keys(result)) totals[name][key] += result[key];
    }
  }

  const samplesAfter = await prisma.healthSample.count({ where: { instanceId: { in: ids } } });
  const failedSamples = await prisma.healthSample.count({ where: { instanceId: { in: ids }, ok: false } });
  const stillRunning = await prisma.instance.count({ where: { id: { in: ids }, status: 'running' } });

  const row = (label, t) => {
    const cpu = t.cpuUs / 1000 / t.calls;
    return [
      label,
      cpu.toFixed(2),
      (t.userUs / 1000 / t.calls).toFixed(2),
      (t.systemUs / 1000 / t.calls).toFixed(2),
      (t.calls / (t.wallMs / 1000)).toFixed(0),
      (t.wallMs / t.calls).toFixed(2),
      ((t.serverTicks * (1000 / CLOCK_TICKS)) / t.calls).toFixed(2),
      ((t.databaseTicks * (1000 / CLOCK_TICKS)) / t.calls).toFixed(2),
      String(t.calls),
    ];
  };
  printTable(
    ['', 'Hearth CPU ms/call', 'user', 'sys', 'calls/s', 'wall ms/call', 'Prosody CPU ms/call', 'PostgreSQL CPU ms/call', 'calls'],
    [row('driver.probe(spec) (baseline)', totals.probe), row('HealthCheckJob.run({instanceId})', totals.check)],
  );
  const perCheck = totals.check.cpuUs / 1000 / totals.check.calls;
  const perProbe = totals.probe.cpuUs / 1000 / totals.probe.calls;
  const perCheckDb = (totals.check.databaseTicks * (1000 / CLOCK_TICKS)) / totals.check.calls;
  console.log(`\ncheck / probe, CPU of this process: ${(perCheck / perProbe).toFixed(2)}× ` +
    `(Hearth's bookkeeping: ${(perCheck - perProbe).toFixed(2)} ms per check, plus ${perCheckDb.toFixed(2)} ms in PostgreSQL)`);
  console.log(`so 1,000 instances checked every 30 s would keep ${((1000 / 30) * perCheck / 10).toFixed(1)} % of one core busy in Hearth ` +
    `and ${((1000 / 30) * perCheckDb / 10).toFixed(1)} % in PostgreSQL`);
  const checks = totals.check.calls + targets.length;
  console.log(`samples written: ${samplesAfter - samplesBefore} for ${checks} checks (warm-up included), ${failedSamples} failed; ` +
    `probe failures: ${probeFailures}; instances still running: ${stillRunning}/${ids.length}`);
  if (samplesAfter - samplesBefore !== checks || failedSamples || probeFailures || stillRunning !== ids.length) {
    console.error('Some checks did not pass: the figures above are not comparable.');
    process.exitCode = 1;
  }
}

function emptyTotals() {
  return { calls: 0, cpuUs: 0, userUs: 0, systemUs: 0, wallMs: 0, serverTicks: 0, databaseTicks: 0 };
}

async function measureBlock(targets, rounds, method, { serverPids, backends }) {
  const serversBefore = await cpuTicks(serverPids);
  const databaseBefore = await cpuTicks(backends);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let round = 0; round < rounds; round++) {
    env.throwIfInterrupted();
    for (const target of targets) await method(target);
  }
  const wallMs = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  const serversAfter = await cpuTicks(serverPids);
  const databaseAfter = await cpuTicks(backends);
  return {
    calls: rounds * targets.length,
    cpuUs: cpu.user + cpu.system,
    userUs: cpu.user,
    systemUs: cpu.system,
    wallMs,
    serverTicks: serversAfter - serversBefore,
    databaseTicks: databaseAfter - databaseBefore,
  };
}

/** The PostgreSQL backends serving this bench's database (Hearth's pool): same host, so /proc has them. */
async function databaseBackends(prisma) {
  const rows = await prisma.$queryRaw`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  return rows.map((r) => Number(r.pid));
}

/** utime + stime of these processes, in clock ticks; a process that is gone counts 0. */
async function cpuTicks(pids) {
  let total = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += Number(fields[11]) + Number(fields[12]);
  }
  return total;
}

await main();
