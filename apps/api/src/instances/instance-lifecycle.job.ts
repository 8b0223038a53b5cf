import { Inject, Injectable } from '@nestjs/common';
import { mkdir } from 'node:fs/promises';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { Driver, InstanceContext, InstanceSettings } from '../drivers/driver';
import { FEDERATION_CLOSED, describePolicy, samePolicy } from '../drivers/federation-policy';
import { retentionOf, sameKnob } from '../drivers/retention';
import type { ServerKnob } from '../drivers/driver';
import { waitHealthy } from '../drivers/wait-healthy';
import type { Instance as InstanceRow, Prisma } from '../generated/prisma/client';
import { JobCancelledError, type JobContext, errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import type { JobPayloads } from '../jobs/job-types';
import { HealthScheduleService } from '../monitoring/health-schedule.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { HomeserverHost } from './homeserver-host.service';
import { repositoryTag, sameImageName } from '../runtimes/container/server-images';
import type { ImageRelease } from '../runtimes/packages/server-versions';

/**
 * Bringing a server up, for a new instance and for every start: each step is idempotent, so
 * a start also repairs what an interrupted provisioning left (the config is rewritten from
 * the current settings, an existing certificate is kept, the admin account is reset to its
 * stored secret).
 */
const BRING_UP = ['install', 'write-config', 'prepare', 'start', 'wait-healthy', 'bootstrap', 'schedule-health'];
/** A settings change: the config is written while the old server still runs, so it is down only between stop and healthy. */
const RECONFIGURE = ['apply-settings', 'write-config', 'prepare', 'stop', 'start', 'wait-healthy', 'verify'];
// ejabberd needs ~3 s the first time (Mnesia creates its tables); a loaded host much more.
const HEALTHY_TIMEOUT_MS = 60_000;
const MAX_REASON_LENGTH = 1_000;

type Payload = JobPayloads['instance.start'];
type Step = <T>(name: string, work: () => Promise<T>) => Promise<T | undefined>;

/**
 * Settings a server can be asked about once it runs on them, each with the check that what it
 * does is what was asked. Any other setting is trusted to its config file.
 */
const READ_BACKS: { [K in keyof InstanceSettings]?: (driver: Driver, context: InstanceContext, wanted: InstanceSettings) => Promise<void> } = {
  federation: async (driver, context, wanted) => {
    if (!driver.effectiveFederation) return;
    const policy = wanted.federation ?? FEDERATION_CLOSED;
    const read = await driver.effectiveFederation(context);
    if (!read.policy || !samePolicy(read.policy, policy)) {
      throw new Error(`The server's federation is ${describePolicy(read.policy)}, not ${describePolicy(policy)}: ${read.detail}`);
    }
  },
  // Every knob the server supports and can tell: a policy it does not take is undone.
  retention: async (driver, context, wanted) => {
    if (!driver.effectiveRetention) return;
    const want = retentionOf({ settings: wanted }, driver.retentionDefaults);
    const read = await driver.effectiveRetention(context);
    const differing = (Object.keys(read) as ServerKnob[]).filter((knob) => !sameKnob(read[knob]!.value, want[knob]));
    if (differing.length) {
      throw new Error(`The server does not do what its retention policy says: ${differing.map((knob) => `${knob} is ${JSON.stringify(read[knob]!.value)}, not ${JSON.stringify(want[knob])} (${read[knob]!.detail})`).join('; ')}`);
    }
  },
};

/**
 * The jobs that provision, start, stop, restart and destroy an instance. A failure never leaves
 * a half-running server: whatever was started is stopped and the instance is marked failed,
 * with the reason; the job run keeps the full error.
 */
@Injectable()
export class InstanceLifecycleJobs {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly events: InstanceEventsService,
    private readonly healthSchedule: HealthScheduleService,
  ) {}

  @JobHandler('instance.provision', BRING_UP)
  async provision({ instanceId }: Payload, context: JobContext): Promise<void> {
    const row = await this.load(instanceId);
    if (row.status !== 'provisioning') await this.events.transition(instanceId, 'provisioning', 'Provisioning again');
    await this.settle(row, context, 'failed', (step) => this.bringUp(row, step, context));
    await this.events.transition(instanceId, 'running', 'Provisioned');
  }

  /** Started by an operator, or by supervision after a crash (a run without creator). */
  @JobHandler('instance.start', BRING_UP)
  async start({ instanceId }: Payload, context: JobContext): Promise<void> {
    const row = await this.load(instanceId);
    const byOperator = await this.byOperator(context);
    // A failed restart after a crash leaves the instance down, so supervision goes on with its backoff and crash-loop limit.
    await this.settle(row, context, byOperator ? 'failed' : 'down', (step) => this.bringUp(row, step, context));
    await this.events.transition(instanceId, 'running', byOperator ? 'Started by an operator' : 'Started again after a crash');
  }

  @JobHandler('instance.restart', ['stop', ...BRING_UP])
  async restart({ instanceId }: Payload, context: JobContext): Promise<void> {
    const row = await this.load(instanceId);
    await this.settle(row, context, 'failed', async (step) => {
      await step('stop', () => this.stopServer(row));
      await this.bringUp(row, step, context);
    });
    await this.events.transition(instanceId, 'running', 'Restarted by an operator');
  }

  @JobHandler('instance.stop', ['stop'])
  async stop({ instanceId }: Payload, context: JobContext): Promise<void> {
    const row = await this.load(instanceId);
    await context.step('stop', () => this.stopServer(row));
    await this.events.transition(instanceId, 'stopped', 'Stopped by an operator');
  }

  @JobHandler('instance.destroy', ['stop', 'remove-files', 'delete-record'])
  async destroy({ instanceId }: Payload, context: JobContext): Promise<void> {
    // Gone already: a destroy that resumes after its last step, or a second destroy.
    const row = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (row) {
      await this.settle(row, context, 'failed', async (step) => {
        await step('stop', async () => {
          await this.healthSchedule.unschedule(row.id);
          await this.stopServer(row);
        });
        await step('remove-files', async () => {
          const { driver, context: instance } = this.host.context(row);
          await driver.destroy?.(instance);
          await instance.runtime.destroy(instance.spec);
        });
      });
    }
    // Ports, samples and events go with the row (cascade).
    await context.step('delete-record', () => this.prisma.instance.deleteMany({ where: { id: instanceId } }));
  }

  /**
   * Applies new settings to a running server and proves they took. Whatever fails, including a
   * cancellation, the previous settings and their config come back and the server is restarted
   * on them, so it ends healthy on its old config; the job then fails with the reason, which the
   * instance's events keep too.
   */
  @JobHandler('instance.reconfigure', RECONFIGURE)
  async reconfigure({ instanceId, settings, previous }: JobPayloads['instance.reconfigure'], context: JobContext): Promise<void> {
    const current = (await this.load(instanceId)).settings;
    // Another change came first (or this run is a late retry): going back to `previous` would undo it.
    if (!sameJson(current, previous) && !sameJson(current, settings)) {
      throw new Error('The settings changed since this change was asked for; nothing was done: ask for it again');
    }
    const changed = Object.keys({ ...previous, ...settings }).filter((key) => !sameJson(previous[key as keyof InstanceSettings], settings[key as keyof InstanceSettings]));
    let currentStep = '';
    const step: Step = (name, run) => {
      currentStep = name;
      return context.step(name, run);
    };
    try {
      await step('apply-settings', () => this.prisma.instance.update({ where: { id: instanceId }, data: { settings: settings as Prisma.InputJsonObject } }));
      const row = await this.load(instanceId);
      const { driver, context: instance } = this.host.context(row);
      await this.restartOn(row, step);
      // Every setting the server can be asked about, changed or not: applying the same settings again is how drift is repaired.
      await step('verify', async () => {
        for (const check of Object.values(READ_BACKS)) await check(driver, instance, settings);
      });
    } catch (error) {
      // Nothing reached the server yet: only the record of the settings may need putting back.
      if (currentStep === 'apply-settings') {
        await this.prisma.instance.update({ where: { id: instanceId }, data: { settings: previous as Prisma.InputJsonObject } }).catch(() => undefined);
        throw error;
      }
      const cancelled = error instanceof JobCancelledError;
      const reason = cancelled ? `Cancelled by an operator before ${currentStep}` : `${currentStep} failed: ${errorMessage(error)}`;
      await this.rollBack(instanceId, previous, reason);
      if (cancelled) throw error;
      throw new Error(`${reason}. The previous settings are back, and the server runs on them again`);
    }
    await this.events.transition(instanceId, 'running', `New settings applied and checked (${changed.join(', ') || 'none changed'})`);
    await this.healthSchedule.checkNow(instanceId);
  }

  @JobHandler('instance.rotate-admin-token', ['rotate'])
  async rotateAdminToken({ instanceId }: Payload, context: JobContext): Promise<void> {
    await context.step('rotate', async () => {
      const row = await this.load(instanceId);
      const { driver, context: instance } = this.host.context(row);
      const rotated = await driver.rotateAdminCredentials!(instance);
      await this.prisma.instance.update({ where: { id: instanceId }, data: { secretsEnc: this.host.mergeSecrets(row, rotated) } });
      await this.events.record(instanceId, 'action', "Hearth's admin token was rotated; the old one is logged out");
    });
  }

  /**
   * The image of the instance's release in the engine: one of Hearth's (built from its Debian
   * tree if the engine lacks it, e.g. a new instance, or an engine whose storage was reset) or
   * one the engine already has. Records the image's exact version.
   */
  private async installImage(row: InstanceRow, onProgress: (percent: number, message: string) => void): Promise<void> {
    const release = row.release as ImageRelease | null;
    const driver = this.host.driver(row.kind);
    const spec = driver.images?.find((candidate) => release && sameImageName(release.image, repositoryTag(candidate)));
    if (!spec) {
      if (!release?.version) throw new Error(`${row.name} has no image to run: ${driver.displayName} has no container image in Hearth`);
      if (!(await this.host.images().exists(release.image))) throw new Error(`The container engine has no image ${release.image}; upgrade ${row.name} to a version Hearth builds`);
      return;
    }
    const image = await this.host.images().ensure(spec, ({ phase, percent, message }) => onProgress(percent, message ?? phase));
    if (image.reference !== release?.image || image.version !== release.version) {
      await this.prisma.instance.update({ where: { id: row.id }, data: { release: { image: image.reference, version: image.version }, version: image.version } });
    }
  }

  private async bringUp(installing: InstanceRow, step: Step, job: JobContext): Promise<void> {
    // Software the driver installs itself (Synapse's root filesystem), or the image a container runs: built once, then found.
    await step('install', async () => {
      const onProgress = (percent: number, message: string) => job.progress(percent, message);
      if (installing.runtime === 'container') await this.installImage(installing, onProgress);
      else await this.host.driver(installing.kind).install?.(onProgress);
    });
    // The install step may have settled which image the instance runs.
    const row = await this.load(installing.id);
    const { driver, context } = this.host.context(row);
    const { spec, runtime, secrets } = context;
    const rendered = await step('write-config', async () => {
      // Every ancestor of an instance directory must let the instance's user through.
      await mkdir(this.config.instancesDir, { recursive: true, mode: 0o711 });
      const result = await driver.render(spec, secrets);
      await runtime.writeFiles(spec, result.files);
      return result;
    });
    await step('prepare', () => driver.prepare(context));
    await step('start', async () => {
      // A server found again (Hearth restarted, a job resumed) is never started a second time.
      if ((await runtime.status(spec)).state === 'running') return;
      const { process } = rendered ?? (await driver.render(spec, secrets));
      await runtime.start({ ...spec, process });
    });
    await step('wait-healthy', () => this.waitHealthy(row.id, driver, context));
    await step('bootstrap', async () => {
      const obtained = await driver.bootstrap(context);
      if (obtained) await this.prisma.instance.update({ where: { id: row.id }, data: { secretsEnc: this.host.mergeSecrets(await this.load(row.id), obtained) } });
    });
    await step('schedule-health', async () => {
      const { healthIntervalSec } = await this.load(row.id);
      await this.healthSchedule.schedule(row.id, healthIntervalSec);
      await this.healthSchedule.checkNow(row.id);
    });
  }

  /** The reconfigure job's way through a restart: each piece a step of its own. */
  private async restartOn(row: InstanceRow, step: Step): Promise<void> {
    const { driver, context } = this.host.context(row);
    const { spec, runtime, secrets } = context;
    const rendered = await step('write-config', async () => {
      const result = await driver.render(spec, secrets);
      await runtime.writeFiles(spec, result.files);
      return result;
    });
    await step('prepare', () => driver.prepare(context));
    await step('stop', () => this.stopServer(row));
    await step('start', async () => {
      const { process } = rendered ?? (await driver.render(spec, secrets));
      await runtime.start({ ...spec, process });
    });
    await step('wait-healthy', () => this.waitHealthy(row.id, driver, context));
  }

  /**
   * Back to the settings before a failed change: their config, a restart, the health gate. If
   * even that fails the server is stopped and the instance marked failed, with both reasons.
   */
  private async rollBack(instanceId: string, previous: InstanceSettings, reason: string): Promise<void> {
    const row = await this.prisma.instance.update({ where: { id: instanceId }, data: { settings: previous as Prisma.InputJsonObject } });
    try {
      const { driver, context } = this.host.context(row);
      const { spec, runtime, secrets } = context;
      const { files, process } = await driver.render(spec, secrets);
      await runtime.writeFiles(spec, files);
      await driver.prepare(context);
      await this.stopServer(row);
      await runtime.start({ ...spec, process });
      await this.waitHealthy(row.id, driver, context);
    } catch (error) {
      await this.stopServer(row).catch(() => undefined);
      const both = `${reason}; going back to the previous settings failed too: ${errorMessage(error)}`;
      await this.events.transition(instanceId, 'failed', truncate(both));
      throw new Error(both);
    }
    const undone = truncate(`Settings change undone: ${reason}`);
    await this.events.transition(instanceId, 'running', undone);
    await this.events.record(instanceId, 'action', undone);
    await this.healthSchedule.checkNow(instanceId);
  }

  /** Waits for the server and records what actually runs: its version and start time. */
  private async waitHealthy(id: string, driver: Driver, context: InstanceContext): Promise<void> {
    const probe = await waitHealthy(driver, context, { timeoutMs: HEALTHY_TIMEOUT_MS });
    const status = await context.runtime.status(context.spec);
    const version = probe.version ?? (await driver.detect()).version;
    await this.prisma.instance.update({ where: { id }, data: { startedAt: status.startedAt ?? new Date(), ...(version ? { version } : {}) } });
  }

  /**
   * Health checks go on for a stopped instance: they take neither a stop (desiredState stopped)
   * nor a pending lifecycle job for an outage.
   */
  private async stopServer(row: InstanceRow): Promise<void> {
    await this.host.runtime(row.runtime).stop(this.host.spec(row));
    await this.prisma.instance.updateMany({ where: { id: row.id }, data: { startedAt: null } });
  }

  /**
   * Runs the steps; on failure stops whatever was started and records why (as `onFailure`),
   * then lets the error reach the job runner, which records it on the run. A cancelled job
   * leaves the instance stopped, and wanted stopped, so that supervision does not start it.
   */
  private async settle(row: InstanceRow, context: JobContext, onFailure: 'failed' | 'down', work: (step: Step) => Promise<void>): Promise<void> {
    let current = '';
    const step: Step = (name, run) => {
      current = name;
      return context.step(name, run);
    };
    try {
      await work(step);
    } catch (error) {
      await this.stopServer(row).catch(() => undefined);
      if (error instanceof JobCancelledError) {
        await this.prisma.instance.updateMany({ where: { id: row.id }, data: { desiredState: 'stopped' } });
        await this.events.transition(row.id, 'stopped', `Cancelled by an operator before ${current}`);
      } else {
        await this.events.transition(row.id, onFailure, truncate(`${current} failed: ${errorMessage(error)}`));
      }
      throw error;
    }
  }

  private async byOperator(context: JobContext): Promise<boolean> {
    const run = await this.prisma.jobRun.findUnique({ where: { id: context.runId }, select: { createdById: true } });
    return Boolean(run?.createdById);
  }

  private async load(id: string): Promise<InstanceRow> {
    const row = await this.prisma.instance.findUnique({ where: { id } });
    if (!row) throw new Error(`Instance ${id} no longer exists`);
    return row;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Objects with their keys sorted, so that equal settings compare equal whatever their key order (PostgreSQL's jsonb reorders keys). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, item]) => [key, canonical(item)]));
  return value;
}

function truncate(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
