import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { BackupRecipientsController } from './backup-recipients.controller';
import { BackupRecipientsService } from './backup-recipients.service';
import { BackupSchedulesController } from './backup-schedules.controller';
import { BackupSchedulesService } from './backup-schedules.service';
import { BackupTargetsController } from './backup-targets.controller';
import { BackupTargetsService } from './backup-targets.service';
import { BackupJobs } from './backup.jobs';
import { BackupsController } from './backups.controller';
import { BackupsService } from './backups.service';
import { RestoreIdentities } from './restore-identities';
import { RestoreJobs } from './restore.jobs';

/** Encrypted backups: recipients, targets, schedules, the backups themselves, restores and drills. */
@Module({
  imports: [InstancesModule],
  controllers: [BackupRecipientsController, BackupTargetsController, BackupSchedulesController, BackupsController],
  providers: [BackupRecipientsService, BackupTargetsService, BackupSchedulesService, BackupsService, RestoreIdentities, BackupJobs, RestoreJobs],
  exports: [BackupsService, BackupJobs, BackupTargetsService, BackupRecipientsService],
})
export class BackupsModule {}
