import { type DynamicModule, Module } from '@nestjs/common';
import type { HearthConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { WorkerService } from './jobs/worker.service';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { OpenApiModule } from './openapi/openapi.module';
import { OperatorsModule } from './operators/operators.module';
import { RedisModule } from './redis/redis.module';
import { TokensModule } from './tokens/tokens.module';

/** Everything but the HTTP-only parts: shared by the API, the worker and the CLI. */
function coreModules(config: HearthConfig) {
  return [ConfigModule.forRoot(config), DatabaseModule, RedisModule, CryptoModule, AuditModule, AuthModule, JobsModule, OperatorsModule, TokensModule, MaintenanceModule];
}

@Module({})
export class AppModule {
  /** The API; with `worker: embedded` (the quick start) it runs the job worker too. */
  static forApi(config: HearthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...coreModules(config), HealthModule, OpenApiModule],
      providers: config.worker === 'embedded' ? [WorkerService] : [],
    };
  }

  static forWorker(config: HearthConfig): DynamicModule {
    return { module: AppModule, imports: coreModules(config), providers: [WorkerService] };
  }

  static forCli(config: HearthConfig): DynamicModule {
    return { module: AppModule, imports: coreModules(config) };
  }
}
