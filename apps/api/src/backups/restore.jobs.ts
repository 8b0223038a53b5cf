import { Inject, Injectable } from '@nestjs/common';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { Driver, InstanceContext, InstanceSecrets, InstanceSpec } from '../drivers/driver';
import { generateSecrets } from '../drivers/secrets';
import { waitHealthy } from '../drivers/wait-healthy';
import type { Backup, Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { startRendered } from '../instances/start-rendered';
import { type JobContext, errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import type { JobPayloads } from '../jobs/job-types';
import { HealthScheduleService } from '../monitoring/health-schedule.service';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import type { ServerRelease } from '../runtimes/packages/server-versions';
import { allocatePorts } from '../runtimes/ports';
import { type BackupManifest, MANIFEST_PATH, SECRETS_PATH, parseManifest } from './archive/backup-manifest';
import { extractFromTarget } from './backup-reader';
import { BackupTargetsService } from './backup-targets.service';
import { RestoreIdentities } from './restore-identities';
import { chownState, exists, moveState } from './restore-files';

const HEALTHY_TIMEOUT_MS = 120_000;
const PROVISIONING_TIMEOUT_MS = 15 * 60_000;
const SAME_STEPS = ['download', 'stop', 'set-aside', 'put-in-place', 'start', 'wait-healthy', 'load', 'bootstrap', 'check', 'clean-up'];
const DRILL_STEPS = ['download', 'start', 'wait-healthy', 'load', 'check', 'clean-up'];
// Steps after which the instance's own state has been touched: a failure from there on puts it back.
const TOUCHING = new Set(SAME_STEPS.slice(SAME_STEPS.indexOf('stop')));

type Step = <T>(name: string, work: () => Promise<T>) => Promise<T | undefined>;

/**
 * Restores and restore drills. A restore sets the instance's current state aside (a rename, so
 * it is instant and complete), puts the backup's in its place, and proves it: the server starts,
 * passes its health checks and has as many accounts as when it was backed up. Any failure after
 * the stop brings the set-aside state back and restarts the server on it.
 */
@Injectable()
export class RestoreJobs {
  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly events: InstanceEventsService,
    private readonly healthSchedule: HealthScheduleService,
    private readonly targets: BackupTargetsService,
    private readonly identities: RestoreIdentities,
  ) {}

  @JobHandler('backup.restore', { steps: ({ mode }) => (mode === 'new' ? ['wait-for-instance', ...SAME_STEPS] : SAME_STEPS) })
  async restore({ backupId, instanceId, mode, identityRef }: JobPayloads['backup.restore'], context: JobContext): Promise<{ accounts: number }> {
    const work = join(this.config.instancesDir, `.restore-${context.runId}`);
    let current = '';
    const step: Step = (name, run) => {
      current = name;
      return context.step(name, run);
    };
    const backup = await this.loadBackup(backupId);
    try {
      if (mode === 'new') await step('wait-for-instance', () => this.waitProvisioned(instanceId));
      await step('download', async () => {
        await rm(work, { recursive: true, force: true });
        await mkdir(work, { recursive: true, mode: 0o700 });
        await this.download(backup, identityRef, join(work, 'restored'), context);
      });
      const manifest = await readManifest(join(work, 'restored'));
      const row = await this.loadInstance(instanceId);
      const { driver } = this.host.context(row);
      const layout = driver.backupLayout!;
      await step('stop', async () => {
        await this.events.transition(instanceId, 'provisioning', `Restoring backup ${backupId.slice(0, 8)} from ${backup.startedAt.toISOString()}`);
        await this.stopServer(row);
      });
      await step('set-aside', async () => {
        await writeFile(join(work, 'previous-secrets'), row.secretsEnc ?? '', { mode: 0o600 });
        await moveState(layout.state, row.dir, join(work, 'previous'));
      });
      await step('put-in-place', async () => {
        await moveState(layout.state, join(work, 'restored'), row.dir);
        await chownState(layout.state, row.dir, this.host.uid(row));
        const restoredSecrets = JSON.parse(await readFile(join(work, 'restored', SECRETS_PATH), 'utf8')) as InstanceSecrets;
        await this.prisma.instance.update({ where: { id: instanceId }, data: { secretsEnc: this.host.mergeSecrets(await this.loadInstance(instanceId), restoredSecrets) } });
      });
      const accounts = await this.bringUpRestored(instanceId, manifest, step);
      await step('clean-up', () => rm(work, { recursive: true, force: true }));
      await this.events.transition(instanceId, 'running', `Restored from backup ${backupId.slice(0, 8)} (${accounts} accounts)`);
      await this.events.record(instanceId, 'action', `Restored from backup ${backupId.slice(0, 8)} of ${backup.startedAt.toISOString()}`);
      await this.healthSchedule.checkNow(instanceId);
      return { accounts };
    } catch (error) {
      const reason = `${current} failed: ${errorMessage(error)}`;
      if (!TOUCHING.has(current)) {
        if (mode === 'new') await this.events.record(instanceId, 'backup-failed', `Restoring backup ${backupId.slice(0, 8)} into this new instance failed before it was touched: ${reason}`);
        throw error;
      }
      await this.putBack(instanceId, work, reason);
      throw new Error(`${reason}. The instance's previous state is back and its server runs on it again`);
    } finally {
      await this.identities.forget(identityRef);
    }
  }

  /**
   * A backup restored into a scratch server on loopback ports, as the instance's kind runs it:
   * started, health-checked, its accounts counted against the manifest, then removed. Proves the
   * backup restores without touching the instance it came from.
   */
  @JobHandler('backup.drill', DRILL_STEPS)
  async drill({ backupId, identityRef }: JobPayloads['backup.drill'], context: JobContext): Promise<{ accounts: number; detail: string }> {
    const backup = await this.loadBackup(backupId);
    const driver = this.host.driver(backup.kind);
    const work = join(this.config.instancesDir, `.drill-${context.runId}`);
    // As its instance runs now (its runtime and version: an upgraded Prosody's data needs that Prosody), else the host's own program.
    const source = backup.instanceId ? await this.prisma.instance.findUnique({ where: { id: backup.instanceId } }) : null;
    const managed = source && source.runtime !== 'external' ? source : null;
    const spec: InstanceSpec = {
      id: `drill-${context.runId.slice(0, 8)}`,
      kind: backup.kind,
      domain: backup.domain,
      bindAddress: '127.0.0.1',
      dir: join(work, 'instance'),
      // Drills run as the uid just below the instances' range: never one of theirs.
      uid: this.config.instanceUser ? undefined : this.config.instanceUidBase - 1,
      ports: await allocatePorts(driver.portNames.map(({ name }) => ({ name, host: '127.0.0.1' })), { taken: await this.takenPorts(), range: this.config.portRange }),
      settings: {},
      ...(managed?.release ? { release: managed.release as unknown as ServerRelease } : {}),
    };
    const runtime = managed ? this.host.runtime(managed.runtime) : this.host.processRuntime;
    let secrets: InstanceSecrets = generateSecrets(driver);
    const instance = (): InstanceContext => ({ spec, runtime, secrets });
    let detail = '';
    try {
      await context.step('download', async () => {
        await rm(work, { recursive: true, force: true });
        await mkdir(work, { recursive: true, mode: 0o711 });
        await this.download(backup, identityRef, join(work, 'restored'), context);
      });
      const manifest = await readManifest(join(work, 'restored'));
      secrets = { ...secrets, ...(JSON.parse(await readFile(join(work, 'restored', SECRETS_PATH), 'utf8')) as InstanceSecrets) };
      await context.step('start', async () => {
        await mkdir(spec.dir, { recursive: true, mode: 0o711 });
        await moveState(driver.backupLayout!.state, join(work, 'restored'), spec.dir);
        await chownState(driver.backupLayout!.state, spec.dir, spec.uid);
        await startRendered(driver, instance());
      });
      await context.step('wait-healthy', () => waitHealthy(driver, instance(), { timeoutMs: HEALTHY_TIMEOUT_MS }));
      await context.step('load', async () => {
        await driver.loadRestored?.(instance(), manifest.facts);
        const obtained = await driver.bootstrap(instance());
        if (obtained) secrets = { ...secrets, ...obtained };
      });
      const accounts = (await context.step('check', () => this.countAccounts(driver, instance(), manifest)))!;
      const how = `${spec.release ? ` ${spec.release.version}` : ''}${runtime.kind === 'container' ? ' in a container' : ''}`;
      detail = `Restored into a scratch ${driver.displayName}${how}: healthy, ${accounts} accounts as when backed up, ${manifest.files.length} files matching the manifest`;
      await this.prisma.backup.update({ where: { id: backupId }, data: { lastDrillAt: new Date(), lastDrillOk: true, lastDrillDetail: detail } });
      await context.step('clean-up', () => this.removeScratch(instance(), work));
      return { accounts, detail };
    } catch (error) {
      detail = errorMessage(error);
      await this.prisma.backup.update({ where: { id: backupId }, data: { lastDrillAt: new Date(), lastDrillOk: false, lastDrillDetail: detail.slice(0, 1000) } });
      if (backup.instanceId) await this.events.record(backup.instanceId, 'backup-failed', `The restore drill of backup ${backupId.slice(0, 8)} failed: ${detail}`.slice(0, 1000));
      throw error;
    } finally {
      await this.removeScratch(instance(), work).catch(() => undefined);
      await this.identities.forget(identityRef);
    }
  }

  /** start → wait-healthy → load → bootstrap → check, on the instance's own record. */
  private async bringUpRestored(instanceId: string, manifest: BackupManifest, step: Step): Promise<number> {
    const context = async () => this.host.context(await this.loadInstance(instanceId));
    await step('start', async () => {
      const { driver, context: instance } = await context();
      await startRendered(driver, instance);
    });
    await step('wait-healthy', async () => {
      const { driver, context: instance } = await context();
      await waitHealthy(driver, instance, { timeoutMs: HEALTHY_TIMEOUT_MS });
      await this.prisma.instance.update({ where: { id: instanceId }, data: { startedAt: new Date() } });
    });
    await step('load', async () => {
      const { driver, context: instance } = await context();
      await driver.loadRestored?.(instance, manifest.facts);
    });
    await step('bootstrap', async () => {
      const { driver, context: instance } = await context();
      const obtained = await driver.bootstrap(instance);
      if (obtained) await this.prisma.instance.update({ where: { id: instanceId }, data: { secretsEnc: this.host.mergeSecrets(await this.loadInstance(instanceId), obtained) } });
    });
    return (await step('check', async () => {
      const { driver, context: instance } = await context();
      return this.countAccounts(driver, instance, manifest);
    }))!;
  }

  /** Back to the state set aside: restored files out, previous ones in, old secrets, restart, health gate. */
  private async putBack(instanceId: string, work: string, reason: string): Promise<void> {
    const row = await this.loadInstance(instanceId);
    const { driver } = this.host.context(row);
    const state = driver.backupLayout!.state;
    try {
      await this.stopServer(row);
      const previous = join(work, 'previous');
      // Written first thing in set-aside: without it nothing was moved and the state is where it was.
      const previousSecrets = await readFile(join(work, 'previous-secrets'), 'utf8').catch(() => undefined);
      if (previousSecrets !== undefined) {
        for (const path of state) {
          if (!(await exists(join(previous, path)))) continue;
          await rm(join(row.dir, path), { recursive: true, force: true });
          await moveState([path], previous, row.dir);
        }
        await this.prisma.instance.update({ where: { id: instanceId }, data: { secretsEnc: previousSecrets || null } });
      }
      const restored = this.host.context(await this.loadInstance(instanceId));
      await startRendered(restored.driver, restored.context);
      await waitHealthy(restored.driver, restored.context, { timeoutMs: HEALTHY_TIMEOUT_MS });
      await rm(work, { recursive: true, force: true });
    } catch (error) {
      const both = `Restore failed (${reason}); putting the previous state back failed too: ${errorMessage(error)}. The previous state is kept in ${work}/previous`;
      await this.stopServer(row).catch(() => undefined);
      await this.events.transition(instanceId, 'failed', both.slice(0, 1000));
      await this.events.record(instanceId, 'backup-failed', both.slice(0, 1000));
      throw new Error(both);
    }
    const undone = `Restore failed and was undone: ${reason}`.slice(0, 1000);
    await this.events.transition(instanceId, 'running', undone);
    await this.events.record(instanceId, 'backup-failed', undone);
    await this.healthSchedule.checkNow(instanceId);
  }

  private async download(backup: Backup, identityRef: string, into: string, context: JobContext): Promise<void> {
    const identities = await this.identities.take(identityRef);
    const total = Number(backup.sizeBytes);
    await this.targets.use(await this.targets.find(backup.targetId), (target) =>
      extractFromTarget({
        target,
        key: backup.objectKey!,
        identities,
        into,
        expected: { size: total, sha256: backup.sha256! },
        onProgress: (bytes) => context.progress((bytes / total) * 100, `${(bytes / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB`),
      }),
    );
  }

  private async countAccounts(driver: Driver, context: InstanceContext, manifest: BackupManifest): Promise<number> {
    const accounts = (await driver.listUsers(context)).length;
    if (accounts !== manifest.accounts) throw new Error(`The restored server has ${accounts} accounts; the backup was taken with ${manifest.accounts}`);
    return accounts;
  }

  private async removeScratch(context: InstanceContext, work: string): Promise<void> {
    await context.runtime.destroy(context.spec);
    await rm(work, { recursive: true, force: true });
  }

  private async stopServer(row: Instance): Promise<void> {
    await this.host.runtime(row.runtime).stop(this.host.spec(row));
    await this.prisma.instance.updateMany({ where: { id: row.id }, data: { startedAt: null } });
  }

  private async waitProvisioned(instanceId: string): Promise<void> {
    const deadline = Date.now() + PROVISIONING_TIMEOUT_MS;
    for (;;) {
      const row = await this.loadInstance(instanceId);
      if (row.status === 'running') return;
      if (row.status === 'failed') throw new Error(`The new instance's provisioning failed: ${row.statusReason ?? 'no reason given'}`);
      if (Date.now() > deadline) throw new Error('The new instance was not provisioned within 15 minutes');
      await sleep(500);
    }
  }

  private async takenPorts(): Promise<Set<number>> {
    return new Set((await this.prisma.instancePort.findMany({ select: { port: true } })).map((row) => row.port));
  }

  private async loadBackup(id: string): Promise<Backup> {
    const row = await this.prisma.backup.findUnique({ where: { id } });
    if (!row) throw new Error(`Backup ${id} no longer exists`);
    return row;
  }

  private async loadInstance(id: string): Promise<Instance> {
    const row = await this.prisma.instance.findUnique({ where: { id } });
    if (!row) throw new Error(`Instance ${id} no longer exists`);
    return row;
  }
}

async function readManifest(restored: string): Promise<BackupManifest> {
  return parseManifest(await readFile(join(restored, MANIFEST_PATH), 'utf8'));
}
