// @hearth/db: migrations for Hearth's PostgreSQL database without Prisma's native schema
// engine (see docs/developers/migrations.md). deploy and status use plain `pg`; create,
// check (drift) load Prisma's schema engine compiled to WebAssembly on demand.
export { deployMigrations } from './deploy.mjs';
export { migrationStatus } from './status.mjs';
export { resetDatabase } from './reset.mjs';
export { checkDrift, createMigration } from './schema-diff.mjs';
export { DEFAULT_DATABASE_URL, createDatabaseIfMissing, dropDatabase } from './database-url.mjs';
export { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from './migrations-folder.mjs';
