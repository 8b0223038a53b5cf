import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { JobRun, JobStep, Prisma } from '../generated/prisma/client';

export type JobRunWithSteps = JobRun & { steps: JobStep[] };

/** The PostgreSQL side of jobs: the history that survives Redis and feeds the UI. */
@Injectable()
export class JobRecords {
  constructor(private readonly prisma: PrismaService) {}

  create(input: { type: string; payload: Prisma.InputJsonValue; steps: string[]; createdById?: string; targetType?: string; targetId?: string; retryOfId?: string }): Promise<JobRunWithSteps> {
    const { steps, ...run } = input;
    return this.prisma.jobRun.create({
      data: { ...run, steps: { create: steps.map((name, position) => ({ name, position })) } },
      include: { steps: { orderBy: { position: 'asc' } } },
    });
  }

  find(id: string): Promise<JobRunWithSteps | null> {
    return this.prisma.jobRun.findUnique({ where: { id }, include: { steps: { orderBy: { position: 'asc' } } } });
  }

  /** Marks the run running; returns null when it must not run (cancelled or finished meanwhile). */
  async start(id: string, workerId: string): Promise<JobRunWithSteps | null> {
    const now = new Date();
    const claimed = await this.prisma.jobRun.updateMany({
      where: { id, status: { in: ['queued', 'running'] }, cancelRequestedAt: null },
      data: { status: 'running', workerId, heartbeatAt: now, attempts: { increment: 1 } },
    });
    if (claimed.count === 0) return null;
    await this.prisma.jobRun.updateMany({ where: { id, startedAt: null }, data: { startedAt: now } });
    return this.find(id);
  }

  async heartbeat(id: string): Promise<void> {
    await this.prisma.jobRun.updateMany({ where: { id, status: 'running' }, data: { heartbeatAt: new Date() } });
  }

  async cancelRequested(id: string): Promise<boolean> {
    const run = await this.prisma.jobRun.findUnique({ where: { id }, select: { cancelRequestedAt: true } });
    return Boolean(run?.cancelRequestedAt);
  }

  async stepStarted(runId: string, name: string): Promise<void> {
    await this.prisma.jobStep.updateMany({ where: { jobRunId: runId, name }, data: { status: 'running', startedAt: new Date(), finishedAt: null, error: null } });
  }

  async stepSucceeded(runId: string, name: string, progress: number): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.jobStep.updateMany({ where: { jobRunId: runId, name }, data: { status: 'succeeded', finishedAt: new Date() } }),
      this.prisma.jobRun.update({ where: { id: runId }, data: { progress, heartbeatAt: new Date() } }),
    ]);
  }

  /** A long step's progress; the run's overall progress moves with it. */
  async stepProgress(runId: string, name: string, step: { progress: number; detail: string }, runProgress: number): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.jobStep.updateMany({ where: { jobRunId: runId, name }, data: step }),
      this.prisma.jobRun.update({ where: { id: runId }, data: { progress: runProgress, heartbeatAt: new Date() } }),
    ]);
  }

  async stepFailed(runId: string, name: string, error: string): Promise<void> {
    await this.prisma.jobStep.updateMany({ where: { jobRunId: runId, name }, data: { status: 'failed', finishedAt: new Date(), error } });
  }

  async succeed(id: string, result?: Prisma.InputJsonValue): Promise<void> {
    // Only a run still running: a run the sweep already failed stays failed, however late its worker finishes.
    await this.prisma.jobRun.updateMany({ where: { id, status: 'running' }, data: { status: 'succeeded', progress: 100, result, finishedAt: new Date(), error: null } });
  }

  async fail(id: string, error: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.jobRun.updateMany({ where: { id, status: { in: ['queued', 'running'] } }, data: { status: 'failed', error, finishedAt: new Date() } }),
      // A step left running by a dead worker did not finish either.
      this.prisma.jobStep.updateMany({ where: { jobRunId: id, status: 'running' }, data: { status: 'failed', finishedAt: new Date(), error } }),
    ]);
  }

  async cancel(id: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.jobRun.updateMany({ where: { id, status: { in: ['queued', 'running'] } }, data: { status: 'cancelled', finishedAt: new Date(), cancelRequestedAt: new Date() } }),
      this.prisma.jobStep.updateMany({ where: { jobRunId: id, status: { in: ['pending', 'running'] } }, data: { status: 'skipped' } }),
    ]);
  }

  async requestCancel(id: string): Promise<void> {
    await this.prisma.jobRun.updateMany({ where: { id, status: { in: ['queued', 'running'] } }, data: { cancelRequestedAt: new Date() } });
  }

  /** Runs marked running whose worker has not been heard from since `before`. */
  silentSince(before: Date): Promise<JobRun[]> {
    return this.prisma.jobRun.findMany({ where: { status: 'running', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: before } }] } });
  }

  async requeue(id: string): Promise<void> {
    await this.prisma.jobRun.updateMany({ where: { id, status: 'running' }, data: { status: 'queued' } });
  }
}
