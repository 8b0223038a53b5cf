import { Module } from '@nestjs/common';
import { BackupsModule } from '../backups/backups.module';
import { InstancesModule } from '../instances/instances.module';
import { RolloutJob } from './rollout.job';
import { RolloutsController } from './rollouts.controller';
import { RolloutsService } from './rollouts.service';
import { ServerVersionsService } from './server-versions.service';
import { UpgradeJob } from './upgrade.job';
import { UpgradesController } from './upgrades.controller';
import { UpgradesService } from './upgrades.service';

/** Server versions side by side, upgrades that finish healthy or put everything back, and rollouts of them. */
@Module({
  imports: [InstancesModule, BackupsModule],
  controllers: [UpgradesController, RolloutsController],
  providers: [ServerVersionsService, UpgradesService, UpgradeJob, RolloutsService, RolloutJob],
})
export class UpgradesModule {}
