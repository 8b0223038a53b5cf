import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import type { Instance } from '../../src/generated/prisma/client';
import { JobQueue } from '../../src/jobs/job-queue';
import { JobsService } from '../../src/jobs/jobs.service';
import { InstanceEventsService } from '../../src/monitoring/instance-events.service';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { startWorker } from './support';

// The health history of an instance over the API, and the daily prune of old samples.
const context = useTestContext();
let app: TestApp;
let worker: INestApplicationContext;
let viewer: string;
let instance: Instance;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const now = Date.now();
const ago = (ms: number) => new Date(now - ms);

before(async () => {
  app = await context.startApp({ HEARTH_WORKER: 'off' });
  viewer = await app.sessionFor((await app.createOperator('viewer')).id);
  worker = await startWorker(app);
  // Made after the worker started: no health-check scheduler adds samples of its own.
  instance = await app.prisma.instance.create({
    data: { name: 'family', kind: 'prosody', domain: 'family.example', runtime: 'process', bindAddress: '127.0.0.1', dir: '/nonexistent/family', status: 'running' },
  });
  // One sample a minute for the last ten minutes, the one five minutes ago failing.
  await app.prisma.healthSample.createMany({
    data: Array.from({ length: 10 }, (_, i) => ({
      instanceId: instance.id,
      at: ago((10 - i) * MINUTE),
      ok: i !== 5,
      latencyMs: i === 5 ? null : 10 + i,
      checks: [{ name: 'c2s', ok: i !== 5, detail: i === 5 ? 'connection refused' : 'stream features received', latencyMs: 10 + i }],
    })),
  });
});
context.onCleanup(() => worker.close());

describe('GET /api/instances/:id/health-samples', () => {
  const samples = (query = '') => app.http().get(`/api/instances/${instance.id}/health-samples${query}`).set(bearer(viewer));

  test('all samples, oldest first, with their checks', async () => {
    const response = await samples();
    assert.equal(response.status, 200);
    assert.equal(response.body.total, 10);
    const ats = response.body.data.map((s: { at: string }) => s.at);
    assert.deepEqual(ats, [...ats].sort());
    assert.deepEqual(response.body.data[5], {
      at: ago(5 * MINUTE).toISOString(),
      ok: false,
      latencyMs: null,
      checks: [{ name: 'c2s', ok: false, detail: 'connection refused', latencyMs: 15 }],
    });
  });

  test('since, until and limit: the newest `limit` of the range', async () => {
    const range = await samples(`?since=${encodeURIComponent(ago(6 * MINUTE).toISOString())}&until=${encodeURIComponent(ago(2 * MINUTE).toISOString())}`);
    assert.equal(range.status, 200);
    assert.equal(range.body.total, 5);
    assert.deepEqual(range.body.data.map((s: { at: string }) => s.at), [6, 5, 4, 3, 2].map((m) => ago(m * MINUTE).toISOString()));
    const limited = await samples('?limit=3');
    assert.equal(limited.body.total, 10);
    assert.deepEqual(limited.body.data.map((s: { at: string }) => s.at), [3, 2, 1].map((m) => ago(m * MINUTE).toISOString()));
  });

  test('unknown instance: 404 instance/not_found; bad query: 400', async () => {
    const unknown = await app.http().get(`/api/instances/${randomUUID()}/health-samples`).set(bearer(viewer));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'instance/not_found');
    for (const query of ['?since=yesterday', '?limit=0', '?limit=10001']) {
      const response = await samples(query);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.code, 'request/invalid');
    }
  });
});

describe('GET /api/instances/:id/events', () => {
  test('newest first, paged, with the reasons', async () => {
    const events = app.get(InstanceEventsService);
    // A few milliseconds apart: event times have millisecond precision.
    const apart = () => new Promise((resolve) => setTimeout(resolve, 5));
    await events.transition(instance.id, 'degraded', 'The health check failed (c2s: connection refused); the server process is running');
    await apart();
    await events.transition(instance.id, 'down', 'The health check failed twice in a row (c2s: connection refused)');
    await apart();
    await events.record(instance.id, 'crash', 'The server process exited unexpectedly.');
    await apart();
    await events.transition(instance.id, 'running', 'Healthy: the server answers (12 ms)');

    const page1 = await app.http().get(`/api/instances/${instance.id}/events?perPage=3`).set(bearer(viewer));
    assert.equal(page1.status, 200);
    assert.equal(page1.body.total, 4);
    assert.deepEqual(
      page1.body.data.map((e: { type: string; fromStatus: string | null; toStatus: string | null }) => [e.type, e.fromStatus, e.toStatus]),
      [['status-change', 'down', 'running'], ['crash', null, null], ['status-change', 'degraded', 'down']],
    );
    assert.equal(page1.body.data[0].reason, 'Healthy: the server answers (12 ms)');
    const page2 = await app.http().get(`/api/instances/${instance.id}/events?perPage=3&page=2`).set(bearer(viewer));
    assert.deepEqual(page2.body.data.map((e: { toStatus: string }) => e.toStatus), ['degraded']);
    const oldestFirst = await app.http().get(`/api/instances/${instance.id}/events?order=ASC`).set(bearer(viewer));
    assert.equal(oldestFirst.body.data[0].toStatus, 'degraded');
  });

  test('a conditional transition changes nothing once the status or the wish moved on', async () => {
    const events = app.get(InstanceEventsService);
    const before = await app.prisma.instanceEvent.count({ where: { instanceId: instance.id } });
    assert.equal(await events.transition(instance.id, 'degraded', 'a stale check', { from: 'down' }), undefined);
    assert.equal(await events.transition(instance.id, 'stopped', 'a stale check', { desiredState: 'stopped' }), undefined);
    const row = await app.prisma.instance.findUniqueOrThrow({ where: { id: instance.id } });
    assert.deepEqual([row.status, row.statusReason], ['running', 'Healthy: the server answers (12 ms)']);
    assert.equal(await app.prisma.instanceEvent.count({ where: { instanceId: instance.id } }), before);
    const applied = await events.transition(instance.id, 'degraded', 'a current check', { from: 'running', desiredState: 'running' });
    assert.equal(applied?.toStatus, 'degraded');
    await events.transition(instance.id, 'running', 'Healthy: the server answers (12 ms)');
  });

  test('unknown instance: 404 instance/not_found', async () => {
    const response = await app.http().get(`/api/instances/${randomUUID()}/events`).set(bearer(viewer));
    assert.equal(response.status, 404);
    assert.equal(response.body.code, 'instance/not_found');
  });
});

describe('monitoring.prune-samples', () => {
  test('is scheduled daily and deletes samples older than the retention period only, in batches', async () => {
    const scheduler = (await app.get(JobQueue).queue.getJobSchedulers()).find((s) => s.key === 'monitoring.prune-samples');
    assert.equal(Number(scheduler?.every), DAY);
    // The worker runs it once as it starts; wait for that run, so it can't take the samples below.
    await waitFor('the start-up prune', async () => {
      const run = await app.prisma.jobRun.findFirst({ where: { type: 'monitoring.prune-samples' } });
      return run && run.status !== 'queued' && run.status !== 'running' ? run : undefined;
    });

    // More than two batches of expired samples, and some just inside the 30-day default.
    const expired = 12_000;
    await app.prisma.healthSample.createMany({
      data: Array.from({ length: expired }, (_, i) => ({ instanceId: instance.id, at: ago(31 * DAY + i * MINUTE), ok: true, latencyMs: 5, checks: [] })),
    });
    await app.prisma.healthSample.createMany({
      data: [29, 20].map((days) => ({ instanceId: instance.id, at: ago(days * DAY), ok: true, latencyMs: 5, checks: [] })),
    });
    const kept = await app.prisma.healthSample.count({ where: { at: { gt: ago(30 * DAY) } } });

    const jobId = await app.get(JobsService).enqueue('monitoring.prune-samples', {});
    const run = await waitFor('the prune', async () => {
      const found = await app.prisma.jobRun.findUniqueOrThrow({ where: { id: jobId } });
      return found.status === 'succeeded' || found.status === 'failed' ? found : undefined;
    });
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.equal((run.result as { deleted: number }).deleted, expired);
    assert.equal(await app.prisma.healthSample.count({ where: { at: { lte: ago(30 * DAY) } } }), 0);
    assert.equal(await app.prisma.healthSample.count(), kept);
    assert.equal(kept, 12);
  });
});
