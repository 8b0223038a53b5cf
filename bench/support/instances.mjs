// What the instance benchmarks share: provisioning an instance through the API and timing it
// from the job's steps, destroying it, stopping whatever a failed run left behind, and printing
// medians and tables. Every wait is bounded and stops on Ctrl-C (BenchEnvironment.interrupted).
import { readFile, readdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sleep } from './hearth.mjs';

export const POLL_MS = 50;
export const HEALTH_CHECK_PART = 'one health check, passing';
export const JOB_TIMEOUT_MS = 180_000;

/**
 * POST /api/instances with `body`, then waits for the provisioning job and for the instance to
 * be `running`. With `healthCheck(id)` (e.g. HealthCheckJob.run), it then runs that check and
 * requires the sample it stored to pass: the worker's own first check comes only one
 * healthIntervalSec after provisioning. Answers the instance's id and name, the total time and
 * where it went (see segments()).
 */
export async function timeProvisioning(env, api, body, { healthCheck, jobTimeoutMs = JOB_TIMEOUT_MS } = {}) {
  const t0 = Date.now();
  const accepted = await api.post('/api/instances', body);
  if (accepted.status !== 202) throw new Error(`POST /api/instances (${body.kind}) answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  const tAccepted = Date.now();
  const { id, jobId } = accepted.body;
  const job = await waitJob(env, api, jobId, jobTimeoutMs);
  if (job.status !== 'succeeded') throw new Error(`Provisioning ${body.name} ${job.status}: ${job.error ?? JSON.stringify(job.steps)}`);
  await waitStatus(env, api, id, 'running');
  const tRunning = Date.now();
  let tHealthy = tRunning;
  if (healthCheck) {
    await healthCheck(id);
    await assertHealthy(api, id);
    tHealthy = Date.now();
  }
  return { id, name: body.name, totalMs: tHealthy - t0, segments: segments({ t0, tAccepted, tRunning, tHealthy }, job) };
}

/**
 * Where the time went, from the job's step timestamps: the POST until its 202 (validation,
 * port allocation, the row, enqueueing), the wait for a worker until the first step, each
 * step, the gaps between steps, after the last step until the API shows `running` (the job's
 * completion and our polling every POLL_MS) and, if asked for, one health check. The parts add
 * up to the total.
 */
export function segments({ t0, tAccepted, tRunning, tHealthy = tRunning }, job) {
  const steps = job.steps.filter((step) => step.startedAt && step.finishedAt);
  const parts = [{ name: 'POST /api/instances until its 202', ms: tAccepted - t0 }];
  if (!steps.length) {
    parts.push({ name: 'the job (no step timestamps)', ms: tRunning - tAccepted });
  } else {
    const start = (step) => Date.parse(step.startedAt);
    const finish = (step) => Date.parse(step.finishedAt);
    parts.push({ name: '202 until the first step (queue)', ms: start(steps[0]) - tAccepted });
    let gaps = 0;
    for (const [i, step] of steps.entries()) {
      parts.push({ name: `step ${step.name}`, ms: finish(step) - start(step) });
      if (i > 0) gaps += start(step) - finish(steps[i - 1]);
    }
    parts.push({ name: 'between steps', ms: gaps });
    parts.push({ name: 'after the last step (job end, polling)', ms: tRunning - finish(steps.at(-1)) });
  }
  if (tHealthy !== tRunning) parts.push({ name: HEALTH_CHECK_PART, ms: tHealthy - tRunning });
  return parts;
}

export async function waitJob(env, api, jobId, timeoutMs = JOB_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    env.throwIfInterrupted();
    const res = await api.get(`/api/jobs/${jobId}`);
    if (res.status !== 200) throw new Error(`GET /api/jobs/${jobId} answered ${res.status}: ${JSON.stringify(res.body)}`);
    if (['succeeded', 'failed', 'cancelled'].includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`Job ${jobId} (${res.body.type}) still ${res.body.status} after ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

export async function waitStatus(env, api, id, status) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    env.throwIfInterrupted();
    const res = await api.get(`/api/instances/${id}`);
    if (res.status === 200 && res.body.status === status) return res.body;
    if (Date.now() > deadline) throw new Error(`Instance ${id} is ${res.body?.status ?? res.status}, not ${status}`);
    await sleep(POLL_MS);
  }
}

async function assertHealthy(api, id) {
  const res = await api.get(`/api/instances/${id}`);
  if (res.body?.health?.status !== 'ok') throw new Error(`Instance ${id}'s health check did not pass: ${JSON.stringify(res.body?.health ?? res.body)}`);
}

/** Destroys one instance through the API and waits for the job; answers how long it took. */
export async function destroyOne(env, api, instance) {
  const started = Date.now();
  const jobId = await requestDestroy(api, instance);
  await settleDestroy(env, api, instance, jobId);
  return Date.now() - started;
}

/** Requests every destroy first, then waits for the jobs. */
export async function destroyMany(env, api, instances) {
  const jobs = [];
  for (const instance of instances) jobs.push({ instance, jobId: await requestDestroy(api, instance) });
  for (const { instance, jobId } of jobs) await settleDestroy(env, api, instance, jobId);
}

async function requestDestroy(api, { id, name }) {
  const res = await api.delete(`/api/instances/${id}?confirm=${encodeURIComponent(name)}&reason=benchmark`);
  if (res.status !== 202) throw new Error(`DELETE /api/instances/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.jobId;
}

async function settleDestroy(env, api, { id, name }, jobId) {
  const job = await waitJob(env, api, jobId);
  if (job.status !== 'succeeded') throw new Error(`Destroying ${name} ${job.status}: ${job.error}`);
  const res = await api.get(`/api/instances/${id}`);
  if (res.status !== 404) throw new Error(`${name} is still there after its destroy job (${res.status})`);
}

/** The server's pid, as the process runtime recorded it in the instance directory. */
export async function readServerPid(dir) {
  const record = JSON.parse(await readFile(join(dir, 'hearth', 'process.json'), 'utf8'));
  return record.pid;
}

/** Resident memory of a process in MiB (VmRSS), or undefined when it is gone. */
export async function residentMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kib = status && /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib ? Number(kib) / 1024 : undefined;
}

/**
 * The last resort after a failure or Ctrl-C: stops the server of every directory under the
 * instances directory (from its pidfile, plus leftovers whose working directory is inside it),
 * as the runtime's stop does. The directory itself goes with the data directory. Needs
 * `modules.ProcessRuntime` (runtimes/process/process.runtime.js).
 */
export async function sweepInstances(env, modules) {
  const names = await readdir(env.instancesDir).catch(() => []);
  if (!names.length) return;
  const { instanceUser } = modules.loadConfig(env.hearthEnv());
  const runtime = new modules.ProcessRuntime({ runAs: instanceUser });
  let stopped = 0;
  for (const name of names) {
    const result = await runtime.stop({ id: name, dir: join(env.instancesDir, name) }, { timeoutMs: 5_000 }).catch((error) => {
      console.error(`could not stop the instance in ${name}: ${error.message}`);
      return { wasRunning: false };
    });
    if (result.wasRunning) stopped++;
  }
  if (stopped) console.error(`stopped ${stopped} instance server(s) left running`);
}

/** One line per kind: each run's total, median, min and max, and the median destroy time. */
export function printRunTotals(kind, runs) {
  const totals = runs.map((r) => r.totalMs);
  console.log(`${kind}: POST → healthy ${totals.join(', ')} ms; median ${median(totals)} ms, min ${Math.min(...totals)} ms, ` +
    `max ${Math.max(...totals)} ms; destroy median ${median(runs.map((r) => r.destroyMs))} ms`);
}

/**
 * Where the time went, one column pair per kind: a part's median over the runs, and its share
 * of the summed time of all runs (so a slow first run weighs in).
 */
export function printBreakdown(runsByKind) {
  const kinds = Object.keys(runsByKind);
  const names = [...new Set(kinds.flatMap((kind) => runsByKind[kind].flatMap((r) => r.segments.map((s) => s.name))))];
  const rows = names.map((name) => [
    name,
    ...kinds.flatMap((kind) => {
      const runs = runsByKind[kind];
      const values = runs.map((r) => r.segments.find((s) => s.name === name)?.ms ?? 0);
      const sumTotal = runs.reduce((sum, r) => sum + r.totalMs, 0);
      return [String(median(values)), `${((values.reduce((a, b) => a + b, 0) / sumTotal) * 100).toFixed(1)} %`];
    }),
  ]);
  printTable(['part of the time', ...kinds.flatMap((kind) => [`${kind} median ms`, 'share'])], rows);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

export function loadAverage() {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
