#!/usr/bin/env node
import 'reflect-metadata';
import { Argument, Command, InvalidArgumentError } from 'commander';
import { NestFactory } from '@nestjs/core';
import { ROLES, type Role } from '@hearth/contracts';
import { AppModule } from '../app.module';
import { ConfigError, loadConfig } from '../config/config';
import { PreflightError, preflight } from '../bootstrap/preflight';
import { applyMigrations } from '../bootstrap/migrate';
import { HearthError } from '../common/hearth-error';
import { createLogger } from '../logger';
import { RootfsError } from '../runtimes/rootfs/debian-rootfs';
import { runOperatorCreate, runResetPassword, runTokenCreate } from './commands';
import { IMAGES, runImagesBuild, runImagesList } from './images';
import { INSTALLABLE, runVersionsInstall, runVersionsList } from './versions';
import { ServerImageError } from '../runtimes/container/server-images';

function role(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of days, 1 or more');
  return n;
}

/** Opens the app's services (no HTTP, no worker) for one command, then closes them. */
async function withServices(run: (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) => Promise<void>): Promise<void> {
  const config = loadConfig();
  await preflight(config);
  await applyMigrations({ ...config, logLevel: 'warn' });
  const app = await NestFactory.createApplicationContext(AppModule.forCli(config), { logger: createLogger({ logLevel: 'warn', logFormat: 'text' }) });
  try {
    await run(app);
  } finally {
    await app.close();
  }
}

const program = new Command('hearth').description('Hearth console administration (uses DATABASE_URL and REDIS_URL like the server)');
const operator = program.command('operator').description('Operator accounts');

operator
  .command('create')
  .description('Create an operator; the password is read from stdin with --password-stdin, else generated and printed once')
  .requiredOption('--email <email>', 'login email')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, role)
  .option('--display-name <name>', 'name shown in the console')
  .option('--password-stdin', 'read the password from standard input (keeps it out of argv and shell history)')
  .action((options: { email: string; role: Role; displayName?: string; passwordStdin?: boolean }) =>
    withServices((app) => runOperatorCreate(app, options)),
  );

operator
  .command('reset-password')
  .description('Set a new password, sign out all sessions and lift login throttling: the way back in for a locked-out owner')
  .requiredOption('--email <email>', 'login email')
  .option('--password-stdin', 'read the new password from standard input')
  .option('--clear-second-factor', 'also turn off two-factor authentication (a lost authenticator device)')
  .action((options: { email: string; passwordStdin?: boolean; clearSecondFactor?: boolean }) => withServices((app) => runResetPassword(app, options)));

program
  .command('token')
  .description('Personal API tokens')
  .command('create')
  .description('Create an API token for an operator; it is printed once')
  .requiredOption('--email <email>', 'the operator who owns the token')
  .requiredOption('--name <name>', 'what the token is for')
  .option('--role <role>', 'defaults to the operator role; cannot exceed it', role)
  .option('--expires-in-days <days>', 'expiry; tokens without one never expire', positiveInt)
  .action((options: { email: string; name: string; role?: Role; expiresInDays?: number }) => withServices((app) => runTokenCreate(app, options)));

// The version store is plain files: these commands need neither the database nor Redis.
const versions = program.command('versions').description('Server software Hearth installs itself, in HEARTH_VERSION_STORE (no database needed)');

versions
  .command('install')
  .description("Build the software's newer version into the store (Synapse: a Debian root filesystem; Prosody, ejabberd: a package tree from bookworm-backports), or find it built; needs root")
  .addArgument(new Argument('<software>', 'what to install').choices(Object.keys(INSTALLABLE)))
  .option('--suite <suite>', 'the Debian suite a package tree comes from (default: the host release\'s backports)')
  .option('--refresh', 'look for a newer version in the suite even if one is installed (built beside it)')
  .action((software: string, options: { suite?: string; refresh?: boolean }) => runVersionsInstall(loadConfig(), software, options));

versions
  .command('list')
  .description('List what is installed: software, Debian suite, package versions, build date, size')
  .action(() => runVersionsList(loadConfig()));

// Images go to the container engine (HEARTH_CONTAINER_SOCKET), built from the version store.
const images = program.command('images').description("Container images of the chat servers, built from Debian's packages into the container engine (no database needed)");

images
  .command('build')
  .description('Build the server\'s images (a Debian tree in the version store, imported into the engine), or find them built; needs root')
  .addArgument(new Argument('<server>', 'which server').choices(Object.keys(IMAGES)))
  .option('--tag <tag>', 'only this tag, e.g. bookworm-backports')
  .action((server: string, options: { tag?: string }) => runImagesBuild(loadConfig(), server, options));

images
  .command('list')
  .description("List the engine's images of Hearth's servers: name, server version, the tree it came from")
  .action(() => runImagesList(loadConfig()));

program.parseAsync().catch((error: unknown) => {
  const known = error instanceof HearthError || error instanceof ConfigError || error instanceof PreflightError || error instanceof RootfsError || error instanceof ServerImageError;
  process.stderr.write(`hearth: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
