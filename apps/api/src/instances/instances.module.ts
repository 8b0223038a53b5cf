import { Module } from '@nestjs/common';
import { InstanceKindsController } from './instance-kinds.controller';
import { InstanceLifecycleJobs } from './instance-lifecycle.job';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';

@Module({
  controllers: [InstancesController, InstanceKindsController],
  providers: [InstancesService, InstanceLifecycleJobs],
  exports: [InstancesService],
})
export class InstancesModule {}
