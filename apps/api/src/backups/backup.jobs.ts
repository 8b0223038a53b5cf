import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CONFIG } from '../config/config.module';
import type { HearthConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import type { SnapshotFacts } from '../drivers/driver';
import type { Backup } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { type JobContext, errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import type { JobPayloads } from '../jobs/job-types';
import { InstanceEventsService } from '../monitoring/instance-events.service';
import { type BackupSidecar, MANIFEST_FORMAT, OBJECT_SUFFIX, SECRETS_PATH, sidecarKey } from './archive/backup-manifest';
import { BackupSchedulesService, previousRun } from './backup-schedules.service';
import { BackupTargetsService } from './backup-targets.service';
import { archiveToTarget } from './backup-writer';
import { BackupsService } from './backups.service';
import { consoleRetention } from '../retention/console-retention';
import { backupsToPrune } from './keep-rules';
import { TEMPORARY_PREFIX, hashStream } from './targets/backup-target';

// A scheduled backup not started this long after it was due is reported missing.
const MISSED_AFTER_MS = 30 * 60_000;
// Temporary objects an interrupted upload left behind are removed once this old.
const STALE_TEMPORARY_MS = 6 * 60 * 60_000;

interface SnapshotRecord {
  facts: SnapshotFacts;
  accounts: number;
}

/**
 * The jobs that make and check backups. A backup is `verified` only after the target read back
 * what it stored and matched it, and the final object exists with that size; anything else ends
 * `failed` with the reason, and an alert.
 */
@Injectable()
export class BackupJobs {
  private readonly logger = new Logger('Backups');

  constructor(
    @Inject(CONFIG) private readonly config: HearthConfig,
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly events: InstanceEventsService,
    private readonly targets: BackupTargetsService,
    private readonly backups: BackupsService,
    private readonly schedules: BackupSchedulesService,
  ) {}

  @JobHandler('backup.scheduled', { recorded: false })
  async scheduled({ scheduleId }: JobPayloads['backup.scheduled']): Promise<void> {
    const schedule = await this.prisma.backupSchedule.findUnique({ where: { id: scheduleId } });
    if (!schedule?.enabled) return;
    await this.prisma.backupSchedule.update({ where: { id: scheduleId }, data: { lastDueAt: previousRun(schedule.cron, schedule.timezone, new Date(Date.now() + 1000)) } });
    try {
      await this.backups.start({ instanceId: schedule.instanceId, targetId: schedule.targetId, recipientIds: schedule.recipientIds, scheduleId, trigger: 'schedule' });
    } catch (error) {
      await this.events.record(schedule.instanceId, 'backup-failed', `The scheduled backup could not start: ${errorMessage(error)}`);
    }
  }

  @JobHandler('backup.run', ['snapshot', 'upload', 'verify', 'prune'])
  async run({ backupId }: JobPayloads['backup.run'], context: JobContext): Promise<{ objectKey: string; sizeBytes: number }> {
    const staging = join(this.config.dataDir, 'backups', 'staging', backupId);
    try {
      const backup = await this.load(backupId);
      const key = backup.objectKey ?? objectKey(backup);
      await context.step('snapshot', () => this.snapshot(backup, staging));
      await context.step('upload', () => this.upload(backup, key, staging, context));
      await context.step('verify', () => this.verifyStored(backupId));
      await context.step('prune', () => this.prune(backupId));
      const done = await this.load(backupId);
      return { objectKey: key, sizeBytes: Number(done.sizeBytes) };
    } catch (error) {
      await this.fail(backupId, errorMessage(error));
      throw error;
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(`${staging}.json`, { force: true });
    }
  }

  /**
   * One backup made start to end inside another job's step (an upgrade's snapshot): snapshot,
   * upload, verify; it ends verified or failed (with its alert) like any other.
   */
  async makeNow(backupId: string, context: JobContext): Promise<void> {
    const staging = join(this.config.dataDir, 'backups', 'staging', backupId);
    try {
      const backup = await this.load(backupId);
      await this.snapshot(backup, staging);
      await this.upload(backup, backup.objectKey ?? objectKey(backup), staging, context);
      await this.verifyStored(backupId);
    } catch (error) {
      await this.fail(backupId, errorMessage(error));
      throw error;
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(`${staging}.json`, { force: true });
    }
  }

  /** Reads the whole stored object back and compares it with the record; the key is not needed. */
  @JobHandler('backup.verify', ['check'])
  async verify({ backupId }: JobPayloads['backup.verify'], context: JobContext): Promise<{ ok: boolean; detail: string }> {
    return (await context.step('check', async () => {
      const backup = await this.load(backupId);
      const target = await this.targets.find(backup.targetId);
      const problem = await this.targets
        .use(target, async (client) => {
          const found = await hashStream(await client.read(backup.objectKey!));
          if (found.size !== Number(backup.sizeBytes) || found.sha256 !== backup.sha256) {
            return `The stored object changed: ${found.size} bytes, sha256 ${found.sha256}; written as ${backup.sizeBytes} bytes, sha256 ${backup.sha256}`;
          }
          const sidecar = JSON.parse(await readText(await client.read(sidecarKey(backup.objectKey!)))) as Partial<BackupSidecar>;
          if (sidecar.object?.sha256 !== backup.sha256) return 'The sidecar beside the object does not describe it';
          return undefined;
        })
        .catch((error: unknown) => `The stored object could not be read: ${errorMessage(error)}`);
      await this.prisma.backup.update({ where: { id: backupId }, data: { lastCheckAt: new Date(), lastCheckOk: !problem } });
      if (problem && backup.instanceId) await this.events.record(backup.instanceId, 'backup-failed', `Backup ${backupId.slice(0, 8)} failed its check: ${problem}`);
      if (problem) throw new Error(problem);
      return { ok: true, detail: `${backup.objectKey}: ${backup.sizeBytes} bytes, sha256 matches` };
    }))!;
  }

  /** Scheduled backups that did not happen, and backups whose job died without saying so. */
  @JobHandler('backup.watch', { recorded: false })
  async watch(): Promise<void> {
    await this.schedules.reconcile().catch((error: unknown) => this.logger.warn({ msg: 'could not reconcile backup schedulers', error: errorMessage(error) }));
    const now = Date.now();
    for (const schedule of await this.prisma.backupSchedule.findMany({ where: { enabled: true } })) {
      const due = previousRun(schedule.cron, schedule.timezone, new Date(now));
      if (due.getTime() < schedule.createdAt.getTime() || now - due.getTime() < MISSED_AFTER_MS) continue;
      const started = await this.prisma.backup.count({ where: { scheduleId: schedule.id, startedAt: { gte: new Date(due.getTime() - 60_000) } } });
      const reported = schedule.lastDueAt && schedule.lastDueAt.getTime() >= due.getTime();
      if (started || reported) continue;
      await this.prisma.backupSchedule.update({ where: { id: schedule.id }, data: { lastDueAt: due } });
      await this.events.record(schedule.instanceId, 'backup-missed', `The backup due at ${due.toISOString()} (${schedule.cron} ${schedule.timezone}) did not happen: is the worker running?`);
    }
    const orphans = await this.prisma.backup.findMany({ where: { status: 'running', jobRunId: { not: null } } });
    for (const backup of orphans) {
      const run = await this.prisma.jobRun.findUnique({ where: { id: backup.jobRunId! }, select: { status: true, error: true } });
      if (run && (run.status === 'queued' || run.status === 'running')) continue;
      await this.fail(backup.id, run?.error ?? 'Its job is gone');
    }
  }

  private async snapshot(backup: Backup, staging: string): Promise<void> {
    const instance = await this.prisma.instance.findUnique({ where: { id: backup.instanceId ?? '' } });
    if (!instance) throw new Error('The instance no longer exists');
    if (instance.status !== 'running') throw new Error(`The instance is ${instance.status}; Hearth backs up running servers only (their snapshot is online)`);
    const { driver, context } = this.host.context(instance);
    if (!driver.snapshot || !driver.backupLayout) throw new Error(`Hearth cannot back up ${driver.displayName} instances`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true, mode: 0o700 });
    const facts = await driver.snapshot(context, staging);
    const secrets = Object.fromEntries(driver.backupLayout.secrets.filter((name) => context.secrets[name] !== undefined).map((name) => [name, context.secrets[name]]));
    await writeFile(join(staging, SECRETS_PATH), JSON.stringify(secrets), { mode: 0o600 });
    const accounts = (await driver.listUsers(context)).length;
    await writeFile(`${staging}.json`, JSON.stringify({ facts, accounts } satisfies SnapshotRecord), { mode: 0o600 });
  }

  private async upload(backup: Backup, key: string, staging: string, context: JobContext): Promise<void> {
    const record = JSON.parse(await readFile(`${staging}.json`, 'utf8').catch(() => {
      throw new Error('The snapshot of this backup is gone (the worker restarted after taking it); start the backup again');
    })) as SnapshotRecord;
    const instance = await this.prisma.instance.findUniqueOrThrow({ where: { id: backup.instanceId! } });
    const driver = this.host.driver(instance.kind);
    const targetRow = await this.targets.find(backup.targetId);
    const info = { id: instance.id, name: instance.name, kind: backup.kind, domain: backup.domain, version: instance.version };
    const { upload, manifest } = await this.targets.use(targetRow, async (target) => {
      const result = await archiveToTarget({
        instanceDir: instance.dir,
        staging,
        layout: driver.backupLayout!,
        manifest: { backupId: backup.id, createdAt: backup.startedAt.toISOString(), hearthVersion: backup.hearthVersion, instance: info, accounts: record.accounts, facts: record.facts },
        recipients: backup.recipients,
        target,
        key,
        onProgress: (bytes) => context.progress(0, `${(bytes / 1048576).toFixed(1)} MiB archived`),
      });
      const sidecar: BackupSidecar = {
        format: MANIFEST_FORMAT,
        backupId: backup.id,
        createdAt: backup.startedAt.toISOString(),
        hearthVersion: backup.hearthVersion,
        instance: info,
        object: { key, size: result.upload.size, sha256: result.upload.sha256 },
        recipients: backup.recipients,
        restore: `age -d -i key.txt ${key.split('/').pop()} | zstd -d | tar x`,
      };
      await target.put(sidecarKey(key), Readable.from([Buffer.from(JSON.stringify(sidecar, null, 2))]));
      return result;
    });
    await this.prisma.backup.update({
      where: { id: backup.id },
      data: { objectKey: key, sizeBytes: upload.size, sha256: upload.sha256, fileCount: manifest.files.length, contentBytes: manifest.totalBytes, accountCount: manifest.accounts },
    });
  }

  /** The final object is there with the size the read-back check saw. */
  private async verifyStored(backupId: string): Promise<void> {
    const backup = await this.load(backupId);
    const stored = await this.targets.use(await this.targets.find(backup.targetId), (target) => target.stat(backup.objectKey!));
    if (!stored || stored.size !== Number(backup.sizeBytes)) throw new Error(`The stored object ${backup.objectKey} is ${stored ? `${stored.size} bytes, not ${backup.sizeBytes}` : 'missing'}`);
    const now = new Date();
    await this.prisma.backup.update({ where: { id: backupId }, data: { status: 'verified', verifiedAt: now, finishedAt: now, lastCheckAt: now, lastCheckOk: true, error: null } });
  }

  /** After a success only: the schedule's keep rules, then leftovers of interrupted uploads. */
  private async prune(backupId: string): Promise<void> {
    const backup = await this.load(backupId);
    const targetRow = await this.targets.find(backup.targetId);
    const schedule = backup.scheduleId ? await this.prisma.backupSchedule.findUnique({ where: { id: backup.scheduleId } }) : null;
    const { backupsKept } = await consoleRetention(this.prisma, this.config);
    const doomed = schedule
      ? backupsToPrune(await this.prisma.backup.findMany({ where: { scheduleId: schedule.id, status: 'verified' }, select: { id: true, startedAt: true } }), schedule, schedule.timezone, backupsKept)
      : [];
    await this.targets.use(targetRow, async (target) => {
      for (const id of doomed) {
        const old = await this.load(id);
        await target.delete(old.objectKey!);
        await target.delete(sidecarKey(old.objectKey!));
        await this.prisma.backup.update({ where: { id }, data: { status: 'pruned' } });
      }
      const prefix = `${backup.instanceName}/`;
      for (const object of await target.list(prefix)) {
        const name = object.key.slice(object.key.lastIndexOf('/') + 1);
        if (name.startsWith(TEMPORARY_PREFIX) && object.modifiedAt && Date.now() - object.modifiedAt.getTime() > STALE_TEMPORARY_MS) await target.delete(object.key);
      }
    });
  }

  private async fail(backupId: string, reason: string): Promise<void> {
    const updated = await this.prisma.backup.updateMany({ where: { id: backupId, status: 'running' }, data: { status: 'failed', error: reason.slice(0, 2000), finishedAt: new Date() } });
    if (!updated.count) return;
    const backup = await this.load(backupId);
    if (backup.instanceId) await this.events.record(backup.instanceId, 'backup-failed', `Backup ${backupId.slice(0, 8)} to its target failed: ${reason}`.slice(0, 1000));
  }

  private async load(id: string): Promise<Backup> {
    const row = await this.prisma.backup.findUnique({ where: { id } });
    if (!row) throw new Error(`Backup ${id} no longer exists`);
    return row;
  }
}

/** <instance name>/<UTC time>-<id start>.tar.zst.age: sorted by time, and unique. */
function objectKey(backup: Backup): string {
  const time = backup.startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${backup.instanceName}/${time}-${backup.id.slice(0, 8)}${OBJECT_SUFFIX}`;
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
