// Commands that need Prisma's own understanding of schema.prisma, hence the wasm schema
// engine: the SQL that takes "all migrations applied to an empty database" to "what
// schema.prisma describes". The engine replays the migrations on a throw-away shadow
// database (created and dropped next to DATABASE_URL) and diffs it with the schema.
// Triggers, functions and other objects Prisma does not model are invisible to this diff,
// so hand-written SQL such as the AuditEvent trigger never shows up as drift.
import { existsSync } from 'node:fs';
import { createDatabaseIfMissing } from './database-url.mjs';
import {
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_SCHEMA_PATH,
  assertPostgresLockfile,
  readMigrations,
  toEngineMigrationList,
  writeMigration,
} from './migrations-folder.mjs';

async function diffMigrationsToSchema({ databaseUrl, schemaPath, migrationsDir, log }) {
  if (!existsSync(schemaPath)) throw new Error(`Prisma schema not found: ${schemaPath}`);
  await assertPostgresLockfile(migrationsDir);
  // The engine keeps a connection to the main database (it never changes it for a diff).
  await createDatabaseIfMissing(databaseUrl);
  // Loaded on demand: deploy at start-up must not pay for the engine.
  const { withSchemaEngine, schemaFiles, NO_FILTER } = await import('./schema-engine-session.mjs');
  return withSchemaEngine({ databaseUrl, schemaPath, log }, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'migrations', ...(await toEngineMigrationList(migrationsDir)) },
      to: { tag: 'schemaDatamodel', ...(await schemaFiles(schemaPath)) },
      script: true,
      exitCode: true, // exitCode 2 means "there is a difference"
      filters: NO_FILTER,
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  });
}

/**
 * The SQL needed to go from the migrations folder to schema.prisma: '' when they agree.
 * A non-empty result means someone changed schema.prisma without creating a migration
 * (or edited a migration by hand in a way that changes modelled objects).
 */
export async function checkDrift({
  databaseUrl,
  schemaPath = DEFAULT_SCHEMA_PATH,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
  log,
} = {}) {
  return diffMigrationsToSchema({ databaseUrl, schemaPath, migrationsDir, log });
}

/** UTC yyyymmddHHMMSS, the prefix Prisma gives migration directories. */
export function migrationTimestamp(date = new Date()) {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Prisma-like directory suffix: lower case, words joined with "_". */
export function migrationSlug(name) {
  const slug = String(name ?? '')
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 200);
  if (!slug) throw new Error('A migration name is required, e.g. `create add_operator_locale`.');
  return slug;
}

/** A directory name that sorts after every existing migration, even within the same second. */
async function nextDirectoryName(migrationsDir, slug) {
  let timestamp = migrationTimestamp();
  const latest = (await readMigrations(migrationsDir)).at(-1)?.name.slice(0, 14);
  if (latest && /^\d{14}$/.test(latest) && latest >= timestamp) {
    const t = latest;
    const bumped = new Date(
      Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14) + 1),
    );
    timestamp = migrationTimestamp(bumped);
  }
  return `${timestamp}_${slug}`;
}

/**
 * Writes `<migrationsDir>/<UTC timestamp>_<name>/migration.sql` with the SQL that brings the
 * migrations up to schema.prisma. Returns { created: false } and writes nothing when they
 * already agree. With `empty: true`, writes an empty migration to fill in by hand (for SQL
 * Prisma cannot express: triggers, functions, data fixes).
 */
export async function createMigration({
  databaseUrl,
  name,
  schemaPath = DEFAULT_SCHEMA_PATH,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
  empty = false,
  log,
} = {}) {
  const slug = migrationSlug(name);
  let script;
  if (empty) {
    script = '-- This migration is written by hand.\n';
  } else {
    script = await diffMigrationsToSchema({ databaseUrl, schemaPath, migrationsDir, log });
    if (!script) return { created: false, name: null, path: null };
  }
  const directoryName = await nextDirectoryName(migrationsDir, slug);
  const path = await writeMigration(migrationsDir, directoryName, script);
  return { created: true, name: directoryName, path, script };
}
