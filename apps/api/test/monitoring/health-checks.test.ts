import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, test } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import type { Instance } from '../../src/generated/prisma/client';
import { JobQueue } from '../../src/jobs/job-queue';
import { HealthScheduleService } from '../../src/monitoring/health-schedule.service';
import { DEFAULT_RESTART_POLICY } from '../../src/runtimes/restart-policy';
import { makeBaseDir } from '../instances/support';
import { type TestApp, useTestContext, waitFor } from '../support/context';
import { runningProsody, serverPid, startWorker, statusChanges, stopServer } from './support';

// Health checks of real Prosody servers, run by a real worker through their BullMQ job
// schedulers every second: samples, status changes, crash recovery and the crash-loop limit.
const context = useTestContext();
let app: TestApp;
let worker: INestApplicationContext;
let base: Awaited<ReturnType<typeof makeBaseDir>>;
const instances: Instance[] = [];

before(async () => {
  app = await context.startApp({ HEARTH_WORKER: 'off' });
  base = await makeBaseDir('monitoring');
  worker = await startWorker(app);
});
context.onCleanup(async () => {
  await worker.close();
  for (const row of instances) await stopServer(app, row).catch(() => undefined);
  await base.remove();
});

async function prosody(name: string): Promise<Instance> {
  const row = await runningProsody(app, base.dir, name);
  instances.push(row);
  return row;
}

const status = async (id: string) => (await app.prisma.instance.findUniqueOrThrow({ where: { id } })).status;
const statusBecomes = (id: string, wanted: string, timeoutMs = 15_000) =>
  waitFor(`status ${wanted}`, async () => ((await status(id)) === wanted ? true : undefined), { timeoutMs });
const restartsQueued = (id: string, since: Date) =>
  app.prisma.jobRun.findMany({ where: { type: 'instance.start', payload: { path: ['instanceId'], equals: id }, createdAt: { gte: since } } });

/** Waits until the worker went through `n` more rounds of checks (seen on the first instance, which keeps running). */
async function checkRounds(n: number): Promise<void> {
  const since = new Date();
  await waitFor(`${n} rounds of checks`, async () => ((await app.prisma.healthSample.count({ where: { instanceId: family.id, at: { gt: since } } })) >= n ? true : undefined));
}

/** Samples taken after the last healthy one and before `until`: the failed checks of an outage. */
async function failedChecksBefore(id: string, until: Date): Promise<number> {
  const lastOk = await app.prisma.healthSample.findFirst({ where: { instanceId: id, ok: true, at: { lt: until } }, orderBy: { at: 'desc' } });
  return app.prisma.healthSample.count({ where: { instanceId: id, ok: false, at: { gt: lastOk?.at ?? new Date(0), lt: until } } });
}

let family: Instance;

test('health checks store samples and mark a healthy instance running', async () => {
  family = await prosody('family');
  await statusBecomes(family.id, 'running');
  await waitFor('two samples', async () => ((await app.prisma.healthSample.count({ where: { instanceId: family.id } })) >= 2 ? true : undefined));
  const samples = await app.prisma.healthSample.findMany({ where: { instanceId: family.id }, orderBy: { at: 'asc' } });
  for (const sample of samples) {
    assert.equal(sample.ok, true);
    assert.ok(sample.latencyMs !== null && sample.latencyMs >= 0);
    const checks = sample.checks as { name: string; ok: boolean }[];
    assert.ok(checks.length >= 2 && checks.every((check) => check.ok), JSON.stringify(checks));
  }
  const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: family.id } });
  assert.ok(row.lastHealthAt && row.lastHealthyAt);
  assert.ok(row.lastHealthAt.getTime() >= samples[0]!.at.getTime());
  const [change] = await statusChanges(app, family.id);
  assert.equal(change?.fromStatus, 'down');
  assert.equal(change?.toStatus, 'running');
  assert.match(change!.reason, /^Healthy: the server answers \(\d+ ms\)$/);
});

test('kill -9: the next check records the crash and marks it down, a restart follows and the outage is on record', async () => {
  const pid = await serverPid(app, family);
  assert.ok(pid);
  const killedAt = new Date();
  process.kill(pid, 'SIGKILL');

  const crash = await waitFor('the crash event', () => app.prisma.instanceEvent.findFirst({ where: { instanceId: family.id, type: 'crash', at: { gte: killedAt } } }).then((e) => e ?? undefined));
  assert.match(crash.reason, /^The server process exited unexpectedly\.\nIts last output:\n.+/);
  // Noticed within two check intervals: at most the check already under way when it died came first.
  const checksInBetween = await app.prisma.healthSample.count({ where: { instanceId: family.id, ok: true, at: { gt: killedAt, lt: crash.at } } });
  assert.ok(checksInBetween <= 1, `${checksInBetween} healthy samples between the kill and the crash event`);

  // Recorded once the restart is queued.
  const restartEvent = await waitFor('the restart event', () => app.prisma.instanceEvent.findFirst({ where: { instanceId: family.id, type: 'restart', at: { gte: killedAt } } }).then((e) => e ?? undefined));
  assert.equal(restartEvent.reason, 'Restart 1 after a crash, in 1 s');
  const [restart] = await restartsQueued(family.id, killedAt);
  assert.ok(restart, 'an instance.start job was queued');
  assert.equal(restart.targetType, 'instance');
  assert.equal(restart.targetId, family.id);
  assert.equal(restart.createdById, null, 'queued by supervision, not by an operator');

  await statusBecomes(family.id, 'running');
  const newPid = await serverPid(app, family);
  assert.ok(newPid && newPid !== pid, 'a new server process');
  const changes = await statusChanges(app, family.id, killedAt);
  assert.deepEqual(changes.map((e) => `${e.fromStatus}→${e.toStatus}`), ['running→down', 'down→running']);
  assert.match(changes[0]!.reason, /exited unexpectedly; Hearth restarts it in 1 s/);
  const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: family.id } });
  assert.equal(row.recentCrashes.length, 1);
  assert.ok(row.recentCrashes[0]!.getTime() >= killedAt.getTime());
  assert.equal((await restartsQueued(family.id, killedAt)).length, 1, 'one restart for one crash');
});

test('a crash loop ends in failed, with no more restarts', async () => {
  const club = await prosody('club');
  await statusBecomes(club.id, 'running');
  // Four crashes in the last minutes already: the next one reaches the policy's limit.
  const earlier = [12, 9, 6, 3].map((minutes) => new Date(Date.now() - minutes * 60_000));
  assert.equal(earlier.length + 1, DEFAULT_RESTART_POLICY.maxCrashes);
  await app.prisma.instance.update({ where: { id: club.id }, data: { recentCrashes: earlier } });
  const killedAt = new Date();
  process.kill((await serverPid(app, club))!, 'SIGKILL');

  await statusBecomes(club.id, 'failed');
  const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: club.id } });
  assert.equal(row.statusReason, 'Crash loop: 5 crashes in 15 min; restart it by hand after fixing the cause');
  // Two more checks see it gone and leave it alone.
  const failedAt = new Date();
  await waitFor('two more checks', async () => ((await app.prisma.healthSample.count({ where: { instanceId: club.id, at: { gt: failedAt } } })) >= 2 ? true : undefined));
  assert.equal(await status(club.id), 'failed');
  assert.equal(await serverPid(app, club), undefined, 'not started again');
  assert.deepEqual(await restartsQueued(club.id, killedAt), []);
  assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: club.id, type: 'crash', at: { gte: killedAt } } }), 1);
  assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: club.id, type: 'restart' } }), 0);
  const changes = await statusChanges(app, club.id, killedAt);
  assert.deepEqual(changes.map((e) => `${e.fromStatus}→${e.toStatus}`), ['running→failed']);
});

test('wanted stopped: a server that goes away is stopped, not crashed, and not restarted', async () => {
  const scouts = await prosody('scouts');
  await statusBecomes(scouts.id, 'running');
  await app.prisma.instance.update({ where: { id: scouts.id }, data: { desiredState: 'stopped' } });
  const killedAt = new Date();
  process.kill((await serverPid(app, scouts))!, 'SIGKILL');

  await statusBecomes(scouts.id, 'stopped');
  const [change] = await statusChanges(app, scouts.id, killedAt);
  assert.equal(change?.reason, 'Stopped, as an operator asked');
  await checkRounds(2);
  assert.equal(await status(scouts.id), 'stopped');
  assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: scouts.id, type: { in: ['crash', 'restart'] } } }), 0);
  assert.deepEqual(await restartsQueued(scouts.id, killedAt), []);
  assert.equal(await serverPid(app, scouts), undefined);
});

test('a server that stops answering is degraded at the first failed check and down at the second, then recovers', async () => {
  const choir = await prosody('choir');
  await statusBecomes(choir.id, 'running');
  const pid = (await serverPid(app, choir))!;
  const frozenAt = new Date();
  process.kill(pid, 'SIGSTOP');
  try {
    await statusBecomes(choir.id, 'down');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const [degraded, down] = await statusChanges(app, choir.id, frozenAt);
  assert.equal(`${degraded?.fromStatus}→${degraded?.toStatus}`, 'running→degraded');
  assert.match(degraded!.reason, /^The health check failed \(.+\); the server process is running$/);
  assert.equal(`${down?.fromStatus}→${down?.toStatus}`, 'degraded→down');
  assert.match(down!.reason, /^The health check failed twice in a row/);
  assert.equal(await failedChecksBefore(choir.id, degraded!.at), 1);
  assert.equal(await failedChecksBefore(choir.id, down!.at), 2, 'down after exactly two failed checks: within two intervals');

  await statusBecomes(choir.id, 'running');
  assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: choir.id, type: 'crash' } }), 0, 'a hanging server is no crash');
  assert.equal(await serverPid(app, choir), pid, 'the same process, never restarted');
});

test('checks skip instances a job owns, and a deleted instance loses its scheduler', async () => {
  const schedules = app.get(HealthScheduleService);
  const provisioning = await app.prisma.instance.create({
    data: { name: 'halfway', kind: 'prosody', domain: 'halfway.test', runtime: 'process', bindAddress: '127.0.0.1', dir: `${base.dir}/halfway`, status: 'provisioning' },
  });
  await schedules.schedule(provisioning.id, 1);
  const gone = randomUUID();
  await schedules.schedule(gone, 1);
  const schedulerKeys = async () => (await app.get(JobQueue).queue.getJobSchedulers()).map((s) => s.key);
  await waitFor('the scheduler of the unknown instance to go', async () => (!(await schedulerKeys()).includes(HealthScheduleService.schedulerId(gone)) ? true : undefined));
  await checkRounds(2);
  // By now the provisioning instance had its checks too: none touched it.
  assert.ok((await schedulerKeys()).includes(HealthScheduleService.schedulerId(provisioning.id)));
  const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: provisioning.id } });
  assert.equal(row.status, 'provisioning');
  assert.equal(row.lastHealthAt, null);
  assert.equal(await app.prisma.healthSample.count({ where: { instanceId: provisioning.id } }), 0);
  assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: provisioning.id } }), 0);
  await schedules.unschedule(provisioning.id);
  await app.prisma.instance.delete({ where: { id: provisioning.id } });
});

test('a restarted worker keeps track: the same schedulers, no duplicates, checks go on', async () => {
  const queue = app.get(JobQueue).queue;
  const healthSchedulers = async () => (await queue.getJobSchedulers()).filter((s) => s.key.startsWith('health:'));
  const before = await healthSchedulers();
  assert.deepEqual(before.map((s) => s.key).sort(), instances.map((i) => HealthScheduleService.schedulerId(i.id)).sort());

  await worker.close();
  // A scheduler lost meanwhile (a flushed Redis, say) is put back when the worker starts.
  await app.get(HealthScheduleService).unschedule(family.id);
  const restartedAt = new Date();
  worker = await startWorker(app);

  // Every instance but the one wanted stopped (those take no samples).
  const checked = instances.filter((i) => i.name !== 'scouts');
  await waitFor('checks of every instance after the restart', async () => {
    const counts = await Promise.all(checked.map((i) => app.prisma.healthSample.count({ where: { instanceId: i.id, at: { gt: restartedAt } } })));
    return counts.every((n) => n >= 2) ? true : undefined;
  });
  const after = await healthSchedulers();
  assert.deepEqual(after.map((s) => s.key).sort(), before.map((s) => s.key).sort());
  assert.ok(after.every((s) => Number(s.every) === 1000));
  // One pending check per instance: no scheduler was doubled.
  const pending = [...(await queue.getDelayed()), ...(await queue.getWaiting())].filter((job) => job.name === 'instance.health-check');
  const perInstance = new Map<string, number>();
  for (const job of pending) perInstance.set(job.data.instanceId, (perInstance.get(job.data.instanceId) ?? 0) + 1);
  assert.ok([...perInstance.values()].every((n) => n === 1), JSON.stringify([...perInstance]));
  assert.equal(await status(family.id), 'running');
});
