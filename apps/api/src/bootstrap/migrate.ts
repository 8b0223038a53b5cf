import { Logger } from '@nestjs/common';
import type { HearthConfig } from '../config/config';

/** Applies pending migrations (the @hearth/db workspace's offline-capable migrator). */
export async function applyMigrations(config: HearthConfig): Promise<void> {
  const logger = new Logger('Migrations');
  const { deployMigrations } = await import('@hearth/db');
  const applied = await deployMigrations({ databaseUrl: config.databaseUrl, log: (line) => logger.log(line) });
  if (applied.length) logger.log({ msg: 'migrations applied', migrations: applied });
}
