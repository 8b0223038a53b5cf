import { Injectable, Logger } from '@nestjs/common';
import type { InstanceStatus } from '@hearth/contracts';
import { PrismaService } from '../database/prisma.service';
import type { ProbeCheck } from '../drivers/driver';
import type { Instance } from '../generated/prisma/client';
import { HomeserverHost } from '../instances/homeserver-host.service';
import { errorMessage } from '../jobs/job-context';
import { JobHandler } from '../jobs/job-handler.decorator';
import { type JobPayloads, LIFECYCLE_JOBS } from '../jobs/job-types';
import { JobsService } from '../jobs/jobs.service';
import { DEFAULT_RESTART_POLICY, decideRestart } from '../runtimes/restart-policy';
import { HealthScheduleService } from './health-schedule.service';
import { InstanceEventsService } from './instance-events.service';

/** Statuses owned by a running job: the check leaves them alone. */
const OWNED_BY_A_JOB = new Set<string>(['provisioning', 'upgrading']);
/** While one of these is queued or running for an instance, a missing process is expected. */
const LOG_TAIL_LINES = 10;
const MAX_REASON_CHARS = 2_000;

interface Sample {
  ok: boolean;
  latencyMs: number | null;
  checks: readonly ProbeCheck[];
}

/**
 * One health check of one instance, run by its BullMQ job scheduler every healthIntervalSec.
 * It runs for every instance all the time, so a healthy check costs one read and one write
 * (the sample together with lastHealthAt); events, alerts and restarts only on a change.
 */
@Injectable()
export class HealthCheckJob {
  private readonly logger = new Logger('Monitoring');

  constructor(
    private readonly prisma: PrismaService,
    private readonly host: HomeserverHost,
    private readonly events: InstanceEventsService,
    private readonly jobs: JobsService,
    private readonly schedule: HealthScheduleService,
  ) {}

  @JobHandler('instance.health-check', { recorded: false })
  async run({ instanceId }: JobPayloads['instance.health-check']): Promise<void> {
    try {
      await this.check(instanceId);
    } catch (error) {
      // These jobs have no JobRun to keep the error: the log is where it shows.
      this.logger.warn({ msg: 'health check failed', instanceId, error: errorMessage(error) });
      throw error;
    }
  }

  private async check(instanceId: string): Promise<void> {
    const instance = await this.prisma.instance.findUnique({ where: { id: instanceId } });
    if (!instance) return this.schedule.unschedule(instanceId);
    if (OWNED_BY_A_JOB.has(instance.status)) return;
    const spec = this.host.spec(instance);
    const runtime = this.host.runtime(instance.runtime);
    const at = new Date();
    const server = await runtime.status(spec);

    if (instance.desiredState === 'stopped') {
      // A running process here is a stop in progress; the stop job reports its outcome.
      if (server.state !== 'running' && instance.status !== 'stopped') {
        await this.events.transition(instance.id, 'stopped', 'Stopped, as an operator asked', { desiredState: 'stopped' });
      }
      return;
    }
    if (server.state !== 'running') {
      await this.store(instance.id, at, { ok: false, latencyMs: null, checks: [{ name: 'process', ok: false, detail: 'the server process is not running' }] });
      return this.processGone(instance);
    }
    const probe = await this.host.driver(instance.kind).probe(spec, { timeoutMs: probeTimeoutMs(instance.healthIntervalSec) });
    await this.store(instance.id, at, probe);
    const next = nextStatus(instance.status as InstanceStatus, probe);
    if (next) await this.events.transition(instance.id, next.status, next.reason, { from: instance.status as InstanceStatus, desiredState: 'running' });
  }

  private async store(instanceId: string, at: Date, sample: Sample): Promise<void> {
    // One statement: a separate update of lastHealthAt would double the writes of every check.
    await this.prisma.$executeRaw`
      WITH sample AS (
        INSERT INTO "HealthSample" ("instanceId", at, ok, "latencyMs", checks)
        VALUES (${instanceId}::uuid, ${at}, ${sample.ok}, ${sample.latencyMs}, ${JSON.stringify(sample.checks)}::jsonb)
      )
      UPDATE "Instance" SET "lastHealthAt" = ${at}, "lastHealthyAt" = CASE WHEN ${sample.ok} THEN ${at} ELSE "lastHealthyAt" END
      WHERE id = ${instanceId}::uuid`;
  }

  /** The process should run and doesn't: a crash, unless a job is starting or stopping it. */
  private async processGone(instance: Instance): Promise<void> {
    // After a give-up only an operator starts it again.
    if (instance.status === 'failed') return;
    if (await this.lifecycleJobPending(instance.id)) return;
    // A job may have started the server, or an operator stopped it, since the check looked.
    const runtime = this.host.runtime(instance.runtime);
    const spec = this.host.spec(instance);
    if ((await runtime.status(spec)).state === 'running') return;

    const now = Date.now();
    const policy = DEFAULT_RESTART_POLICY;
    const crashes = [...instance.recentCrashes.map((d) => d.getTime()).filter((t) => now - t < policy.windowMs), now];
    if (!(await this.claimCrash(instance, crashes))) return;

    const tail = await runtime.readLogTail(spec, LOG_TAIL_LINES).catch(() => [] as string[]);
    const wasUp = instance.status === 'running' || instance.status === 'degraded';
    const what = wasUp ? 'The server process exited unexpectedly' : 'The server process is not running although it should be';
    await this.events.record(instance.id, 'crash', clip(tail.length ? `${what}.\nIts last output:\n${tail.map((line) => line.slice(0, 300)).join('\n')}` : `${what}.`));

    const decision = decideRestart(crashes, now, policy);
    if (decision.action === 'give-up') {
      const minutes = Math.round(decision.windowMs / 60_000);
      await this.events.transition(instance.id, 'failed', `Crash loop: ${decision.crashes} crashes in ${minutes} min; restart it by hand after fixing the cause`);
      return;
    }
    const delay = formatDelay(decision.delayMs);
    await this.events.transition(instance.id, 'down', `${what}; Hearth restarts it in ${delay}`);
    await this.jobs.enqueue('instance.start', { instanceId: instance.id }, { delayMs: decision.delayMs, targetType: 'instance', targetId: instance.id });
    await this.events.record(instance.id, 'restart', `Restart ${decision.attempt} after a crash, in ${delay}`);
  }

  /**
   * Records the crash unless the row changed since `instance` was read: of two checks that saw
   * the same crash only one goes on to restart the server, and none after an operator's stop.
   */
  private claimCrash(instance: Instance, crashes: number[]): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ recentCrashes: Date[] | null; desiredState: string; status: string }[]>`
        SELECT "recentCrashes", "desiredState", status FROM "Instance" WHERE id = ${instance.id}::uuid FOR UPDATE`;
      const seen = instance.recentCrashes.map((d) => d.getTime()).join();
      if (!row || row.desiredState !== 'running' || row.status !== instance.status) return false;
      if ((row.recentCrashes ?? []).map((d) => new Date(d).getTime()).join() !== seen) return false;
      await tx.instance.update({ where: { id: instance.id }, data: { recentCrashes: crashes.map((t) => new Date(t)) } });
      return true;
    });
  }

  private async lifecycleJobPending(instanceId: string): Promise<boolean> {
    const pending = await this.prisma.jobRun.count({
      where: { type: { in: [...LIFECYCLE_JOBS] }, status: { in: ['queued', 'running'] }, payload: { path: ['instanceId'], equals: instanceId } },
    });
    return pending > 0;
  }
}

/**
 * The status a probe of a running process leads to, or undefined for no change. A first
 * failure makes a running instance degraded, a second in a row makes it down: so an outage
 * is reported within two check intervals, and one slow answer does not page anyone.
 */
export function nextStatus(current: InstanceStatus, probe: Sample): { status: InstanceStatus; reason: string } | undefined {
  if (probe.ok) return current === 'running' ? undefined : { status: 'running', reason: `Healthy: the server answers (${probe.latencyMs} ms)` };
  const failures = probe.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`).join('; ');
  if (current === 'running') return { status: 'degraded', reason: clip(`The health check failed (${failures}); the server process is running`) };
  if (current === 'degraded') return { status: 'down', reason: clip(`The health check failed twice in a row (${failures})`) };
  return undefined;
}

/** Well inside the interval, so a hanging server can't make checks of one instance overlap. */
export function probeTimeoutMs(intervalSec: number): number {
  return Math.min(5_000, Math.max(500, (intervalSec * 1000) / 2));
}

function formatDelay(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}
