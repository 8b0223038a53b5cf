import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
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
  const app = await context.startApp({ HEARTH_WORKER: 'embedded', HEARTH_INSTANCES_DIR: join(context.dataDir, 'instances'), HEARTH_PORT_RANGE: portRange, ...env });
  // Servers are detached and outlive Hearth on purpose: a test must end every one it started,
  // whatever its own tests did, or they hold their ports (and memory) on the machine for good.
  context.onCleanup(() => destroyAllInstances(app));
  return app;
}

async function destroyAllInstances(app: TestApp): Promise<void> {
  const host = app.get(HomeserverHost);
  for (const row of await app.prisma.instance.findMany()) {
    const { driver, context } = host.context(row);
    await driver.destroy?.(context).catch((error: Error) => console.error(`dropping ${row.name}'s database:`, error.message));
    await context.runtime.destroy(context.spec).catch((error: Error) => console.error(`destroying ${row.name}:`, error.message));
  }
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
