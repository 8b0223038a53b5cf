import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { PoliciesService } from './policies.service';
import { PrivacyReportService } from './privacy-report.service';
import { RetentionController } from './retention.controller';
import { RetentionJobs } from './retention.jobs';

/** Metadata retention: policies, their application to instances, purges, and the privacy report. */
@Module({
  imports: [InstancesModule],
  controllers: [RetentionController],
  providers: [PoliciesService, PrivacyReportService, RetentionJobs],
})
export class RetentionModule {}
