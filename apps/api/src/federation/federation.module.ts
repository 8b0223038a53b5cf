import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { FederationController } from './federation.controller';
import { FederationService } from './federation.service';

/** Federation policies of the instances; the work is the instances' reconfigure job. */
@Module({
  imports: [InstancesModule],
  controllers: [FederationController],
  providers: [FederationService],
})
export class FederationModule {}
