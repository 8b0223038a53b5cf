import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/config';
import { PreflightError, preflight } from './bootstrap/preflight';
import { applyMigrations } from './bootstrap/migrate';
import { ensureFirstOwner } from './bootstrap/first-owner';
import { createHttpApp } from './http-app';

async function main(): Promise<void> {
  const config = loadConfig();
  await preflight(config);
  await applyMigrations(config);
  const app = await createHttpApp(config);
  await ensureFirstOwner(app, config, (text) => process.stdout.write(text));
  await app.listen({ host: config.host, port: config.port });
  process.stdout.write(`Hearth ${config.version} is running at ${await app.getUrl()}/ (worker: ${config.worker})\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof PreflightError) {
    process.stderr.write(`\nHearth cannot start:\n\n${error.message}\n\n`);
  } else {
    process.stderr.write(`\nHearth failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
