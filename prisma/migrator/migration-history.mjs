// The `_prisma_migrations` table, kept exactly as Prisma's schema engine keeps it, so that
// native `prisma migrate deploy|status|resolve` can take over the same database any time,
// and the comparison of that table with the migrations folder.
import { matchesChecksum } from './migrations-folder.mjs';

export const MIGRATIONS_TABLE = '_prisma_migrations';

/** Prisma's own key for pg_advisory_lock, so our deploy and native `prisma migrate` exclude each other. */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

// Same DDL the schema engine runs (read back from a database it initialised).
export const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Rows of _prisma_migrations in the order they were started; [] when the table does not exist. */
export async function readHistory(client) {
  const { rows: exists } = await client.query(`SELECT to_regclass('public."_prisma_migrations"') IS NOT NULL AS present`);
  if (!exists[0].present) return { tableExists: false, rows: [] };
  const { rows } = await client.query(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
  );
  return { tableExists: true, rows };
}

/** Whether public holds anything besides our table (a database nobody migrated with us). */
export async function publicSchemaHasObjects(client) {
  const { rows } = await client.query(
    `SELECT EXISTS (
       SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname <> '_prisma_migrations'
       UNION ALL
       SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e'
     ) AS present`,
  );
  return rows[0].present;
}

/**
 * Compares the folder with the table, with Prisma's rules: a row counts unless rolled back;
 * a row without finished_at (and not rolled back) is a failed migration.
 */
export function compareHistory(migrations, rows) {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  const failed = live.filter((row) => row.finished_at === null);
  const applied = live.filter((row) => row.finished_at !== null);
  const appliedNames = new Set(applied.map((row) => row.migration_name));
  const failedNames = new Set(failed.map((row) => row.migration_name));
  return {
    applied: applied.map((row) => ({ name: row.migration_name, finishedAt: row.finished_at, checksum: row.checksum })),
    pending: migrations.filter((migration) => !appliedNames.has(migration.name) && !failedNames.has(migration.name)),
    failed: failed.map((row) => ({ name: row.migration_name, startedAt: row.started_at, logs: row.logs })),
    edited: applied
      .filter((row) => byName.has(row.migration_name) && !matchesChecksum(byName.get(row.migration_name).script, row.checksum))
      .map((row) => row.migration_name),
    // Applied here but absent from the folder: usually an older build running against a
    // newer database. Reported by status, tolerated by deploy (as Prisma does).
    unknown: applied.filter((row) => !byName.has(row.migration_name)).map((row) => row.migration_name),
  };
}

/** The error deploy raises for a history it must not build upon, or null. */
export function historyProblem(comparison) {
  const lines = [];
  for (const failed of comparison.failed) {
    lines.push(
      `Migration ${failed.name} (started ${new Date(failed.startedAt).toISOString()}) is recorded as failed` +
        (failed.logs ? `:\n    ${failed.logs.trim().replaceAll('\n', '\n    ')}` : '.'),
    );
  }
  if (comparison.failed.length) {
    lines.push(
      'Repair the database by hand, then mark the migration rolled back (or applied) in _prisma_migrations ' +
        '(native: `prisma migrate resolve --rolled-back|--applied <name>`) before deploying again.',
    );
  }
  for (const name of comparison.edited) {
    lines.push(
      `Migration ${name} was modified after it was applied: the checksum of its migration.sql no longer ` +
        'matches the one recorded in _prisma_migrations. Restore the original file and put the change in a new migration.',
    );
  }
  return lines.length ? new Error(`Refusing to deploy migrations:\n  ${lines.join('\n  ')}`) : null;
}
