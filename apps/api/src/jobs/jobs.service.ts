import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { Job, JobListQuery } from '@hearth/contracts';
import { HearthError } from '../common/hearth-error';
import { iso, pageArgs } from '../common/list';
import { redactSecrets } from '../common/redact';
import { PrismaService } from '../database/prisma.service';
import type { Prisma } from '../generated/prisma/client';
import { JobPlans } from './job-plans';
import { JobQueue } from './job-queue';
import { JobRecords, type JobRunWithSteps } from './job-records';
import type { JobName, JobPayloads } from './job-types';

export interface EnqueueOptions {
  createdById?: string;
  targetType?: string;
  targetId?: string;
  retryOfId?: string;
  /** Run no sooner than this (e.g. a restart after a crash, with backoff). */
  delayMs?: number;
}

/** The API side of jobs: write the intent, enqueue, and answer with the run id. */
@Injectable()
export class JobsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly records: JobRecords,
    private readonly queue: JobQueue,
    private readonly plans: JobPlans,
  ) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions = {}): Promise<string> {
    const { delayMs, ...recordOptions } = options;
    const run = await this.records.create({
      type: name,
      payload: redactSecrets(payload) as Prisma.InputJsonValue,
      steps: this.plans.steps(name, payload),
      ...recordOptions,
    });
    try {
      await this.queue.add(name, run.id, payload, delayMs);
    } catch (error) {
      await this.records.fail(run.id, 'Could not queue the job: Redis is unavailable');
      throw new HearthError('service/unavailable', 'The job queue (Redis) is unavailable; the job was not started');
    }
    return run.id;
  }

  async list(query: z.output<typeof JobListQuery>): Promise<{ data: Job[]; total: number }> {
    const where: Prisma.JobRunWhereInput = {
      status: query.status,
      type: query.type ?? (query.q ? { contains: query.q } : undefined),
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.jobRun.findMany({ where, include: { steps: { orderBy: { position: 'asc' } } }, ...pageArgs(query, query.sort) }),
      this.prisma.jobRun.count({ where }),
    ]);
    return { data: rows.map(toJob), total };
  }

  async get(id: string): Promise<Job> {
    return toJob(await this.find(id));
  }

  async retry(id: string, createdById: string): Promise<string> {
    const run = await this.find(id);
    if (run.status !== 'failed' && run.status !== 'cancelled') throw new HearthError('job/not_retryable');
    const name = run.type as JobName;
    return this.enqueue(name, run.payload as JobPayloads[typeof name], {
      createdById,
      targetType: run.targetType ?? undefined,
      targetId: run.targetId ?? undefined,
      retryOfId: run.id,
    });
  }

  /** Queued jobs are cancelled at once; running ones stop before their next step. */
  async cancel(id: string): Promise<void> {
    const run = await this.find(id);
    if (run.status === 'queued' && (await this.queue.remove(id))) return this.records.cancel(id);
    if (run.status === 'queued' || run.status === 'running') return this.records.requestCancel(id);
    throw new HearthError('job/not_cancellable');
  }

  private async find(id: string): Promise<JobRunWithSteps> {
    const run = await this.records.find(id);
    if (!run) throw new HearthError('job/not_found');
    return run;
  }
}

export function toJob(run: JobRunWithSteps): Job {
  return {
    id: run.id,
    type: run.type,
    status: run.status,
    progress: run.progress,
    steps: run.steps.map((s) => ({
      name: s.name,
      status: s.status,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      ...(s.error ? { error: s.error } : {}),
      ...(s.progress !== null ? { progress: s.progress } : {}),
      ...(s.detail ? { detail: s.detail } : {}),
    })),
    ...(run.error ? { error: run.error } : {}),
    ...(run.result !== null ? { result: run.result } : {}),
    attempts: run.attempts,
    targetType: run.targetType,
    targetId: run.targetId,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}
