// `reset`: empty the database and migrate it from scratch (development and tests only).
import { connect } from './database-url.mjs';
import { deployMigrations } from './deploy.mjs';
import { DEFAULT_MIGRATIONS_DIR } from './migrations-folder.mjs';

/**
 * Drops and recreates the public schema (all tables, types, functions and data in it,
 * _prisma_migrations included), then deploys every migration. Returns the names applied.
 */
export async function resetDatabase({ databaseUrl, migrationsDir = DEFAULT_MIGRATIONS_DIR, log = () => {} } = {}) {
  const client = await connect(databaseUrl, { create: true });
  try {
    // USAGE for everyone restores PostgreSQL 15's default privileges on "public".
    await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC;');
  } finally {
    await client.end().catch(() => {});
  }
  log('Dropped and recreated schema "public".');
  return deployMigrations({ databaseUrl, migrationsDir, log });
}
