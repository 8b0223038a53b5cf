import { Module } from '@nestjs/common';
import { InstanceKindsController } from './instance-kinds.controller';
import { InstanceLifecycleJobs } from './instance-lifecycle.job';
import { InstanceUsersController } from './instance-users.controller';
import { InstanceUsersService } from './instance-users.service';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';

@Module({
  controllers: [InstancesController, InstanceKindsController, InstanceUsersController],
  providers: [InstancesService, InstanceUsersService, InstanceLifecycleJobs],
  exports: [InstancesService],
})
export class InstancesModule {}
