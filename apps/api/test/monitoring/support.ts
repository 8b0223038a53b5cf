import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type DynamicModule, type INestApplicationContext, Injectable, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { PrismaService } from '../../src/database/prisma.service';
import { generateSecrets } from '../../src/drivers/secrets';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import type { Instance } from '../../src/generated/prisma/client';
import { HomeserverHost } from '../../src/instances/homeserver-host.service';
import type { JobContext } from '../../src/jobs/job-context';
import { JobHandler } from '../../src/jobs/job-handler.decorator';
import { JobPlans } from '../../src/jobs/job-plans';
import { JOB_NAMES, type JobName, type JobPayloads } from '../../src/jobs/job-types';
import { createLogger } from '../../src/logger';
import { HealthScheduleService } from '../../src/monitoring/health-schedule.service';
import { allocatePorts } from '../../src/runtimes/ports';
import type { TestApp } from '../support/context';

/**
 * A worker as main.worker.ts starts it, on the test file's database and Redis prefix. The
 * worker refuses to start while a declared job has no handler; declared jobs whose handlers
 * are not in the app yet get stand-ins here: `instance.start` starts the server through the
 * runtime (enough for crash recovery to be seen end to end), the others do nothing. Once every
 * handler exists, no stand-in is made.
 */
export async function startWorker(app: TestApp): Promise<INestApplicationContext> {
  const handled = app.get(JobPlans).all();
  const missing = JOB_NAMES.filter((name) => !handled.has(name));
  @Module({})
  class TestWorkerModule {}
  const module: DynamicModule = { module: TestWorkerModule, imports: [AppModule.forWorker(app.config)], providers: missing.length ? [standIns(missing)] : [] };
  return NestFactory.createApplicationContext(module, { logger: createLogger(app.config) });
}

function standIns(names: JobName[]): Type<unknown> {
  @Injectable()
  class StandInJobs {
    constructor(
      readonly prisma: PrismaService,
      readonly host: HomeserverHost,
    ) {}
  }
  for (const name of names) {
    const run =
      name === 'instance.start'
        ? async function (this: StandInJobs, payload: JobPayloads['instance.start'], context: JobContext) {
            await context.step('start', async () => {
              const row = await this.prisma.instance.findUniqueOrThrow({ where: { id: payload.instanceId } });
              const { driver, context: instance } = this.host.context(row);
              const rendered = await driver.render(instance.spec, instance.secrets);
              await instance.runtime.start({ ...instance.spec, process: rendered.process });
            });
          }
        : async function () {};
    Object.defineProperty(StandInJobs.prototype, name, { value: run, writable: true, configurable: true });
    JobHandler(name, name === 'instance.start' ? ['start'] : [])(StandInJobs.prototype, name, Object.getOwnPropertyDescriptor(StandInJobs.prototype, name)!);
  }
  return StandInJobs;
}

// Apart from the ranges of test/instances/ (25200-25699).
const PORT_RANGE = { first: 25700, last: 25799 };
const takenPorts = new Set<number>();

/**
 * A Prosody instance the way a provision leaves it, made without the instances API: its row,
 * its files and its running server. The status is `down` so that the first health check is
 * what marks it running; `healthIntervalSec` is short so tests see several checks.
 */
export async function runningProsody(app: TestApp, baseDir: string, name: string, healthIntervalSec = 1): Promise<Instance> {
  const host = app.get(HomeserverHost);
  const driver = host.driver('prosody');
  const ports = await allocatePorts(driver.portNames.map((port) => ({ name: port.name, host: '127.0.0.1' })), { taken: takenPorts, range: PORT_RANGE });
  for (const port of Object.values(ports)) takenPorts.add(port);
  const id = randomUUID();
  const row = await app.prisma.instance.create({
    data: {
      id,
      name,
      kind: 'prosody',
      domain: `${name}.test`,
      runtime: 'process',
      bindAddress: '127.0.0.1',
      dir: join(baseDir, id),
      ports,
      status: 'down',
      healthIntervalSec,
      secretsEnc: host.sealSecrets(generateSecrets(driver)),
    },
  });
  const { context } = host.context(row);
  const rendered = await driver.render(context.spec, context.secrets);
  await context.runtime.writeFiles(context.spec, rendered.files);
  await driver.prepare(context);
  await context.runtime.start({ ...context.spec, process: rendered.process });
  await waitHealthy(driver, context, { timeoutMs: 15_000 });
  await app.get(HealthScheduleService).schedule(id, healthIntervalSec);
  return row;
}

/** The server's pid, as the runtime knows it. */
export async function serverPid(app: TestApp, row: Instance): Promise<number | undefined> {
  const host = app.get(HomeserverHost);
  return (await host.runtime(row.runtime).status(host.spec(row))).pid;
}

export async function stopServer(app: TestApp, row: Instance): Promise<void> {
  const host = app.get(HomeserverHost);
  await host.runtime(row.runtime).destroy(host.spec(row));
}

export function statusChanges(app: TestApp, instanceId: string, since = new Date(0)) {
  return app.prisma.instanceEvent.findMany({ where: { instanceId, type: 'status-change', at: { gte: since } }, orderBy: { at: 'asc' } });
}
