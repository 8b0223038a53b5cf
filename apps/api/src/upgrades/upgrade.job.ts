import { Inject, Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { InstanceSpec } from '../drivers/driver';
import { waitHealthy } from '../drivers/wait-healthy';
import { Prisma, type Instance } from '../generated/prisma/client';
import { BackupJobs } from '../backups/backup.jobs';
import { exists } from '../backups/restore-files';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { startRendered } from '../instances/start-rendered';
import { type JobContext, errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import type { JobPayloads } from '../jobs/job-types';
import { HealthScheduleService } from '../monitoring/health-schedule.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { SYSTEM_TREE, type ServerRelease, isSystemTree } from '../runtimes/packages/server-versions';
import { RolloutsService } from './rollouts.service';
import { ServerVersionsService } from './server-versions.service';

const execFileAsync = promisify(execFile);
const STEPS = ['preflight', 'backup', 'stop', 'snapshot', 'switch', 'start', 'wait-healthy', 'post-check', 'clean-up'];
// From here on the server's data or release may have changed: a failure puts both back.
const AFTER_STOP = new Set(STEPS.slice(STEPS.indexOf('stop')));
const HEALTHY_TIMEOUT_MS = 120_000;
// The job's run is recorded as finished just after the handler returns: the rollout looks a moment later.
const ROLLOUT_TICK_DELAY_MS = 1_000;
// The snapshot copies the server's state: it needs that much room, and some to spare.
const SPACE_MARGIN = 1.2;

interface Plan {
  from: ServerRelease | null;
  to: ServerRelease;
  accounts: number;
}

/**
 * An upgrade that either finishes healthy on the new version or puts everything back: the
 * previous release, the data as it was at the stop (a local copy), a health gate, and an alert
 * with the reason. Steps are idempotent, so a job resumed after a worker crash carries on.
 */
@Injectable()
export class UpgradeJob {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly versions: ServerVersionsService,
    private readonly backups: BackupJobs,
    private readonly events: InstanceEventsService,
    private readonly healthSchedule: HealthScheduleService,
    private readonly rollouts: RolloutsService,
  ) {}

  @JobHandler('instance.upgrade', STEPS)
  async upgrade(payload: JobPayloads['instance.upgrade'], context: JobContext): Promise<{ from: string; to: string }> {
    try {
      return await this.run(payload, context);
    } finally {
      // Its rollout moves on (the job's own record is final by the time the tick reads it: the tick waits for it).
      if (payload.rolloutId) await this.rollouts.tick(payload.rolloutId, new Date(Date.now() + ROLLOUT_TICK_DELAY_MS));
    }
  }

  private async run({ instanceId, versionId, backupId }: JobPayloads['instance.upgrade'], context: JobContext): Promise<{ from: string; to: string }> {
    const work = join(this.config.instancesDir, `.upgrade-${context.runId}`);
    let current = '';
    const step = <T>(name: string, run: () => Promise<T>) => {
      current = name;
      return context.step(name, run);
    };
    try {
      await step('preflight', () => this.preflight(instanceId, versionId, work, context));
      const plan = JSON.parse(await readFile(join(work, 'plan.json'), 'utf8')) as Plan;
      await step('backup', () => this.backups.makeNow(backupId, context));
      await step('stop', async () => {
        await this.events.transition(instanceId, 'upgrading', `Upgrading to ${plan.to.version}`);
        await this.stopServer(await this.load(instanceId));
      });
      await step('snapshot', () => this.copyState(instanceId, join(work, 'previous'), 'out'));
      await step('switch', () => this.prisma.instance.update({ where: { id: instanceId }, data: { release: plan.to as unknown as Prisma.InputJsonObject } }));
      await step('start', () => this.startServer(instanceId));
      await step('wait-healthy', () => this.waitHealthy(instanceId));
      await step('post-check', () => this.postCheck(instanceId, plan));
      await step('clean-up', () => rm(work, { recursive: true, force: true }));
      await this.prisma.instance.update({ where: { id: instanceId }, data: { version: plan.to.version } });
      await this.events.transition(instanceId, 'running', `Upgraded from ${plan.from?.version ?? 'the host package'} to ${plan.to.version}`);
      await this.healthSchedule.checkNow(instanceId);
      return { from: plan.from?.version ?? 'system', to: plan.to.version };
    } catch (error) {
      const reason = `${current} failed: ${errorMessage(error)}`;
      if (!AFTER_STOP.has(current)) {
        await rm(work, { recursive: true, force: true });
        await this.events.record(instanceId, 'upgrade-failed', `Upgrade not started: ${reason}`.slice(0, 1000));
        throw new Error(`${reason}. Nothing was changed`);
      }
      await this.rollBack(instanceId, work, reason);
      throw new Error(`${reason}. The previous version and its data are back, and the server runs on them again`);
    }
  }

  /** The version exists (installed now if it can be), its own check passes on the rendered config, and there is room for the snapshot. */
  private async preflight(instanceId: string, versionId: string, work: string, context: JobContext): Promise<void> {
    const row = await this.load(instanceId);
    const { driver, context: instance } = this.host.context(row);
    const versions = await this.versions.versionsOf(row);
    let target = versions.find((v) => v.id === versionId);
    if (!target) throw new Error(`Version ${versionId} is not available for ${driver.displayName} on this host`);
    if (target.state === 'installable' && target.spec) {
      const tree = await this.versions.trees.ensure(target.spec, ({ phase, percent, message }) => context.progress(percent, message ?? phase));
      target = { ...target, state: 'installed', release: { tree: tree.root, version: tree.manifest.version } };
    } else if (target.state === 'installable' && target.imageSpec) {
      const image = await this.host.images().ensure(target.imageSpec, ({ phase, percent, message }) => context.progress(percent, message ?? phase));
      target = { ...target, state: 'installed', release: { image: image.reference, version: image.version } };
    }
    if (target.state !== 'installed' || !target.release) throw new Error(`Version ${versionId} cannot run here: ${target.problems.join('; ') || target.state}`);
    if (target.problems.length) throw new Error(`Version ${target.version} has problems: ${target.problems.join('; ')}`);
    const to = target.release;
    const spec: InstanceSpec = { ...instance.spec, release: to };
    await driver.render(spec, instance.secrets);
    if (driver.checkConfig) {
      const check = await driver.checkConfig(instance, to);
      if (!check.ok) throw new Error(`${driver.displayName} ${to.version} refuses the configuration: ${check.output.slice(0, 800)}`);
    }
    const needed = await this.stateSize(row);
    const { bavail, bsize } = await statfs(this.config.instancesDir);
    if (bavail * bsize < needed * SPACE_MARGIN) throw new Error(`Not enough disk space for the snapshot: ${Math.ceil(needed / 1048576)} MiB needed, ${Math.floor((bavail * bsize) / 1048576)} MiB free`);
    const accounts = (await driver.listUsers(instance)).length;
    await mkdir(work, { recursive: true, mode: 0o700 });
    const from = (row.release as ServerRelease | null) ?? (row.version ? { tree: SYSTEM_TREE, version: row.version } : null);
    await writeFile(join(work, 'plan.json'), JSON.stringify({ from, to, accounts } satisfies Plan));
  }

  /** The same accounts, and an admin interface that answers. */
  private async postCheck(instanceId: string, plan: Plan): Promise<void> {
    const { driver, context } = this.host.context(await this.load(instanceId));
    await driver.bootstrap(context);
    const accounts = (await driver.listUsers(context)).length;
    if (accounts !== plan.accounts) throw new Error(`The upgraded server has ${accounts} accounts; it had ${plan.accounts}`);
  }

  /** Previous release, the data copied at the stop, a restart and the health gate; an alert either way. */
  private async rollBack(instanceId: string, work: string, reason: string): Promise<void> {
    try {
      const plan = JSON.parse(await readFile(join(work, 'plan.json'), 'utf8')) as Plan;
      await this.stopServer(await this.load(instanceId));
      if (await exists(join(work, 'previous'))) await this.copyState(instanceId, join(work, 'previous'), 'in');
      await this.prisma.instance.update({ where: { id: instanceId }, data: { release: isSystemTree(plan.from ?? undefined) ? Prisma.DbNull : (plan.from as unknown as Prisma.InputJsonObject) } });
      await this.startServer(instanceId);
      await this.waitHealthy(instanceId);
      await rm(work, { recursive: true, force: true });
    } catch (error) {
      const both = `Upgrade failed (${reason}); going back failed too: ${errorMessage(error)}. The data as it was at the stop is kept in ${work}/previous`;
      await this.stopServer(await this.load(instanceId)).catch(() => undefined);
      await this.events.transition(instanceId, 'failed', both.slice(0, 1000));
      await this.events.record(instanceId, 'upgrade-failed', both.slice(0, 1000));
      throw new Error(both);
    }
    const undone = `Upgrade undone: ${reason}`.slice(0, 1000);
    await this.events.transition(instanceId, 'running', undone);
    await this.events.record(instanceId, 'upgrade-failed', undone);
    await this.healthSchedule.checkNow(instanceId);
  }

  /** `out`: the instance's state into `dir`; `in`: back from it, replacing what is there. */
  private async copyState(instanceId: string, dir: string, direction: 'out' | 'in'): Promise<void> {
    const row = await this.load(instanceId);
    const state = this.host.driver(row.kind).backupLayout?.state ?? [];
    for (const path of state) {
      const [from, to] = direction === 'out' ? [join(row.dir, path), join(dir, path)] : [join(dir, path), join(row.dir, path)];
      if (!(await exists(from))) continue;
      await rm(to, { recursive: true, force: true });
      await mkdir(join(to, '..'), { recursive: true, mode: 0o711 });
      // Ownership and modes as they were; a copy-on-write clone where the filesystem has them.
      await execFileAsync('cp', ['-a', '--reflink=auto', from, to], { timeout: 30 * 60_000 });
    }
  }

  private async stateSize(row: Instance): Promise<number> {
    const state = this.host.driver(row.kind).backupLayout?.state ?? [];
    const present: string[] = [];
    for (const path of state) if (await exists(join(row.dir, path))) present.push(join(row.dir, path));
    if (!present.length) return 0;
    const { stdout } = await execFileAsync('du', ['-sbc', ...present], { timeout: 5 * 60_000 });
    return Number(/^(\d+)\s+total$/m.exec(stdout)?.[1] ?? 0);
  }

  private async startServer(instanceId: string): Promise<void> {
    const { driver, context } = this.host.context(await this.load(instanceId));
    await startRendered(driver, context);
  }

  private async waitHealthy(instanceId: string): Promise<void> {
    const { driver, context } = this.host.context(await this.load(instanceId));
    await waitHealthy(driver, context, { timeoutMs: HEALTHY_TIMEOUT_MS });
    await this.prisma.instance.update({ where: { id: instanceId }, data: { startedAt: new Date() } });
  }

  private async stopServer(row: Instance): Promise<void> {
    await this.host.runtime(row.runtime).stop(this.host.spec(row));
    await this.prisma.instance.updateMany({ where: { id: row.id }, data: { startedAt: null } });
  }

  private async load(id: string): Promise<Instance> {
    const row = await this.prisma.instance.findUnique({ where: { id } });
    if (!row) throw new Error(`Instance ${id} no longer exists`);
    return row;
  }
}
