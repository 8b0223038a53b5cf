#!/usr/bin/env node
// npm run migrate -w @hearth/db -- deploy | create <name> [--empty] | status | check | reset
// (from the repository root: npm run db:migrate -- <command>). DATABASE_URL selects the database.
import process from 'node:process';
import { redact } from './database-url.mjs';
import {
  DEFAULT_DATABASE_URL,
  checkDrift,
  createMigration,
  deployMigrations,
  migrationStatus,
  resetDatabase,
} from './index.mjs';

const USAGE = `Usage: npm run migrate -w @hearth/db -- <command>

  deploy               apply pending migrations (creates the database if missing)
  create <name>        write migrations/<timestamp>_<name>/migration.sql from schema.prisma changes
  create <name> --empty  write an empty migration to fill in by hand (triggers, data fixes)
  status               list applied, pending, failed and edited migrations
  check                exit 1 and print the SQL if schema.prisma and the migrations disagree
  reset                drop everything in schema "public" and deploy again (refused when NODE_ENV=production)

DATABASE_URL defaults to ${DEFAULT_DATABASE_URL}`;

const log = (message) => console.log(message);

async function main(argv) {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((arg) => arg.startsWith('--')));
  const args = rest.filter((arg) => !arg.startsWith('--'));
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

  switch (command) {
    case 'deploy': {
      const applied = await deployMigrations({ databaseUrl, log });
      console.log(applied.length ? `${applied.length} migration(s) applied.` : 'No pending migrations.');
      return 0;
    }
    case 'create': {
      if (args.length !== 1) throw new UsageError('create needs exactly one name, e.g. `create add_operator_locale`.');
      const result = await createMigration({ databaseUrl, name: args[0], empty: flags.has('--empty') });
      if (!result.created) {
        console.log('schema.prisma and the migrations agree: no migration created.');
        return 0;
      }
      console.log(`Created ${result.path}\nReview it, then apply it with: npm run db:migrate -- deploy`);
      return 0;
    }
    case 'status': {
      const status = await migrationStatus({ databaseUrl });
      console.log(`Database ${redact(databaseUrl)}${status.databaseExists ? '' : ' (does not exist yet)'}`);
      for (const { name } of status.applied) console.log(`  applied  ${name}`);
      for (const name of status.pending) console.log(`  pending  ${name}`);
      for (const { name, logs } of status.failed) console.log(`  FAILED   ${name}${logs ? `\n           ${logs.trim().replaceAll('\n', '\n           ')}` : ''}`);
      for (const name of status.edited) console.log(`  EDITED   ${name} (migration.sql changed after it was applied)`);
      for (const name of status.unknown) console.log(`  unknown  ${name} (applied, but not in the migrations folder)`);
      console.log(status.upToDate ? 'Up to date.' : `${status.pending.length} pending.`);
      return status.failed.length || status.edited.length ? 1 : 0;
    }
    case 'check': {
      const drift = await checkDrift({ databaseUrl });
      if (!drift) {
        console.log('No drift: applying the migrations gives exactly what schema.prisma describes.');
        return 0;
      }
      console.log('DRIFT: schema.prisma and the migrations disagree. Applying the migrations and then this SQL would match the schema:\n');
      console.log(drift);
      console.log('Create the missing migration with: npm run db:migrate -- create <name>');
      return 1;
    }
    case 'reset': {
      if (process.env.NODE_ENV === 'production' && !flags.has('--force')) {
        throw new Error('Refusing to reset with NODE_ENV=production (pass --force if you really mean it).');
      }
      const applied = await resetDatabase({ databaseUrl, log });
      console.log(`Reset ${redact(databaseUrl)}: ${applied.length} migration(s) applied.`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      throw new UsageError(`Unknown command "${command}".`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`migrate: ${error.message}`);
    if (process.env.DEBUG && error.stack) console.error(error.stack);
    process.exitCode = 1;
  },
);
