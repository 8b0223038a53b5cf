import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type TestApp, bearer, useTestContext, waitFor } from '../support/context';
import { assertSucceeded, settled, startInstancesApp } from './support';

const context = useTestContext();
const PORTS = '26800-26819';
let first: TestApp;
let admin: { id: string; email: string; password: string };

before(async () => {
  first = await startInstancesApp(context, PORTS);
  admin = await first.createOperator('admin');
});

test('closing Hearth lets a running job finish before the database and Redis close', async () => {
  const token = await first.sessionFor(admin.id);
  const created = await first.http().post('/api/instances').set(bearer(token)).send({ name: 'shutdown', kind: 'prosody', domain: 'shutdown.family.test' });
  assert.equal(created.status, 202, created.text);
  await waitFor('the provisioning job to start', async () => {
    const run = await first.prisma.jobRun.findUniqueOrThrow({ where: { id: created.body.jobId } });
    return run.status === 'running' ? run : undefined;
  });
  await first.close();

  // A second Hearth on the same database sees how the first one left the job.
  const second = await startInstancesApp(context, PORTS);
  const secondToken = await second.sessionFor(admin.id);
  const job = await settled(second, secondToken, created.body.jobId);
  assertSucceeded(job, ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health']);

  const destroyed = await second.http().delete(`/api/instances/${created.body.id}?confirm=shutdown`).set(bearer(secondToken));
  assert.equal(destroyed.status, 202, destroyed.text);
  assert.equal((await settled(second, secondToken, destroyed.body.jobId)).status, 'succeeded');
});
