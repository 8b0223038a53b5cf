import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { JobQueue } from '../../src/jobs/job-queue';
import { JobRecords } from '../../src/jobs/job-records';
import { assertAuditTrailComplete, lastAudit } from '../support/audit';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';

// The API with its embedded worker: a job goes from POST to a finished run in PostgreSQL.
const context = useTestContext();
let app: TestApp;
let adminId: string;
let adminToken: string;
let viewerToken: string;

before(async () => {
  app = await context.startApp({ HEARTH_WORKER: 'embedded' });
  adminId = (await app.createOperator('admin')).id;
  adminToken = await app.sessionFor(adminId);
  viewerToken = await app.sessionFor((await app.createOperator('viewer')).id);
});

interface JobBody {
  id: string;
  type: string;
  status: string;
  progress: number;
  attempts: number;
  error?: string;
  steps: { name: string; status: string; startedAt: string | null; finishedAt: string | null; error?: string }[];
  startedAt: string | null;
  finishedAt: string | null;
}

async function settled(jobId: string): Promise<JobBody> {
  return waitFor(`job ${jobId} to finish`, async () => {
    const response = await app.http().get(`/api/jobs/${jobId}`).set(bearer(viewerToken));
    assert.equal(response.status, 200);
    return ['succeeded', 'failed', 'cancelled'].includes(response.body.status) ? (response.body as JobBody) : undefined;
  });
}

const ago = (ms: number) => new Date(Date.now() - ms);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

test('the hourly prune is scheduled and runs once at start-up', async () => {
  const schedulers = await app.get(JobQueue).queue.getJobSchedulers();
  const prune = schedulers.find((s) => s.key === 'console.prune');
  assert.ok(prune, 'a scheduler for console.prune');
  assert.equal(Number(prune.every), HOUR);
  const run = await waitFor('the start-up prune', async () => {
    const found = await app.prisma.jobRun.findFirst({ where: { type: 'console.prune', createdById: null } });
    return found && found.status !== 'queued' && found.status !== 'running' ? found : undefined;
  });
  assert.equal(run.status, 'succeeded');
});

describe('POST /api/maintenance/prune', () => {
  const kept: string[] = [];
  const pruned: string[] = [];
  let jobId: string;

  before(async () => {
    const session = async (data: { expiresAt: Date; revokedAt?: Date }) =>
      (await app.prisma.session.create({ data: { operatorId: adminId, tokenHash: randomUUID(), ...data } })).id;
    const token = async (data: { expiresAt?: Date; revokedAt?: Date }) =>
      (await app.prisma.apiToken.create({ data: { operatorId: adminId, name: 't', role: 'viewer', prefix: 'ht_x', tokenHash: randomUUID(), ...data } })).id;
    pruned.push(await session({ expiresAt: ago(2 * DAY) }));
    pruned.push(await session({ expiresAt: new Date(Date.now() + HOUR), revokedAt: ago(2 * DAY) }));
    kept.push(await session({ expiresAt: new Date(Date.now() + HOUR) }));
    kept.push(await session({ expiresAt: ago(HOUR) }), await session({ expiresAt: new Date(Date.now() + HOUR), revokedAt: ago(HOUR) }));
    pruned.push(await token({ expiresAt: ago(40 * DAY) }), await token({ revokedAt: ago(40 * DAY) }));
    kept.push(await token({}), await token({ expiresAt: ago(10 * DAY) }), await token({ expiresAt: new Date(Date.now() + DAY) }));
  });

  test('answers 202 with the job id', async () => {
    const response = await app.http().post('/api/maintenance/prune').set(bearer(adminToken));
    assert.equal(response.status, 202);
    assert.deepEqual(Object.keys(response.body), ['jobId']);
    jobId = response.body.jobId;
    const event = await lastAudit(app, 'maintenance.prune');
    assert.equal(event.result, 'success');
    assert.equal(event.targetId, jobId);
  });

  test('the run succeeds with both steps done and progress 100', async () => {
    const job = await settled(jobId);
    assert.equal(job.status, 'succeeded', job.error);
    assert.equal(job.type, 'console.prune');
    assert.equal(job.progress, 100);
    assert.equal(job.attempts, 1);
    assert.equal(job.error, undefined);
    assert.deepEqual(job.steps.map((s) => [s.name, s.status]), [['sessions', 'succeeded'], ['api-tokens', 'succeeded']]);
    for (const step of job.steps) {
      assert.ok(step.startedAt && step.finishedAt && step.startedAt <= step.finishedAt);
    }
    assert.ok(job.startedAt && job.finishedAt && job.startedAt <= job.finishedAt);
  });

  test('it deleted the long-dead sessions and tokens, and only those', async () => {
    const sessions = (await app.prisma.session.findMany({ select: { id: true } })).map((s) => s.id);
    const tokens = (await app.prisma.apiToken.findMany({ select: { id: true } })).map((t) => t.id);
    const remaining = new Set([...sessions, ...tokens]);
    for (const id of pruned) assert.ok(!remaining.has(id), `${id} was pruned`);
    for (const id of kept) assert.ok(remaining.has(id), `${id} was kept`);
    const run = await app.prisma.jobRun.findUniqueOrThrow({ where: { id: jobId } });
    assert.deepEqual(run.result, { sessions: 2, apiTokens: 2 });
    assert.equal(run.createdById, adminId);
    // The operator's own live session is untouched.
    assert.equal((await app.http().get('/api/auth/me').set(bearer(adminToken))).status, 200);
  });

  test('a finished job can be neither retried nor cancelled', async () => {
    const retry = await app.http().post(`/api/jobs/${jobId}/retry`).set(bearer(adminToken));
    assert.equal(retry.status, 409);
    assert.equal(retry.body.code, 'job/not_retryable');
    assert.equal((await lastAudit(app, 'job.retry')).result, 'failure');
    const cancel = await app.http().post(`/api/jobs/${jobId}/cancel`).set(bearer(adminToken));
    assert.equal(cancel.status, 409);
    assert.equal(cancel.body.code, 'job/not_cancellable');
    assert.equal((await lastAudit(app, 'job.cancel')).result, 'failure');
  });

  test('the job list filters by status and type', async () => {
    const response = await app.http().get('/api/jobs?status=succeeded&type=console.prune&perPage=100').set(bearer(viewerToken));
    assert.equal(response.status, 200);
    assert.ok(response.body.data.some((j: JobBody) => j.id === jobId));
    assert.ok(response.body.data.every((j: JobBody) => j.status === 'succeeded' && j.type === 'console.prune'));
    assert.equal((await app.http().get('/api/jobs?status=failed').set(bearer(viewerToken))).body.total, 0);
  });
});

describe('jobs API', () => {
  test('a failed run is retried as a new run that succeeds', async () => {
    const records = app.get(JobRecords);
    const failed = await records.create({ type: 'console.prune', payload: {}, steps: ['sessions', 'api-tokens'] });
    await records.fail(failed.id, 'the disk was full');
    const before = await app.http().get(`/api/jobs/${failed.id}`).set(bearer(viewerToken));
    assert.equal(before.body.status, 'failed');
    assert.equal(before.body.error, 'the disk was full');

    const response = await app.http().post(`/api/jobs/${failed.id}/retry`).set(bearer(adminToken));
    assert.equal(response.status, 202);
    const newId = response.body.jobId as string;
    assert.notEqual(newId, failed.id);
    assert.equal((await settled(newId)).status, 'succeeded');
    const run = await app.prisma.jobRun.findUniqueOrThrow({ where: { id: newId } });
    assert.equal(run.retryOfId, failed.id);
    assert.equal(run.createdById, adminId);
    assert.equal((await app.prisma.jobRun.findUniqueOrThrow({ where: { id: failed.id } })).status, 'failed', 'the old run stays as it was');
    const event = await lastAudit(app, 'job.retry');
    assert.equal(event.result, 'success');
    assert.equal(event.targetId, failed.id);
    assert.deepEqual(event.detail, { newJobId: newId });
  });

  test('viewers follow jobs but may not start, retry or cancel them', async () => {
    const [run] = await app.prisma.jobRun.findMany({ take: 1 });
    assert.equal((await app.http().get(`/api/jobs/${run!.id}`).set(bearer(viewerToken))).status, 200);
    for (const path of ['/api/maintenance/prune', `/api/jobs/${run!.id}/retry`, `/api/jobs/${run!.id}/cancel`]) {
      assert.equal((await app.http().post(path).set(bearer(viewerToken))).status, 403, path);
    }
  });

  test('unknown job ids are 404, malformed ones 400', async () => {
    for (const path of ['/api/jobs/0b0c0d0e-0000-4000-8000-000000000000', '/api/jobs/0b0c0d0e-0000-4000-8000-000000000000/retry', '/api/jobs/0b0c0d0e-0000-4000-8000-000000000000/cancel']) {
      const response = path.endsWith('0000') ? await app.http().get(path).set(bearer(adminToken)) : await app.http().post(path).set(bearer(adminToken));
      assert.equal(response.status, 404, path);
      assert.equal(response.body.code, 'job/not_found');
    }
    assert.equal((await app.http().get('/api/jobs/42').set(bearer(adminToken))).status, 400);
  });
});

test('audit: one event per mutating request, and no secret in any of them', async () => {
  await assertAuditTrailComplete(app, context);
});
