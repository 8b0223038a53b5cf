import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/config';
import { PreflightError, preflight } from './bootstrap/preflight';
import { applyMigrations } from './bootstrap/migrate';
import { createLogger } from './logger';

/** A separate job worker, for running the API with HEARTH_WORKER=off and scaling workers out. */
async function main(): Promise<void> {
  const config = loadConfig();
  await preflight(config);
  await applyMigrations(config);
  const app = await NestFactory.createApplicationContext(AppModule.forWorker(config), { logger: createLogger(config) });
  app.enableShutdownHooks();
  await app.init();
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof PreflightError;
  process.stderr.write(`\nHearth worker cannot start:\n\n${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n\n`);
  process.exit(1);
});
