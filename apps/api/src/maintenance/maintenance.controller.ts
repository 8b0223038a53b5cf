import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { JobAccepted } from '@hearth/contracts';
import type { Actor } from '../auth/actor';
import { Audit, Doc, RequirePermission } from '../common/route-meta';
import { JobsService } from '../jobs/jobs.service';

@Controller('maintenance')
export class MaintenanceController {
  constructor(private readonly jobs: JobsService) {}

  @Post('prune')
  @RequirePermission('jobs.manage')
  @HttpCode(202)
  @Audit('maintenance.prune', 'job')
  @Doc('Prune expired sessions and API tokens now (it also runs hourly)', JobAccepted, 202)
  async prune(@Req() request: FastifyRequest) {
    const jobId = await this.jobs.enqueue('console.prune', {}, { createdById: (request.actor as Actor).operatorId });
    request.audit = { ...request.audit, targetId: jobId };
    return { jobId };
  }
}
