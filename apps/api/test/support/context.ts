import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { Role } from '@hearth/contracts';
import { type HearthConfig, loadConfig } from '../../src/config/config';
import { createHttpApp } from '../../src/http-app';
import { SessionsService } from '../../src/auth/sessions.service';
import { PrismaService } from '../../src/database/prisma.service';
import { OperatorsService } from '../../src/operators/operators.service';
import { listRoutes } from '../../src/openapi/route-registry';

/** The servers the suite runs against; override to point the tests elsewhere. */
export const TEST_DATABASE_SERVER = process.env.HEARTH_TEST_DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.HEARTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestOperator {
  id: string;
  email: string;
  password: string;
  role: Role;
}

/** A running app of one test file: the real Nest app over a fresh database. */
export class TestApp {
  readonly prisma: PrismaService;

  constructor(
    readonly app: NestFastifyApplication,
    readonly config: HearthConfig,
    private readonly context: TestContext,
  ) {
    this.prisma = app.get(PrismaService);
  }

  /**
   * A supertest client over the app's own HTTP server. Mutating requests to existing API routes
   * are counted, so a file can check that each of them left exactly one audit event (requests
   * to routes that don't exist are deliberately not audited).
   */
  http(): Pick<ReturnType<typeof request>, 'get' | 'post' | 'put' | 'patch' | 'delete'> {
    const client = request(this.app.getHttpServer());
    const counted = (method: 'post' | 'put' | 'patch' | 'delete') => (url: string) => {
      if (this.isRoute(method.toUpperCase(), url)) this.context.mutatingRequests++;
      return client[method](url);
    };
    return { get: (url: string) => client.get(url), post: counted('post'), put: counted('put'), patch: counted('patch'), delete: counted('delete') };
  }

  private isRoute(method: string, url: string): boolean {
    const path = url.split('?')[0]!;
    this.routes ??= listRoutes(this.app).map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:\w+/g, '[^/]+')}$`) }));
    return this.routes.some((r) => r.method === method && r.pattern.test(path));
  }

  private routes?: { method: string; pattern: RegExp }[];

  get<T>(type: new (...args: never[]) => T): T {
    return this.app.get(type);
  }

  /** An operator created the way the CLI does it (grantor `system`), with a fresh password. */
  async createOperator(role: Role, options: { email?: string; password?: string } = {}): Promise<TestOperator> {
    const email = options.email ?? `${role}.${randomBytes(4).toString('hex')}@example.org`;
    const password = options.password ?? `pw-${randomBytes(12).toString('base64url')}`;
    this.context.secrets.add(password);
    const created = await this.get(OperatorsService).create({ email, password, role }, 'system');
    return { id: created.id, email: created.email, password, role };
  }

  /** Logs in over HTTP and returns the bearer token. */
  async login(operator: Pick<TestOperator, 'email' | 'password'>, totp?: string): Promise<string> {
    const response = await this.http().post('/api/auth/login').send({ email: operator.email, password: operator.password, ...(totp ? { totp } : {}) });
    if (response.status !== 200) throw new Error(`Login of ${operator.email} answered ${response.status}: ${response.text}`);
    this.context.secrets.add(response.body.token);
    return response.body.token as string;
  }

  /** A login session without the password round trip (argon2 costs ~50 ms a check). */
  async sessionFor(operatorId: string): Promise<string> {
    const { token } = await this.get(SessionsService).open(operatorId);
    this.context.secrets.add(token);
    return token;
  }

  async close(): Promise<void> {
    this.context.apps.delete(this);
    await this.app.close();
  }
}

export interface TestContext {
  databaseUrl: string;
  redisPrefix: string;
  dataDir: string;
  /** Every password, token and code a test used: the audit log must contain none of them. */
  secrets: Set<string>;
  /** POST/PUT/PATCH/DELETE requests sent to /api/ through TestApp.http(). */
  mutatingRequests: number;
  apps: Set<TestApp>;
  /** The environment of this file's apps, with overrides. */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** Starts the real app on this file's database (migrated on first use). */
  startApp(overrides?: Record<string, string>): Promise<TestApp>;
  /** Runs at the end of the file, before the apps close and the database is dropped. */
  onCleanup(cleanup: () => Promise<unknown> | unknown): void;
}

/**
 * One per test file: a fresh PostgreSQL database (created by the migrator, dropped after),
 * a Redis key prefix of its own (keys deleted after) and a temporary data directory.
 * Call at the top level of the file; it registers the file's one `after` hook. (Node 20 runs
 * several top-level before/after hooks concurrently, so files register at most one `before`
 * and leave teardown to onCleanup.)
 */
export function useTestContext(): TestContext {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let migrated: Promise<unknown> | undefined;
  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const server = new URL(TEST_DATABASE_SERVER);
  server.pathname = `/hearth_test_${suffix}`;
  const context: TestContext = {
    databaseUrl: server.toString(),
    redisPrefix: `hearth_test_${suffix}`,
    dataDir: mkdtempSync(join(tmpdir(), 'hearth-test-')),
    secrets: new Set(),
    mutatingRequests: 0,
    apps: new Set(),
    env: (overrides = {}) => ({
      DATABASE_URL: context.databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      HEARTH_DATA_DIR: context.dataDir,
      HEARTH_REDIS_PREFIX: context.redisPrefix,
      HEARTH_WORKER: 'off',
      HEARTH_LOG_LEVEL: 'error',
      // No built UI: the tests are about the API, and apps/web may be mid-build.
      HEARTH_WEB_DIR: join(context.dataDir, `no-web-${randomUUID()}`),
      ...overrides,
    }),
    startApp: async (overrides = {}) => {
      migrated ??= import('@hearth/db').then(({ deployMigrations }) => deployMigrations({ databaseUrl: context.databaseUrl }));
      await migrated;
      const config = loadConfig(context.env(overrides));
      const app = await createHttpApp(config);
      // Listening once lets supertest send concurrent requests to the same server.
      await app.listen({ host: '127.0.0.1', port: 0 });
      const testApp = new TestApp(app, config, context);
      context.apps.add(testApp);
      return testApp;
    },
    onCleanup: (cleanup) => cleanups.push(cleanup),
  };

  after(async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch((error: Error) => console.error('cleanup:', error.message));
    for (const app of [...context.apps]) await app.close().catch((error: Error) => console.error('closing app:', error.message));
    const { dropDatabase } = await import('@hearth/db');
    await dropDatabase(context.databaseUrl).catch((error: Error) => console.error('dropping database:', error.message));
    await deleteRedisKeys(context.redisPrefix).catch((error: Error) => console.error('cleaning Redis:', error.message));
    rmSync(context.dataDir, { recursive: true, force: true });
  });

  return context;
}

export async function deleteRedisKeys(prefix: string): Promise<number> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) deleted += await redis.del(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, { timeoutMs = 15_000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
