import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { MonitoringModule } from '../monitoring/monitoring.module';
import { ModerationJobs } from './moderation.jobs';
import { ModerationService } from './moderation.service';
import { ReportsController } from './reports.controller';
import { RoomsController } from './rooms.controller';

/** Rooms, reports and announcements on the homeservers. */
@Module({ imports: [AccountsModule, MonitoringModule], controllers: [RoomsController, ReportsController], providers: [ModerationService, ModerationJobs] })
export class ModerationModule {}
