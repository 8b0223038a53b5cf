// The migrator against the real PostgreSQL (DATABASE_URL's server, default 127.0.0.1:5432).
// Every test works in its own freshly named database and drops it at the end.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  DEFAULT_DATABASE_URL,
  checkDrift,
  createMigration,
  deployMigrations,
  dropDatabase,
  migrationStatus,
  resetDatabase,
} from '../migrator/index.mjs';

const PRISMA_DIR = fileURLToPath(new URL('..', import.meta.url));
const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');
const SERVER_URL = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.error('cleanup:', error.message));
});

/** URL of a database name nobody uses (not created: deploy must create it). */
function freshDatabaseUrl() {
  const url = new URL(SERVER_URL);
  url.pathname = `/hearth_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = url.toString();
  cleanups.push(() => dropDatabase(databaseUrl));
  return databaseUrl;
}

async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'hearth-migrator-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of the repository's migrations folder that a test may modify. */
async function copyOfMigrations() {
  const dir = path.join(await tempDir(), 'migrations');
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function withClient(databaseUrl, fn) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function repositoryMigrationNames() {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('deploy', () => {
  test('applies every migration to an empty database once, with Prisma-format records', async () => {
    const databaseUrl = freshDatabaseUrl();
    const names = await repositoryMigrationNames();
    assert.ok(names.length >= 2, 'expects the init and audit_append_only migrations');

    assert.deepEqual(await deployMigrations({ databaseUrl }), names);
    assert.deepEqual(await deployMigrations({ databaseUrl }), [], 'a second deploy applies nothing');

    const rows = await withClient(databaseUrl, async (client) =>
      (await client.query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).rows,
    );
    assert.deepEqual(rows.map((row) => row.migration_name), names);
    for (const row of rows) {
      const file = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      assert.equal(row.checksum, sha256(file), `checksum of ${row.migration_name}`);
      assert.match(row.id, /^[0-9a-f-]{36}$/);
      assert.equal(row.applied_steps_count, 1);
      assert.equal(row.logs, null);
      assert.equal(row.rolled_back_at, null);
      assert.ok(row.finished_at >= row.started_at);
    }
    const status = await migrationStatus({ databaseUrl });
    assert.equal(status.upToDate, true);
    assert.deepEqual(status.pending, []);
  });

  test('two deploys racing on a new database both succeed and apply each migration once', async () => {
    const databaseUrl = freshDatabaseUrl();
    const names = await repositoryMigrationNames();
    const results = await Promise.all([deployMigrations({ databaseUrl }), deployMigrations({ databaseUrl })]);
    assert.deepEqual(results.flat().sort(), names, 'together they applied each migration exactly once');
    const counts = await withClient(databaseUrl, async (client) =>
      (await client.query('SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY 1 ORDER BY 1')).rows,
    );
    assert.deepEqual(counts, names.map((name) => ({ migration_name: name, n: 1 })));
  });

  test('refuses when an applied migration was edited, naming it', async () => {
    const databaseUrl = freshDatabaseUrl();
    const migrationsDir = await copyOfMigrations();
    await deployMigrations({ databaseUrl, migrationsDir });
    const [first] = await repositoryMigrationNames();
    await appendFile(path.join(migrationsDir, first, 'migration.sql'), '\n-- an innocent-looking edit\n');

    await assert.rejects(deployMigrations({ databaseUrl, migrationsDir }), (error) => {
      assert.match(error.message, /Refusing to deploy/);
      assert.match(error.message, new RegExp(`${first} was modified after it was applied`));
      return true;
    });
    assert.deepEqual((await migrationStatus({ databaseUrl, migrationsDir })).edited, [first]);
  });

  test('refuses when a failed migration is recorded', async () => {
    const databaseUrl = freshDatabaseUrl();
    await deployMigrations({ databaseUrl });
    await withClient(databaseUrl, (client) =>
      client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs)
         VALUES (gen_random_uuid(), repeat('0', 64), '29990101000000_broken', 'ERROR: boom')`,
      ),
    );
    await assert.rejects(deployMigrations({ databaseUrl }), /29990101000000_broken .*recorded as failed[\s\S]*boom/);
  });

  test('a failing migration is rolled back and not recorded', async () => {
    const databaseUrl = freshDatabaseUrl();
    const migrationsDir = await copyOfMigrations();
    const bad = '29990101000000_bad';
    await cp(path.join(migrationsDir, (await repositoryMigrationNames())[0]), path.join(migrationsDir, bad), { recursive: true });
    await writeFile(path.join(migrationsDir, bad, 'migration.sql'), 'CREATE TABLE "Probe" (id int);\nSELECT no_such_function();\n');

    await assert.rejects(deployMigrations({ databaseUrl, migrationsDir }), /29990101000000_bad failed and was rolled back[\s\S]*no_such_function/);
    await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query(`SELECT to_regclass('"Probe"') AS probe, (SELECT count(*)::int FROM "_prisma_migrations" WHERE migration_name = $1) AS n`, [bad]);
      assert.deepEqual(rows, [{ probe: null, n: 0 }]);
    });
    assert.deepEqual((await migrationStatus({ databaseUrl, migrationsDir })).pending, [bad]);
  });

  test('reset empties the database and deploys again', async () => {
    const databaseUrl = freshDatabaseUrl();
    await deployMigrations({ databaseUrl });
    await withClient(databaseUrl, (client) =>
      client.query(`INSERT INTO "JobRun" (id, type, payload) VALUES (gen_random_uuid(), 'probe', '{}')`),
    );
    assert.deepEqual(await resetDatabase({ databaseUrl }), await repositoryMigrationNames());
    const { rows } = await withClient(databaseUrl, (client) => client.query('SELECT count(*)::int AS n FROM "JobRun"'));
    assert.equal(rows[0].n, 0);
  });
});

describe('AuditEvent append-only trigger', () => {
  test('refuses UPDATE, DELETE and TRUNCATE; allows DELETE when hearth.audit_purge is on', async () => {
    const databaseUrl = freshDatabaseUrl();
    await deployMigrations({ databaseUrl });
    await withClient(databaseUrl, async (client) => {
      const insert = () =>
        client.query(
          `INSERT INTO "AuditEvent" (id, "actorKind", action, result) VALUES (gen_random_uuid(), 'system', 'test.probe', 'success') RETURNING id`,
        );
      const { rows } = await insert();
      const { id } = rows[0];
      const appendOnly = (op) => (error) => {
        assert.equal(error.code, '42501');
        assert.match(error.message, new RegExp(`append-only: ${op} refused`));
        return true;
      };

      await assert.rejects(client.query(`UPDATE "AuditEvent" SET reason = 'rewritten' WHERE id = $1`, [id]), appendOnly('UPDATE'));
      await assert.rejects(client.query(`DELETE FROM "AuditEvent" WHERE id = $1`, [id]), appendOnly('DELETE'));
      await assert.rejects(client.query(`TRUNCATE "AuditEvent"`), appendOnly('TRUNCATE'));

      // The purge setting does not make UPDATE possible.
      await client.query('BEGIN');
      await client.query(`SET LOCAL hearth.audit_purge = 'on'`);
      await assert.rejects(client.query(`UPDATE "AuditEvent" SET reason = 'x' WHERE id = $1`, [id]), appendOnly('UPDATE'));
      await client.query('ROLLBACK');

      // The retention purge's way: DELETE inside a transaction that set the flag.
      await client.query('BEGIN');
      await client.query(`SET LOCAL hearth.audit_purge = 'on'`);
      const deleted = await client.query(`DELETE FROM "AuditEvent" WHERE id = $1`, [id]);
      await client.query('COMMIT');
      assert.equal(deleted.rowCount, 1);

      // SET LOCAL ended with that transaction: the same session is refused again.
      const second = (await insert()).rows[0].id;
      await assert.rejects(client.query(`DELETE FROM "AuditEvent" WHERE id = $1`, [second]), appendOnly('DELETE'));
    });
  });
});

describe('drift', () => {
  test('checkDrift is empty for the repository schema and migrations', async () => {
    const drift = await checkDrift({ databaseUrl: freshDatabaseUrl(), schemaPath: SCHEMA_PATH, migrationsDir: MIGRATIONS_DIR });
    assert.equal(
      drift,
      '',
      `schema.prisma and prisma/migrations disagree; create a migration (npm run db:migrate -- create <name>). Missing SQL:\n${drift}`,
    );
  });

  test('checkDrift reports a model missing from the migrations; createMigration writes it', async () => {
    const databaseUrl = freshDatabaseUrl();
    const dir = await tempDir();
    const migrationsDir = await copyOfMigrations();
    const schemaPath = path.join(dir, 'schema.prisma');
    await writeFile(schemaPath, `${await readFile(SCHEMA_PATH, 'utf8')}\nmodel DriftProbe {\n  id    Int    @id\n  label String\n}\n`);

    const drift = await checkDrift({ databaseUrl, schemaPath, migrationsDir });
    assert.match(drift, /CREATE TABLE "DriftProbe"/);

    const created = await createMigration({ databaseUrl, name: 'Add drift probe', schemaPath, migrationsDir });
    assert.equal(created.created, true);
    assert.match(created.name, /^\d{14}_add_drift_probe$/);
    assert.equal(await readFile(created.path, 'utf8'), drift);
    const names = (await readdir(migrationsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    assert.equal(names.at(-1), created.name, 'the new migration sorts last');

    assert.equal(await checkDrift({ databaseUrl, schemaPath, migrationsDir }), '');
    assert.deepEqual(await createMigration({ databaseUrl, name: 'nothing', schemaPath, migrationsDir }), {
      created: false,
      name: null,
      path: null,
    });
    // And the generated migration deploys.
    assert.deepEqual((await deployMigrations({ databaseUrl, migrationsDir })).at(-1), created.name);
  });
});
