import { Client } from 'pg';
import { type DatabaseSettings, DriverError, type InstanceSecrets, type InstanceSpec } from '../driver';
import { requireSecret } from '../secrets';

const CONNECT_TIMEOUT_MS = 10_000;

/** The database and role of one instance: derived from its id, so a retried step finds its own. */
export function databaseNames(spec: InstanceSpec): { database: string; role: string } {
  const name = `synapse_${spec.id.replace(/-/g, '')}`.slice(0, 63);
  return { database: name, role: name };
}

/**
 * Creates (or repairs) the instance's role and database: owned by the role, UTF-8 with the C
 * collation that Synapse insists on. The role's password is set every time, so it always matches
 * the sealed secret.
 */
export async function ensureDatabase(spec: InstanceSpec, settings: DatabaseSettings, secrets: InstanceSecrets): Promise<void> {
  const { database, role } = databaseNames(spec);
  await withAdmin(settings, secrets, async (client) => {
    const password = requireSecret(secrets, 'database_password');
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    // Identifiers are Hearth's own (synapse_ + hex); the password goes as a literal escaped by the server's rules.
    const literal = client.escapeLiteral(password);
    await client.query(exists.rowCount ? `ALTER ROLE ${role} WITH LOGIN PASSWORD ${literal}` : `CREATE ROLE ${role} WITH LOGIN PASSWORD ${literal}`);
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!found.rowCount) {
      await client.query(`CREATE DATABASE ${database} OWNER ${role} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`);
    }
  });
}

/** Drops the instance's database and role; nothing to do when they are gone already. */
export async function dropDatabase(spec: InstanceSpec, settings: DatabaseSettings, secrets: InstanceSecrets): Promise<void> {
  const { database, role } = databaseNames(spec);
  await withAdmin(settings, secrets, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${role}`);
  });
}

/** Synapse's `database` section for this instance. */
export function synapseDatabaseConfig(spec: InstanceSpec, settings: DatabaseSettings, secrets: InstanceSecrets) {
  const { database, role } = databaseNames(spec);
  return {
    name: 'psycopg2',
    args: { user: role, password: requireSecret(secrets, 'database_password'), dbname: database, host: settings.host, port: settings.port, cp_min: 1, cp_max: 5 },
  };
}

async function withAdmin(settings: DatabaseSettings, secrets: InstanceSecrets, work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({
    host: settings.host,
    port: settings.port,
    user: settings.adminUser,
    password: secrets.database_admin_password,
    database: 'postgres',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await client.connect();
  } catch (error) {
    // pg's messages name the host and the role, never the password.
    throw new DriverError('driver/unavailable', `Could not connect to PostgreSQL at ${settings.host}:${settings.port} as ${settings.adminUser}: ${(error as Error).message}`);
  }
  try {
    await work(client);
  } catch (error) {
    throw new DriverError('driver/admin_failed', `PostgreSQL at ${settings.host}:${settings.port} refused: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
