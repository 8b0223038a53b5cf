// `status`: what deploy would do, without doing it (plain pg, read-only).
import { connect } from './database-url.mjs';
import { compareHistory, readHistory } from './migration-history.mjs';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from './migrations-folder.mjs';

/**
 * { databaseExists, upToDate, applied: [{name, finishedAt}], pending: [name],
 *   failed: [{name, startedAt, logs}], edited: [name], unknown: [name] }
 * `unknown` lists migrations applied to the database but absent from the folder.
 */
export async function migrationStatus({ databaseUrl, migrationsDir = DEFAULT_MIGRATIONS_DIR } = {}) {
  const migrations = await readMigrations(migrationsDir);
  let client;
  try {
    client = await connect(databaseUrl);
  } catch (error) {
    if (error.code !== '3D000') throw error; // database does not exist yet
    const pending = migrations.map((migration) => migration.name);
    return { databaseExists: false, upToDate: pending.length === 0, applied: [], pending, failed: [], edited: [], unknown: [] };
  }
  try {
    const comparison = compareHistory(migrations, (await readHistory(client)).rows);
    return {
      databaseExists: true,
      upToDate: !comparison.pending.length && !comparison.failed.length && !comparison.edited.length,
      applied: comparison.applied.map(({ name, finishedAt }) => ({ name, finishedAt })),
      pending: comparison.pending.map((migration) => migration.name),
      failed: comparison.failed,
      edited: comparison.edited,
      unknown: comparison.unknown,
    };
  } finally {
    await client.end().catch(() => {});
  }
}
