import { Global, Module } from '@nestjs/common';
import { HealthCheckJob } from './health-check.job';
import { HealthScheduleService } from './health-schedule.service';
import { HealthSummaryService } from './health-summary.service';
import { InstanceEventsService } from './instance-events.service';
import { MonitoringController } from './monitoring.controller';
import { MonitoringService } from './monitoring.service';
import { PruneSamplesJob } from './prune-samples.job';
import { HomeserverHost } from '../instances/homeserver-host.service';

@Global()
@Module({
  controllers: [MonitoringController],
  providers: [InstanceEventsService, HealthScheduleService, HealthSummaryService, HomeserverHost, MonitoringService, HealthCheckJob, PruneSamplesJob],
  exports: [InstanceEventsService, HealthScheduleService, HealthSummaryService, HomeserverHost],
})
export class MonitoringModule {}
