import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobPlans } from './job-plans';
import { JobQueue } from './job-queue';
import { JobRecords } from './job-records';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';

@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [JobsController],
  providers: [JobsService, JobRecords, JobQueue, JobPlans],
  exports: [JobsService, JobRecords, JobQueue, JobPlans],
})
export class JobsModule {}
