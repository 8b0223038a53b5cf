import { Injectable, Logger } from '@nestjs/common';
import type { CreateUpgradeRollout, RolloutInstance, UpgradeRollout } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { BackupRecipientsService } from '../backups/backup-recipients.service';
import { BackupTargetsService } from '../backups/backup-targets.service';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type UpgradeRollout as RolloutRow } from '../generated/prisma/client';
import type { Requester } from '../instances/instances.service';
import { JobQueue } from '../jobs/job-queue';
import { errorMessage } from '../jobs/job-context';
import { type MaintenanceWindow, describeWindow, nextOpening } from './maintenance-window';
import type { ServerVersion } from '../runtimes/packages/server-versions';
import { ServerVersionsService, currentId } from './server-versions.service';
import { UpgradesService } from './upgrades.service';

const TICK = 'upgrade.rollout';
const RECHECK_MS = 5_000;

/**
 * Upgrade rollouts: several instances moved to one version by the usual upgrade plan, one at a
 * time, halting at the first that fails. Each upgrade is an ordinary instance.upgrade job; a
 * rollout only decides which one runs next and when (upgrade.rollout ticks: when it is created,
 * when one of its upgrades ends, when its window opens). Nothing waits on anything in a worker.
 */
@Injectable()
export class RolloutsService {
  private readonly logger = new Logger('Rollouts');

  constructor(
    private readonly prisma: PrismaService,
    private readonly versions: ServerVersionsService,
    private readonly upgrades: UpgradesService,
    private readonly targets: BackupTargetsService,
    private readonly recipients: BackupRecipientsService,
    private readonly jobQueue: JobQueue,
  ) {}

  async create(input: CreateUpgradeRollout, requester: Requester): Promise<UpgradeRollout> {
    await this.targets.find(input.targetId);
    await this.recipients.keys(input.recipientIds);
    const rows = await this.prisma.instance.findMany({
      where: { kind: input.kind, runtime: { not: 'external' }, ...(input.instanceIds ? { id: { in: input.instanceIds } } : {}) },
      orderBy: { name: 'asc' },
    });
    const missing = (input.instanceIds ?? []).filter((id) => !rows.some((row) => row.id === id));
    if (missing.length) throw new HearthError('request/invalid', `Not ${input.kind} instances Hearth runs: ${missing.join(', ')}`);
    const instances: RolloutInstance[] = [];
    for (const row of rows) {
      const versions = await this.versions.versionsOf(row).catch(() => []);
      const target = versionTo(versions, input.to);
      const skip = !target ? `it has no version ${input.to}` : target.id === currentId(row, versions) ? `it already runs ${target.version ?? target.id}` : null;
      instances.push({ instanceId: row.id, name: row.name, status: skip ? 'skipped' : 'pending', jobId: null, detail: skip });
    }
    if (!instances.some((entry) => entry.status === 'pending')) {
      throw new HearthError('request/invalid', `No ${input.kind} instance can move to ${input.to}: ${instances.map((entry) => `${entry.name}: ${entry.detail}`).join('; ') || 'there are none'}`);
    }
    const row = await this.prisma.upgradeRollout.create({
      data: {
        kind: input.kind,
        to: input.to,
        targetId: input.targetId,
        recipientIds: input.recipientIds,
        window: (input.window ?? Prisma.DbNull) as Prisma.InputJsonObject,
        instances: instances as unknown as Prisma.InputJsonArray,
        createdById: requester.operatorId,
      },
    });
    // The first step now, so the answer says what happens: upgrading the first server, or waiting for the window.
    await this.advance(row.id);
    return this.get(row.id);
  }

  async list(): Promise<UpgradeRollout[]> {
    return (await this.prisma.upgradeRollout.findMany({ orderBy: { createdAt: 'desc' }, take: 100 })).map(view);
  }

  async get(id: string): Promise<UpgradeRollout> {
    return view(await this.find(id));
  }

  /** No further upgrade starts; one that runs finishes (or is undone) as usual. */
  async cancel(id: string): Promise<UpgradeRollout> {
    const row = await this.find(id);
    if (!['running', 'waiting'].includes(row.status)) throw new HearthError('request/invalid', `The rollout is ${row.status}`);
    return view(await this.prisma.upgradeRollout.update({ where: { id }, data: { status: 'cancelled', statusReason: 'Cancelled by an operator', finishedAt: new Date() } }));
  }

  /** Queues a tick now, or at `at` (the window's opening; one per rollout and time). */
  async tick(rolloutId: string, at?: Date): Promise<void> {
    const delay = at ? Math.max(0, at.getTime() - Date.now()) : undefined;
    await this.jobQueue.queue.add(TICK, { rolloutId }, { ...(at ? { jobId: `rollout-${rolloutId}-${at.getTime()}`, delay } : {}), removeOnComplete: true, removeOnFail: { count: 100 } });
  }

  /**
   * Settles the upgrade that ran, then starts the next pending one (inside the window) or
   * finishes. Ticks may run twice at once: each change is made only if the row is as it was read.
   */
  async advance(rolloutId: string, now = new Date()): Promise<void> {
    const row = await this.prisma.upgradeRollout.findUnique({ where: { id: rolloutId } });
    if (!row || !['running', 'waiting'].includes(row.status)) return;
    const instances = row.instances as unknown as RolloutInstance[];
    const current = instances.find((entry) => entry.status === 'upgrading');
    if (current) {
      const job = await this.prisma.jobRun.findUnique({ where: { id: current.jobId! } });
      // Its job ends with a tick; one that came before the job's record was final looks again shortly.
      if (job && (job.status === 'queued' || job.status === 'running')) return this.tick(row.id, new Date(now.getTime() + RECHECK_MS));
      current.status = job?.status === 'succeeded' ? 'upgraded' : 'failed';
      current.detail = job?.status === 'succeeded' ? null : (job?.error ?? job?.status ?? 'its job record is gone').slice(0, 1000);
      if (current.status === 'failed') {
        await this.save(row, { instances, status: 'halted', statusReason: `Stopped at ${current.name}: ${current.detail}`, finishedAt: now });
        return;
      }
    }
    const next = instances.find((entry) => entry.status === 'pending');
    if (!next) {
      await this.save(row, { instances, status: 'succeeded', statusReason: null, nextWindowAt: null, finishedAt: now });
      return;
    }
    const window = row.window as MaintenanceWindow | null;
    const opening = window ? nextOpening(window, now) : now;
    if (opening.getTime() > now.getTime()) {
      if (await this.save(row, { instances, status: 'waiting', statusReason: `Waiting for the maintenance window ${describeWindow(window!)}`, nextWindowAt: opening })) await this.tick(row.id, opening);
      return;
    }
    await this.start(row, instances, next);
  }

  private async start(row: RolloutRow, instances: RolloutInstance[], next: RolloutInstance): Promise<void> {
    // Claimed first, so a concurrent tick does not start the same upgrade too.
    next.status = 'upgrading';
    if (!(await this.save(row, { instances, status: 'running', statusReason: `Upgrading ${next.name}`, nextWindowAt: null }))) return;
    const claimed = await this.prisma.upgradeRollout.findUniqueOrThrow({ where: { id: row.id } });
    try {
      const operator = row.createdById ? await this.prisma.operator.findUnique({ where: { id: row.createdById } }) : null;
      const versions = await this.versions.versionsOf(await this.versions.find(next.instanceId));
      const target = versionTo(versions, row.to);
      if (!target) throw new HearthError('request/invalid', `it no longer has a version ${row.to}`);
      if (!row.targetId) throw new HearthError('request/invalid', 'its backup target was deleted');
      const accepted = await this.upgrades.upgrade(
        next.instanceId,
        { versionId: target.id, targetId: row.targetId, recipientIds: row.recipientIds },
        { operatorId: row.createdById ?? '', email: operator?.email ?? 'a deleted operator' },
        row.id,
      );
      next.jobId = accepted.jobId;
      await this.save(claimed, { instances });
    } catch (error) {
      // An upgrade that cannot even be asked for (the server is down or busy, its version gone) halts the rollout like a failed one.
      this.logger.warn({ msg: 'rollout halted', rolloutId: row.id, instanceId: next.instanceId, error: errorMessage(error) });
      next.status = 'failed';
      next.detail = errorMessage(error).slice(0, 1000);
      await this.save(claimed, { instances, status: 'halted', statusReason: `Stopped at ${next.name}: ${next.detail}`, finishedAt: new Date() });
    }
  }

  /** Writes only if nobody changed the row since it was read; answers whether it did. */
  private async save(row: RolloutRow, data: { instances?: RolloutInstance[]; status?: RolloutRow['status']; statusReason?: string | null; nextWindowAt?: Date | null; finishedAt?: Date }): Promise<boolean> {
    const { instances, ...rest } = data;
    const { count } = await this.prisma.upgradeRollout.updateMany({
      where: { id: row.id, updatedAt: row.updatedAt },
      data: { ...rest, ...(instances ? { instances: instances as unknown as Prisma.InputJsonArray } : {}) },
    });
    return count === 1;
  }

  private async find(id: string): Promise<RolloutRow> {
    const row = await this.prisma.upgradeRollout.findUnique({ where: { id } });
    if (!row) throw new HearthError('rollout/not_found');
    return row;
  }
}

/** The version a rollout's `to` names among an instance's own: by id or by Debian suite, one it can run. */
function versionTo(versions: readonly ServerVersion[], to: string): ServerVersion | undefined {
  return versions.find((v) => (v.id === to || v.suite === to) && v.state !== 'unavailable');
}

function view(row: RolloutRow): UpgradeRollout {
  return {
    id: row.id,
    kind: row.kind,
    to: row.to,
    window: (row.window as UpgradeRollout['window']) ?? null,
    targetId: row.targetId,
    recipientIds: row.recipientIds,
    status: row.status,
    statusReason: row.statusReason,
    nextWindowAt: row.nextWindowAt?.toISOString() ?? null,
    instances: row.instances as unknown as RolloutInstance[],
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
