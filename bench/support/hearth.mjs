// What every benchmark needs to run the built Hearth API in-process: a throw-away database,
// its own Redis prefix and data directory, the compiled modules, an app listening on
// 127.0.0.1, an owner to log in as, and a small HTTP client. Everything it creates is removed
// by BenchEnvironment.cleanUp(), which also runs on Ctrl-C (SIGINT) and SIGTERM.
//
// Importing this file has no side effects: benchmarks that re-import themselves in a worker
// thread (api-throughput.mjs) can use it.
import http from 'node:http';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** `require` relative to apps/api, so the benchmarks use the API's own dependencies (fastify, ioredis). */
export const apiRequire = createRequire(new URL('../../apps/api/package.json', import.meta.url));

/**
 * The compiled API modules every benchmark uses, plus `extra`: { Name: ['path/in/dist.js', 'exportName'] }.
 * Exits with a hint when apps/api/dist is missing.
 */
export function loadApi(extra = {}) {
  const load = (path, name) => {
    const exported = apiRequire(apiRequire.resolve(`./dist/${path}`))[name];
    if (exported === undefined) throw new Error(`apps/api/dist/${path} exports no ${name}: rebuild with \`npm run build\``);
    return exported;
  };
  try {
    const modules = {
      createHttpApp: load('http-app.js', 'createHttpApp'),
      loadConfig: load('config/config.js', 'loadConfig'),
      OperatorsService: load('operators/operators.service.js', 'OperatorsService'),
      PrismaService: load('database/prisma.service.js', 'PrismaService'),
    };
    for (const [key, [path, name]] of Object.entries(extra)) modules[key] = load(path, name);
    return modules;
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    console.error(`The API is not built (${error.message.split('\n')[0]}): run \`npm run build\` first.`);
    process.exit(1);
  }
}

/**
 * A throw-away database (migrated), Redis prefix and data directory, found like Hearth finds
 * its own (DATABASE_URL, REDIS_URL). The data directory and its instances/ are 0711; with
 * `forInstances` every ancestor must let other users through too, since instances run as an
 * unprivileged user and live inside it (HEARTH_BENCH_TMPDIR picks another parent than $TMPDIR).
 */
export async function createBenchEnvironment({ name = 'bench', forInstances = false } = {}) {
  const { deployMigrations, dropDatabase } = await import('@hearth/db');
  const id = randomBytes(4).toString('hex');
  // Same server and credentials as DATABASE_URL, a database of our own.
  const serverUrl = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/hearth');
  serverUrl.pathname = `/hearth_${name}_${id}`;
  const env = new BenchEnvironment({
    id,
    databaseUrl: serverUrl.toString(),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `hearth_${name}_${id}`,
    dropDatabase,
  });
  env.listenForSignals();
  try {
    const parent = resolve(process.env.HEARTH_BENCH_TMPDIR ?? tmpdir());
    if (forInstances) await assertTraversable(parent);
    env.dataDir = await mkdtemp(join(parent, `hearth-${name.replaceAll('_', '-')}-`));
    await chmod(env.dataDir, 0o711);
    env.instancesDir = join(env.dataDir, 'instances');
    await mkdir(env.instancesDir, { mode: 0o711 });
    await chmod(env.instancesDir, 0o711);
    await deployMigrations({ databaseUrl: env.databaseUrl });
    env.databaseCreated = true;
  } catch (error) {
    await env.cleanUp();
    throw error;
  }
  return env;
}

export class BenchEnvironment {
  dataDir = undefined;
  instancesDir = undefined;
  databaseCreated = false;
  /** Set on Ctrl-C: long loops should stop rather than keep working while the clean-up runs. */
  interrupted = false;
  #cleanUps = [];
  #cleaning = undefined;
  #signals = 0;

  constructor({ id, databaseUrl, redisUrl, redisPrefix, dropDatabase }) {
    this.id = id;
    this.databaseUrl = databaseUrl;
    this.redisUrl = redisUrl;
    this.redisPrefix = redisPrefix;
    this.dropDatabase = dropDatabase;
  }

  /** For long loops: after Ctrl-C the clean-up closes Hearth, so stop calling into it. */
  throwIfInterrupted() {
    if (this.interrupted) throw new Error('Interrupted');
  }

  /** Hearth's environment for this bench: its database, Redis prefix and directories, quiet logs. */
  hearthEnv(overrides = {}) {
    return {
      ...process.env,
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      HEARTH_WORKER: 'off',
      HEARTH_LOG_LEVEL: 'warn',
      HEARTH_REDIS_PREFIX: this.redisPrefix,
      HEARTH_DATA_DIR: this.dataDir,
      HEARTH_INSTANCES_DIR: this.instancesDir,
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PORT: '0',
      ...overrides,
    };
  }

  /** Runs before the environment's own clean-up (last registered, first run); errors are reported, not thrown. */
  defer(name, fn) {
    const entry = { name, fn };
    this.#cleanUps.push(entry);
    return () => {
      const index = this.#cleanUps.indexOf(entry);
      if (index >= 0) this.#cleanUps.splice(index, 1);
    };
  }

  /** Idempotent: deferred clean-ups, then the database, the Redis keys and the data directory. */
  cleanUp() {
    this.#cleaning ??= (async () => {
      while (this.#cleanUps.length) {
        const { name, fn } = this.#cleanUps.pop();
        try {
          await fn();
        } catch (error) {
          console.error(`clean-up "${name}" failed: ${error.message}`);
        }
      }
      if (this.databaseCreated) {
        await this.dropDatabase(this.databaseUrl).catch((e) => console.error(`could not drop ${this.databaseUrl}: ${e.message}`));
      }
      await deleteKeys(this.redisUrl, `${this.redisPrefix}:*`).catch((e) => console.error(`could not delete Redis keys ${this.redisPrefix}:*: ${e.message}`));
      if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
    })();
    return this.#cleaning;
  }

  /** Ctrl-C cleans up, then exits; a second Ctrl-C during the clean-up gives up on it. */
  listenForSignals() {
    const onSignal = (signal) => {
      this.#signals++;
      this.interrupted = true;
      if (this.#signals > 1) {
        console.error(`\nClean-up abandoned: left database ${this.databaseUrl}, Redis keys ${this.redisPrefix}:*, directory ${this.dataDir ?? '(none)'}`);
        process.exit(130);
      }
      console.error(`\n${signal}: cleaning up (Ctrl-C again to abandon)…`);
      void this.cleanUp().finally(() => process.exit(130));
    };
    for (const signal of HANDLED_SIGNALS) process.on(signal, onSignal);
  }
}

const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * createHttpApp() enables Nest's shutdown hooks, whose signal listener closes the app and then
 * sends the signal again, which would end the process in the middle of the bench's clean-up
 * (or count as a second Ctrl-C). The bench closes its apps itself, so their listeners go.
 */
async function withoutNewSignalListeners(create) {
  // Nest's ShutdownSignal list.
  const signals = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2', 'SIGTERM'];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await create();
  } finally {
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal).has(listener)) process.removeListener(signal, listener);
      }
    }
  }
}

/**
 * Starts the API in-process on a free port of 127.0.0.1 with the environment's settings
 * plus `env` (e.g. { HEARTH_WORKER: 'embedded' }). Closed by close() or the environment's clean-up.
 */
export async function startHearth(benchEnv, modules, env = {}) {
  const config = modules.loadConfig(benchEnv.hearthEnv(env));
  const app = await withoutNewSignalListeners(() => modules.createHttpApp(config));
  let closed;
  const close = () => (closed ??= app.close().catch((e) => console.error(`closing Hearth failed: ${e.message}`)));
  const undefer = benchEnv.defer('close Hearth', close);
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = app.getHttpServer().address().port;
    await waitHealthy(port);
    return {
      app,
      config,
      port,
      close: async () => {
        undefer();
        await close();
      },
    };
  } catch (error) {
    undefer();
    await close();
    throw error;
  }
}

/** Creates an owner through OperatorsService (first time only) and logs in over HTTP: a client with the bearer token. */
export async function ownerClient(hearth, modules, owner) {
  if (!owner) {
    owner = { email: 'bench-owner@hearth.local', password: randomBytes(18).toString('base64url') };
    await hearth.app.get(modules.OperatorsService).create({ email: owner.email, password: owner.password, role: 'owner' }, 'system');
  }
  const token = await login(hearth.port, owner.email, owner.password);
  return { owner, token, ...client(hearth.port, { authorization: `Bearer ${token}` }) };
}

/** JSON requests to one port: each answer is { status, body } (body parsed when it is JSON). */
export function client(port, headers = {}) {
  const call = async (method, path, body) => {
    const res = await request(port, method, path, headers, body);
    let parsed = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: res.status, body: parsed };
  };
  return {
    headers,
    request: call,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
    delete: (path) => call('DELETE', path),
  };
}

export function request(port, method, path, headers = {}, body) {
  return new Promise((resolveRequest, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: payload ? { ...headers, 'content-type': 'application/json' } : headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolveRequest({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function waitHealthy(port) {
  for (let i = 0; i < 50; i++) {
    const res = await request(port, 'GET', '/api/health').catch(() => undefined);
    if (res?.status === 200) return;
    await sleep(100);
  }
  throw new Error('Hearth did not become healthy within 5 s');
}

export async function login(port, email, password) {
  const res = await request(port, 'POST', '/api/auth/login', {}, { email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return JSON.parse(res.text).token;
}

export async function deleteKeys(url, pattern) {
  const { Redis } = apiRequire('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Every ancestor of the data directory must let other users (the instances' user) through. */
async function assertTraversable(dir) {
  for (let current = dir; ; current = dirname(current)) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) {
      throw new Error(`${current} does not let other users through (mode ${(info.mode & 0o7777).toString(8)}), and instances run as an unprivileged user: set HEARTH_BENCH_TMPDIR to a directory that does`);
    }
    if (current === dirname(current)) return;
  }
}
