// `deploy`: apply the pending migrations of the folder, in name order, and record them in
// _prisma_migrations. It runs at every start of the API and the worker, so it uses plain
// `pg` only (no schema engine): reading one small table is all it costs when nothing is
// pending. Applying is serialised with Prisma's advisory lock, so an API and a worker
// starting together (or a native `prisma migrate deploy`) never apply a migration twice.
import { randomUUID } from 'node:crypto';
import { connect, redact } from './database-url.mjs';
import {
  CREATE_MIGRATIONS_TABLE,
  PRISMA_ADVISORY_LOCK_KEY,
  compareHistory,
  historyProblem,
  publicSchemaHasObjects,
  readHistory,
} from './migration-history.mjs';
import { DEFAULT_MIGRATIONS_DIR, assertPostgresLockfile, readMigrations } from './migrations-folder.mjs';

/**
 * Scripts that manage transactions themselves (Prisma writes BEGIN; ... COMMIT; around enum
 * rewrites) or hold statements PostgreSQL refuses inside a transaction block cannot be
 * wrapped in ours. They are applied the way Prisma applies every script. (`END;` is not
 * matched on purpose: PL/pgSQL bodies end that way.)
 */
const OWN_TRANSACTION_CONTROL = /^\s*(?:BEGIN|COMMIT|ROLLBACK)\s*;|^\s*START\s+TRANSACTION\b|\bCONCURRENTLY\b/im;

export function needsOwnTransaction(script) {
  return OWN_TRANSACTION_CONTROL.test(script);
}

function describePgError(error) {
  const parts = [error.message];
  if (error.detail) parts.push(`DETAIL: ${error.detail}`);
  if (error.hint) parts.push(`HINT: ${error.hint}`);
  if (error.where) parts.push(`WHERE: ${error.where}`);
  if (error.position) parts.push(`at character ${error.position} of migration.sql`);
  return parts.join('\n');
}

/**
 * Applies one migration in a single transaction together with its _prisma_migrations row:
 * either both happen or neither does, so a failure leaves nothing to repair and the next
 * start retries it.
 */
async function applyInTransaction(client, migration) {
  await client.query('BEGIN');
  try {
    // No parameters: pg uses the simple-query protocol, which accepts a whole script.
    await client.query(migration.script);
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(
      `Migration ${migration.name} failed and was rolled back (nothing was recorded; fix it and deploy again):\n${describePgError(error)}`,
      { cause: error },
    );
  }
}

/** Prisma's own sequence: row started, script, row finished — or row failed with logs. */
async function applyLikePrisma(client, migration) {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)`,
    [id, migration.checksum, migration.name],
  );
  try {
    await client.query(migration.script);
  } catch (error) {
    const logs = describePgError(error);
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, logs]).catch(() => {});
    throw new Error(
      `Migration ${migration.name} failed and is recorded as failed (it manages its own transactions, so it may be ` +
        `partly applied; repair, then mark it rolled back in _prisma_migrations):\n${logs}`,
      { cause: error },
    );
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = applied_steps_count + 1 WHERE id = $1`,
    [id],
  );
}

/**
 * Applies pending migrations. Returns the names applied, in order ([] when up to date).
 * Creates the database when it does not exist. Throws when an applied migration was
 * edited or a failed migration is recorded.
 */
export async function deployMigrations({
  databaseUrl,
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
  log = () => {},
  lockTimeoutMs = 120_000,
} = {}) {
  await assertPostgresLockfile(migrationsDir);
  const migrations = await readMigrations(migrationsDir);
  const client = await connect(databaseUrl, { create: true });
  try {
    // Fast path, without the lock: most starts find nothing to do.
    let comparison = compareHistory(migrations, (await readHistory(client)).rows);
    let problem = historyProblem(comparison);
    if (problem) throw problem;
    if (comparison.pending.length === 0) return [];

    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    try {
      await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    } catch (error) {
      if (error.code !== '55P03') throw error;
      throw new Error(
        `Timed out after ${lockTimeoutMs} ms waiting for the migration lock on ${redact(databaseUrl)}: ` +
          'another process is migrating this database (or holds pg_advisory_lock(72707369)).',
        { cause: error },
      );
    }
    // The timeout was for the advisory lock only; the migrations' own DDL may wait as usual.
    await client.query('RESET lock_timeout');
    try {
      // Someone may have migrated while we waited: decide again under the lock.
      const history = await readHistory(client);
      if (!history.tableExists && (await publicSchemaHasObjects(client))) {
        throw new Error(
          `Refusing to deploy: ${redact(databaseUrl)} already has tables but no _prisma_migrations table ` +
            '(it was not created by migrations). Baseline it first, or use an empty database.',
        );
      }
      comparison = compareHistory(migrations, history.rows);
      problem = historyProblem(comparison);
      if (problem) throw problem;
      if (comparison.pending.length === 0) return [];

      await client.query(CREATE_MIGRATIONS_TABLE);
      const applied = [];
      for (const migration of comparison.pending) {
        const started = Date.now();
        if (needsOwnTransaction(migration.script)) await applyLikePrisma(client, migration);
        else await applyInTransaction(client, migration);
        applied.push(migration.name);
        log(`Applied migration ${migration.name} (${Date.now() - started} ms)`);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
