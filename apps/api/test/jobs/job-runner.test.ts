import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Worker, type WorkerOptions } from 'bullmq';
import { JobContext } from '../../src/jobs/job-context';
import { JobHandler } from '../../src/jobs/job-handler.decorator';
import { type HandlerEntry, JobPlans } from '../../src/jobs/job-plans';
import { JobQueue, QUEUE_NAME, bullConnection } from '../../src/jobs/job-queue';
import { JobRecords } from '../../src/jobs/job-records';
import { JobRunner } from '../../src/jobs/job-runner';
import type { JobName } from '../../src/jobs/job-types';
import { WorkerService } from '../../src/jobs/worker.service';
import { PruneJob } from '../../src/maintenance/prune.job';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';

// The job runner driven directly: real PostgreSQL records, a real BullMQ queue in Redis, and
// handlers of the test's own, so a worker can be made to crash in the middle of a step.
const context = useTestContext();
let app: TestApp;
let records: JobRecords;
let jobQueue: JobQueue;
let sweeper: WorkerService;
let adminToken: string;
const workers: Worker[] = [];

before(async () => {
  app = await context.startApp({ HEARTH_WORKER: 'off' });
  records = app.get(JobRecords);
  jobQueue = app.get(JobQueue);
  // The worker's settling logic, without starting its BullMQ worker.
  sweeper = new WorkerService(app.config, app.get(JobPlans), records, jobQueue);
  adminToken = await app.sessionFor((await app.createOperator('admin')).id);
});
context.onCleanup(() => Promise.all(workers.map((w) => w.close(true))));

const JOB = 'test.two-steps';
const STEPS = ['a', 'b'];
const TEN_MINUTES_AGO = () => new Date(Date.now() - 10 * 60_000);

function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  return { promise, open, fail };
}

/** A handler map with one two-step job whose steps do what the test says. */
function handlers(steps: { a: () => Promise<unknown>; b: () => Promise<unknown> }): Map<string, HandlerEntry> {
  return new Map([
    [
      JOB,
      {
        meta: { name: JOB as JobName, steps: () => STEPS, recorded: true },
        // Recorded jobs always get a context.
        run: async (_payload: unknown, context: JobContext | undefined) => {
          await context!.step('a', steps.a);
          await context!.step('b', steps.b);
          return { done: true };
        },
      },
    ],
  ]);
}

function startWorker(runner: JobRunner, options: Partial<WorkerOptions> = {}): Worker {
  const worker = new Worker(QUEUE_NAME, (job) => runner.process(job), {
    connection: bullConnection(app.config),
    prefix: app.config.redisPrefix,
    concurrency: 1,
    maxStalledCount: 1,
    // Each worker's stalled check also blocks all others' for this long: keep it short for every one.
    stalledInterval: 200,
    ...options,
  });
  // A force-closed worker reports the connection it lost; that is the point of these tests.
  worker.on('error', () => undefined);
  workers.push(worker);
  return worker;
}

async function enqueue(): Promise<string> {
  const run = await records.create({ type: JOB, payload: {}, steps: STEPS });
  await jobQueue.add(JOB, run.id, {});
  return run.id;
}

function stepOf(run: { steps: { name: string; status: string; startedAt: Date | null; error: string | null }[] }, name: string) {
  return run.steps.find((s) => s.name === name)!;
}

async function until(runId: string, predicate: (run: NonNullable<Awaited<ReturnType<JobRecords['find']>>>) => boolean, what: string) {
  return waitFor(what, async () => {
    const run = await records.find(runId);
    return run && predicate(run) ? run : undefined;
  });
}

describe('cancelling', () => {
  test('a queued job is cancelled at once and leaves the queue', async () => {
    const accepted = await app.http().post('/api/maintenance/prune').set(bearer(adminToken));
    assert.equal(accepted.status, 202);
    const { jobId } = accepted.body as { jobId: string };
    assert.equal(await jobQueue.state(jobId), 'waiting');
    const queued = await app.http().get(`/api/jobs/${jobId}`).set(bearer(adminToken));
    assert.equal(queued.body.status, 'queued');
    assert.deepEqual(queued.body.steps.map((s: { name: string; status: string }) => [s.name, s.status]), [['sessions', 'pending'], ['api-tokens', 'pending']], 'the plan is shown before it runs');

    const cancel = await app.http().post(`/api/jobs/${jobId}/cancel`).set(bearer(adminToken));
    assert.equal(cancel.status, 202);
    assert.deepEqual(cancel.body, { jobId });
    const job = (await app.http().get(`/api/jobs/${jobId}`).set(bearer(adminToken))).body;
    assert.equal(job.status, 'cancelled');
    assert.ok(job.steps.every((s: { status: string }) => s.status === 'skipped'));
    assert.equal(await jobQueue.state(jobId), 'unknown');
    const retried = await app.http().post(`/api/jobs/${jobId}/retry`).set(bearer(adminToken));
    assert.equal(retried.status, 202, 'a cancelled job can be retried');
    await app.http().post(`/api/jobs/${retried.body.jobId}/cancel`).set(bearer(adminToken));
  });

  test('a running job stops before its next step', async () => {
    const inA = gate();
    const releaseA = gate();
    let bRan = false;
    const worker = startWorker(new JobRunner(records, handlers({ a: async () => (inA.open(), releaseA.promise), b: async () => (bRan = true) }), 'w-cancel'));
    try {
      const runId = await enqueue();
      await inA.promise;
      const cancel = await app.http().post(`/api/jobs/${runId}/cancel`).set(bearer(adminToken));
      assert.equal(cancel.status, 202);
      assert.equal((await records.find(runId))!.status, 'running', 'the current step is not interrupted');
      releaseA.open();
      const run = await until(runId, (r) => r.status !== 'running', 'the cancelled run to stop');
      assert.equal(run.status, 'cancelled');
      assert.equal(bRan, false);
      assert.equal(stepOf(run, 'a').status, 'succeeded');
      assert.equal(stepOf(run, 'b').status, 'skipped');
    } finally {
      await worker.close();
    }
  });
});

test('a failing step fails the run with its error, keeping the steps before it', async () => {
  const worker = startWorker(new JobRunner(records, handlers({ a: async () => undefined, b: async () => Promise.reject(new Error('the disk is full')) }), 'w-fail'));
  try {
    const runId = await enqueue();
    const run = await until(runId, (r) => r.status === 'failed', 'the run to fail');
    assert.equal(run.error, 'the disk is full');
    assert.equal(stepOf(run, 'a').status, 'succeeded');
    assert.equal(stepOf(run, 'b').status, 'failed');
    assert.equal(stepOf(run, 'b').error, 'the disk is full');
    assert.equal(run.progress, 50);
    await waitFor('BullMQ to record the failure', async () => ((await jobQueue.state(runId)) === 'failed' ? true : undefined));
    const api = (await app.http().get(`/api/jobs/${runId}`).set(bearer(adminToken))).body;
    assert.equal(api.error, 'the disk is full');
    assert.equal(api.steps[1].error, 'the disk is full');
  } finally {
    await worker.close();
  }
});

test('a worker that dies mid-step: the run is resumed elsewhere, skipping the step already done', async () => {
  let aCalls = 0;
  const inB = gate();
  const blockB = gate();
  const first = startWorker(
    new JobRunner(records, handlers({ a: async () => aCalls++, b: async () => (inB.open(), blockB.promise) }), 'w-crashing'),
    // A short lock so the stall is noticed quickly once this worker stops renewing it.
    { lockDuration: 1000 },
  );
  const runId = await enqueue();
  await inB.promise;
  const beforeCrash = (await records.find(runId))!;
  assert.equal(beforeCrash.status, 'running');
  assert.equal(stepOf(beforeCrash, 'a').status, 'succeeded');
  assert.equal(stepOf(beforeCrash, 'b').status, 'running');

  // The crash: the worker goes away without finishing or releasing its job.
  await first.close(true);
  await app.prisma.jobRun.update({ where: { id: runId }, data: { heartbeatAt: TEN_MINUTES_AGO() } });
  // BullMQ still holds the job as active until its lock expires; the sweep leaves such runs to it.
  assert.equal(await jobQueue.state(runId), 'active');
  await sweeper.sweep();
  assert.equal((await records.find(runId))!.status, 'running');

  let bFinished = false;
  const second = startWorker(new JobRunner(records, handlers({ a: async () => aCalls++, b: async () => (bFinished = true) }), 'w-rescuer'), { lockDuration: 1000 });
  try {
    const run = await until(runId, (r) => r.status === 'succeeded' || r.status === 'failed', 'the stalled run to be resumed');
    assert.equal(run.status, 'succeeded', run.error ?? undefined);
    assert.equal(aCalls, 1, 'step a ran once, before the crash');
    assert.equal(bFinished, true);
    assert.equal(run.attempts, 2);
    assert.equal(run.workerId, 'w-rescuer');
    assert.equal(run.progress, 100);
    assert.deepEqual(stepOf(run, 'a').startedAt, stepOf(beforeCrash, 'a').startedAt, 'step a was not started again');
    assert.equal(stepOf(run, 'b').status, 'succeeded');
    assert.deepEqual(run.result, { done: true });
  } finally {
    await second.close();
    // Let the crashed worker's handler return, so nothing of it outlives the test.
    blockB.open();
  }
});

describe('the sweep settles runs whose worker went silent', () => {
  async function runStartedBy(workerId: string, aCalls: { count: number }) {
    const run = await records.create({ type: JOB, payload: {}, steps: STEPS });
    await records.start(run.id, workerId);
    const stepContext = new JobContext(run.id, records, STEPS, new Set());
    await stepContext.step('a', async () => aCalls.count++);
    await records.stepStarted(run.id, 'b');
    return run.id;
  }

  test('gone from the queue: failed with a clear error, not running forever', async () => {
    const runId = await runStartedBy('dead-host:1', { count: 0 });
    // Heard from recently: left alone.
    await sweeper.sweep();
    assert.equal((await records.find(runId))!.status, 'running');

    await app.prisma.jobRun.update({ where: { id: runId }, data: { heartbeatAt: TEN_MINUTES_AGO() } });
    assert.equal(await jobQueue.state(runId), 'unknown');
    await sweeper.sweep();
    const run = (await records.find(runId))!;
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'The worker stopped during this job');
    assert.ok(run.finishedAt);
    assert.equal(stepOf(run, 'a').status, 'succeeded');
    assert.equal(stepOf(run, 'b').status, 'failed');
    assert.equal(stepOf(run, 'b').error, 'The worker stopped during this job');
    const api = (await app.http().get(`/api/jobs/${runId}`).set(bearer(adminToken))).body;
    assert.equal(api.status, 'failed');
    assert.equal(api.error, 'The worker stopped during this job');
  });

  test('back in the queue: requeued, then resumed without redoing finished steps', async () => {
    const aCalls = { count: 0 };
    const runId = await runStartedBy('dead-host:2', aCalls);
    await app.prisma.jobRun.update({ where: { id: runId }, data: { heartbeatAt: TEN_MINUTES_AGO() } });
    await jobQueue.add(JOB, runId, {});
    assert.equal(await jobQueue.state(runId), 'waiting');
    await sweeper.sweep();
    assert.equal((await records.find(runId))!.status, 'queued');

    const worker = startWorker(new JobRunner(records, handlers({ a: async () => aCalls.count++, b: async () => undefined }), 'w-resume'));
    try {
      const run = await until(runId, (r) => r.status === 'succeeded' || r.status === 'failed', 'the requeued run');
      assert.equal(run.status, 'succeeded');
      assert.equal(aCalls.count, 1);
      assert.equal(run.attempts, 2);
      assert.ok(run.steps.every((s) => s.status === 'succeeded'));
    } finally {
      await worker.close();
    }
  });
});

describe('job plans', () => {
  class FakeDiscovery {
    constructor(private readonly instances: object[]) {}
    getProviders() {
      return this.instances.map((instance) => ({ instance }));
    }
  }
  const plansOf = (...instances: object[]) => new JobPlans(new FakeDiscovery(instances) as unknown as DiscoveryService, new MetadataScanner(), new Reflector());
  const prune = () => new PruneJob(undefined as never);

  class ExtraJob {
    @JobHandler('test.undeclared' as JobName, ['x'])
    async run(): Promise<void> {}
  }

  test('the app\'s handlers cover every declared job', () => {
    assert.doesNotThrow(() => app.get(JobPlans).assertComplete());
    assert.deepEqual(app.get(JobPlans).steps('console.prune', {}), ['sessions', 'api-tokens']);
  });

  test('a declared job without a handler is refused', () => {
    assert.throws(() => plansOf({ unrelated: true }).assertComplete(), /missing \[console\.prune, /);
    assert.throws(() => plansOf(prune()).assertComplete(), (error: Error) => /missing \[instance\./.test(error.message) && !error.message.includes('console.prune'));
  });

  test('a handler for an undeclared job is refused', () => {
    assert.throws(() => plansOf(prune(), new ExtraJob()).assertComplete(), /undeclared \[test\.undeclared\]/);
  });

  test('two handlers for one job are refused', () => {
    assert.throws(() => plansOf(prune(), prune()).all(), /Two handlers for job console\.prune/);
  });

  test('the worker refuses to start with an incomplete set', async () => {
    const worker = new WorkerService(app.config, plansOf(), records, jobQueue);
    await assert.rejects(worker.onApplicationBootstrap(), /missing \[console\.prune, /);
    await worker.onModuleDestroy();
  });

  test('a job nobody handles fails in the runner, not silently', async () => {
    const runner = new JobRunner(records, new Map(), 'w-none');
    await assert.rejects(runner.process({ name: 'console.prune', data: {} } as never), /No handler for job console\.prune/);
  });

  test('a step outside the plan is a programming error', async () => {
    const run = await records.create({ type: JOB, payload: {}, steps: STEPS });
    const stepContext = new JobContext(run.id, records, STEPS, new Set());
    await assert.rejects(stepContext.step('c', async () => undefined), /Step "c" is not in this job's plan/);
  });
});
