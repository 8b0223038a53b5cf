import { type DynamicModule, Module } from '@nestjs/common';
import type { HearthConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BackupsModule } from './backups/backups.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { FederationModule } from './federation/federation.module';
import { InstancesModule } from './instances/instances.module';
import { AccountsModule } from './accounts/accounts.module';
import { ModerationModule } from './moderation/moderation.module';
import { JobsModule } from './jobs/jobs.module';
import { WorkerService } from './jobs/worker.service';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { HealthScheduleReconciler } from './monitoring/health-schedule.reconciler';
import { OpenApiModule } from './openapi/openapi.module';
import { OperatorsModule } from './operators/operators.module';
import { RedisModule } from './redis/redis.module';
import { RetentionModule } from './retention/retention.module';
import { TokensModule } from './tokens/tokens.module';
import { UpgradesModule } from './upgrades/upgrades.module';

/** What a process that runs jobs adds: the BullMQ worker and the repair of health-check schedulers. */
const WORKER_PROVIDERS = [WorkerService, HealthScheduleReconciler];

/** Everything but the HTTP-only parts: shared by the API, the worker and the CLI. */
function coreModules(config: HearthConfig) {
  return [ConfigModule.forRoot(config), DatabaseModule, RedisModule, CryptoModule, AuditModule, AuthModule, JobsModule, OperatorsModule, TokensModule, MaintenanceModule, MonitoringModule, InstancesModule, AccountsModule, ModerationModule, FederationModule, AlertsModule, BackupsModule, RetentionModule, UpgradesModule];
}

@Module({})
export class AppModule {
  /** The API; with `worker: embedded` (the quick start) it runs the job worker too. */
  static forApi(config: HearthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...coreModules(config), HealthModule, OpenApiModule],
      providers: config.worker === 'embedded' ? WORKER_PROVIDERS : [],
    };
  }

  static forWorker(config: HearthConfig): DynamicModule {
    return { module: AppModule, imports: coreModules(config), providers: WORKER_PROVIDERS };
  }

  static forCli(config: HearthConfig): DynamicModule {
    return { module: AppModule, imports: coreModules(config) };
  }
}
