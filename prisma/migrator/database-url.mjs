// Helpers around a PostgreSQL connection URL such as postgresql://postgres@127.0.0.1:5432/hearth:
// which database it names, the same server with another database, and creating or dropping
// a database through the server's `postgres` maintenance database.
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/hearth';

/** Parses a postgres URL; only the `public` schema is supported (Prisma's default). */
export function parseDatabaseUrl(databaseUrl) {
  if (!databaseUrl) throw new Error('A database URL is required (set DATABASE_URL).');
  let url;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL: ${redact(databaseUrl)}`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must be a postgresql:// URL, got ${url.protocol}//`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`DATABASE_URL names no database: ${redact(databaseUrl)}`);
  const schema = url.searchParams.get('schema') ?? 'public';
  // The migrator reads _prisma_migrations and resets by recreating "public"; other schemas
  // would need search_path handling everywhere, which Hearth does not use.
  if (schema !== 'public') throw new Error(`Only the "public" schema is supported, DATABASE_URL asks for "${schema}".`);
  return { url: databaseUrl, database, schema };
}

/** The same server and credentials, another database. */
export function withDatabase(databaseUrl, database) {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** The URL without its password, for messages. */
export function redact(databaseUrl) {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparsable url>';
  }
}

export function quoteIdent(name) {
  return `"${String(name).replaceAll('"', '""')}"`;
}

async function withMaintenanceClient(databaseUrl, fn) {
  const client = new pg.Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the database named by the URL unless it exists (safe when two processes race). */
export async function createDatabaseIfMissing(databaseUrl) {
  const { database } = parseDatabaseUrl(databaseUrl);
  return withMaintenanceClient(databaseUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database, 23505 when a concurrent CREATE DATABASE won the race.
      if (error.code === '42P04' || error.code === '23505') return false;
      throw error;
    }
  });
}

/** Drops the database named by the URL, disconnecting its sessions (tests, shadow databases). */
export async function dropDatabase(databaseUrl) {
  const { database } = parseDatabaseUrl(databaseUrl);
  await withMaintenanceClient(databaseUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`),
  );
}

/** Creates an empty database with a fresh name on the same server; returns its URL. */
export async function createScratchDatabase(databaseUrl, prefix) {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withMaintenanceClient(databaseUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return withDatabase(databaseUrl, name);
}

/**
 * A connected pg.Client on the URL's database. When that database does not exist yet
 * (error 3D000) and `create` is set, it is created first.
 */
export async function connect(databaseUrl, { create = false } = {}) {
  parseDatabaseUrl(databaseUrl);
  const open = async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    // A connection lost while idle must not crash the process; the next query reports it.
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  };
  try {
    return await open();
  } catch (error) {
    if (!(create && error.code === '3D000')) throw error;
  }
  await createDatabaseIfMissing(databaseUrl);
  return open();
}
