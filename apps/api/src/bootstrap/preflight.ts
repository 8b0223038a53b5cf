import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { HearthConfig } from '../config/config';

export class PreflightError extends Error {}

const TIMEOUT_MS = 3_000;

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Checks that PostgreSQL and Redis answer before anything else starts, and says exactly
 * what to do when they don't, instead of a stack trace from deep inside a driver.
 */
export async function preflight(config: HearthConfig): Promise<void> {
  const problems: string[] = [];
  const admin = new URL(config.databaseUrl);
  admin.pathname = '/postgres';
  const pg = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (error) {
    problems.push(
      `PostgreSQL is not reachable at ${redactUrl(config.databaseUrl)} (${(error as Error).message}).\n` +
        '  Start it:   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '  or install: apt-get install postgresql\n' +
        '  or point DATABASE_URL at your server (the database is created if missing).',
    );
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: TIMEOUT_MS, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(
      `Redis is not reachable at ${redactUrl(config.redisUrl)} (${(error as Error).message}).\n` +
        '  Start it:   redis-server --daemonize yes --bind 127.0.0.1 --port 6379\n' +
        '  or install: apt-get install redis-server\n' +
        '  or point REDIS_URL at your server.',
    );
  } finally {
    redis.disconnect();
  }
  if (problems.length) throw new PreflightError(problems.join('\n\n'));
}
