import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Job, JobAccepted, JobListQuery, IdParams } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { Audit, Doc, RequirePermission, ValidParams, ValidQuery } from '../common/route-meta';
import { JobsService } from './jobs.service';

@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @RequirePermission('jobs.read')
  @Doc('Job runs, newest first', z.object({ data: z.array(Job), total: z.number() }))
  list(@ValidQuery(JobListQuery) query: z.output<typeof JobListQuery>) {
    return this.jobs.list(query);
  }

  @Get(':id')
  @RequirePermission('jobs.read')
  @Doc('One job run with its steps and progress', Job)
  get(@ValidParams(IdParams) params: { id: string }) {
    return this.jobs.get(params.id);
  }

  @Post(':id/retry')
  @RequirePermission('jobs.manage')
  @HttpCode(202)
  @Audit('job.retry', 'job')
  @Doc('Run a failed or cancelled job again, as a new run', JobAccepted, 202)
  async retry(@ValidParams(IdParams) params: { id: string }, @Req() request: FastifyRequest) {
    const jobId = await this.jobs.retry(params.id, (request.actor as Actor).operatorId);
    request.audit = { ...request.audit, detail: { newJobId: jobId } };
    return { jobId };
  }

  @Post(':id/cancel')
  @RequirePermission('jobs.manage')
  @HttpCode(202)
  @Audit('job.cancel', 'job')
  @Doc('Cancel a queued job, or stop a running one before its next step', JobAccepted, 202)
  async cancel(@ValidParams(IdParams) params: { id: string }) {
    await this.jobs.cancel(params.id);
    return { jobId: params.id };
  }
}
