import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestApp, type TestContext, bearer, waitFor } from '../support/context';

export interface JobBody {
  id: string;
  type: string;
  status: string;
  error?: string;
  steps: { name: string; status: string; error?: string }[];
}

/**
 * The API with its embedded worker, on the file's database, Redis prefix and a port range of
 * its own. Instances live below the file's data directory, which the instances' unprivileged
 * user must be able to enter.
 */
export async function startInstancesApp(context: TestContext, portRange: string, env: Record<string, string> = {}): Promise<TestApp> {
  await chmod(context.dataDir, 0o711);
  return context.startApp({ HEARTH_WORKER: 'embedded', HEARTH_INSTANCES_DIR: join(context.dataDir, 'instances'), HEARTH_PORT_RANGE: portRange, ...env });
}

/** Follows a job through the API until it has finished. */
export async function settled(app: TestApp, token: string, jobId: string, timeoutMs = 90_000): Promise<JobBody> {
  return waitFor(
    `job ${jobId} to finish`,
    async () => {
      const response = await app.http().get(`/api/jobs/${jobId}`).set(bearer(token));
      assert.equal(response.status, 200);
      return ['succeeded', 'failed', 'cancelled'].includes(response.body.status) ? (response.body as JobBody) : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** Asserts that the job succeeded with every step of its plan, in order. */
export function assertSucceeded(job: JobBody, steps: string[]): void {
  assert.equal(job.status, 'succeeded', `${job.type} failed: ${job.error ?? ''} ${JSON.stringify(job.steps)}`);
  assert.deepEqual(job.steps.map((s) => [s.name, s.status]), steps.map((name) => [name, 'succeeded']));
}
