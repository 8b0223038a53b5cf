import { Module } from '@nestjs/common';
import { MaintenanceController } from './maintenance.controller';
import { PruneJob } from './prune.job';

@Module({ controllers: [MaintenanceController], providers: [PruneJob] })
export class MaintenanceModule {}
