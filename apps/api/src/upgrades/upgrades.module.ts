import { Module } from '@nestjs/common';
import { BackupsModule } from '../backups/backups.module';
import { InstancesModule } from '../instances/instances.module';
import { ServerVersionsService } from './server-versions.service';
import { UpgradeJob } from './upgrade.job';
import { UpgradesController } from './upgrades.controller';
import { UpgradesService } from './upgrades.service';

/** Server versions side by side, and upgrades that finish healthy or put everything back. */
@Module({
  imports: [InstancesModule, BackupsModule],
  controllers: [UpgradesController],
  providers: [ServerVersionsService, UpgradesService, UpgradeJob],
})
export class UpgradesModule {}
