import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

const Bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/hearth'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  HEARTH_HOST: z.string().min(1).default('127.0.0.1'),
  HEARTH_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HEARTH_DATA_DIR: z.string().min(1).default('.hearth-data'),
  HEARTH_ADMIN_EMAIL: z.string().email().optional(),
  HEARTH_ADMIN_PASSWORD: z.string().min(12, 'HEARTH_ADMIN_PASSWORD must be at least 12 characters').optional(),
  /** 32 bytes, base64. Without it Hearth keeps a generated key in the data directory. */
  HEARTH_MASTER_KEY: z.string().optional(),
  HEARTH_SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  /** `embedded` runs the job worker inside the API process (the quick start); `off` for separate workers. */
  HEARTH_WORKER: z.enum(['embedded', 'off']).default('embedded'),
  HEARTH_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Namespaces Redis keys, so several consoles (or test runs) can share one Redis. */
  HEARTH_REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/).default('hearth'),
  HEARTH_LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  HEARTH_LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  /** Set when Hearth is served over HTTPS (directly or behind a proxy) so cookies get `Secure`. */
  HEARTH_SECURE_COOKIES: Bool.default(false),
  /** Trust X-Forwarded-For from a reverse proxy on these addresses (comma separated); empty trusts none. */
  HEARTH_TRUSTED_PROXIES: z.string().default(''),
  /** Allow scraping /metrics without a token (e.g. a Prometheus on the same host). */
  HEARTH_METRICS_PUBLIC: Bool.default(false),
  HEARTH_WEB_DIR: z.string().optional(),
  /** The URL people outside reach Hearth at, for links it hands out (invites); default http://<HEARTH_HOST>:<HEARTH_PORT>. */
  HEARTH_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Where instances get their directories; default <HEARTH_DATA_DIR>/instances. */
  HEARTH_INSTANCES_DIR: z.string().min(1).optional(),
  /** Where Hearth keeps the server software it installs itself (Synapse's root filesystem); default <HEARTH_DATA_DIR>/versions. */
  HEARTH_VERSION_STORE: z.string().min(1).optional(),
  /** Ports handed to instances, `first-last`; outside Linux's ephemeral range by default. */
  HEARTH_PORT_RANGE: z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, 'must be first-last, e.g. 15200-16199')
    .transform((v) => v.split('-').map(Number) as [number, number])
    .refine(([first, last]) => first >= 1024 && last <= 65535 && first <= last, 'must be a range of ports within 1024-65535')
    .default([15200, 16199]),
  /**
   * `user` or `user:group` the process runtime runs every instance as when Hearth is root. Unset:
   * each instance gets its own uid and gid from HEARTH_INSTANCE_UID_BASE.
   */
  HEARTH_INSTANCE_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]*(:[a-z_][a-z0-9_.-]*)?$|^\d+(:\d+)?$/i, 'must be a user name or user:group')
    .optional(),
  /** First of the uids (= gids) given to instances, one each, when Hearth is root; no passwd entries needed. */
  HEARTH_INSTANCE_UID_BASE: z.coerce.number().int().min(1000).max(4_000_000_000).default(2_000_000),
  /**
   * The Docker Engine API socket of the container runtime: Docker's, or Podman's compatible
   * service (`podman system service`). Default: DOCKER_HOST if it names a unix socket, else
   * /run/podman/podman.sock or /var/run/docker.sock if one exists; without one the container
   * runtime is unavailable.
   */
  HEARTH_CONTAINER_SOCKET: z.string().regex(/^\//, 'must be the absolute path of a unix socket').optional(),
  /** Health samples of instances older than this are deleted by the daily prune. */
  HEARTH_SAMPLE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How often Hearth deletes what servers keep past their retention and do not expire themselves. */
  HEARTH_PURGE_INTERVAL_SEC: z.coerce.number().int().min(1).max(86_400).default(3600),
  /** How often each instance's privacy report is checked for drift (an alert when a knob drifts). */
  HEARTH_PRIVACY_CHECK_INTERVAL_SEC: z.coerce.number().int().min(5).max(86_400).default(900),
  /**
   * How long a job's worker may stay silent before another worker takes the job over (a crashed
   * worker): its lock lasts this long, renewed at half of it, and stalled jobs are looked for
   * this often.
   */
  HEARTH_JOB_STALL_SEC: z.coerce.number().int().min(5).max(600).default(30),
  /** Delay before the first retry of a failed alert delivery; it doubles with each of the 4 retries. */
  HEARTH_ALERT_RETRY_DELAY_MS: z.coerce.number().int().min(100).max(3600_000).default(30_000),
});

export interface HearthConfig {
  databaseUrl: string;
  redisUrl: string;
  host: string;
  port: number;
  dataDir: string;
  admin?: { email: string; password?: string };
  masterKey?: string;
  sessionTtlMs: number;
  worker: 'embedded' | 'off';
  workerConcurrency: number;
  redisPrefix: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  logFormat: 'json' | 'text';
  secureCookies: boolean;
  trustedProxies: string[];
  metricsPublic: boolean;
  webDir: string;
  /** Without a trailing slash. */
  publicUrl: string;
  /** Absolute; each instance gets <instancesDir>/<instance id>. */
  instancesDir: string;
  /** Absolute; root filesystems and unpacked packages, shared by all instances. */
  versionStore: string;
  portRange: { first: number; last: number };
  /** Set: every instance runs as this user (when Hearth is root). Unset: each runs as its own uid. */
  instanceUser?: { user: string; group: string };
  /** Instance n (Instance.runAsId) runs as uid = gid = instanceUidBase + n when Hearth is root. */
  instanceUidBase: number;
  /** Absent: no container engine found, the container runtime is unavailable. */
  containerSocket?: string;
  version: string;
  sampleRetentionDays: number;
  purgeIntervalSec: number;
  privacyCheckIntervalSec: number;
  alertRetryDelayMs: number;
  jobStallMs: number;
}

export class ConfigError extends Error {}

/** Parses the environment once, at start-up; every problem is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HearthConfig {
  // An empty value (`HEARTH_ADMIN_EMAIL=` in an env file) means unset, as it does in most tools.
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.HEARTH_ADMIN_PASSWORD && !e.HEARTH_ADMIN_EMAIL) {
    throw new ConfigError('Invalid configuration:\n  HEARTH_ADMIN_PASSWORD is set but HEARTH_ADMIN_EMAIL is not');
  }
  const dataDir = isAbsolute(e.HEARTH_DATA_DIR) ? e.HEARTH_DATA_DIR : resolve(e.HEARTH_DATA_DIR);
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    host: e.HEARTH_HOST,
    port: e.HEARTH_PORT,
    dataDir,
    admin: e.HEARTH_ADMIN_EMAIL
      ? { email: e.HEARTH_ADMIN_EMAIL.trim().toLowerCase(), password: e.HEARTH_ADMIN_PASSWORD }
      : undefined,
    masterKey: e.HEARTH_MASTER_KEY,
    sessionTtlMs: e.HEARTH_SESSION_TTL_HOURS * 3600_000,
    worker: e.HEARTH_WORKER,
    workerConcurrency: e.HEARTH_WORKER_CONCURRENCY,
    redisPrefix: e.HEARTH_REDIS_PREFIX,
    logLevel: e.HEARTH_LOG_LEVEL,
    logFormat: e.HEARTH_LOG_FORMAT,
    secureCookies: e.HEARTH_SECURE_COOKIES,
    trustedProxies: e.HEARTH_TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean),
    metricsPublic: e.HEARTH_METRICS_PUBLIC,
    publicUrl: (e.HEARTH_PUBLIC_URL ?? `http://${e.HEARTH_HOST.includes(':') ? `[${e.HEARTH_HOST}]` : e.HEARTH_HOST}:${e.HEARTH_PORT}`).replace(/\/+$/, ''),
    webDir: e.HEARTH_WEB_DIR ?? resolve(__dirname, '../../../web/dist'),
    instancesDir: e.HEARTH_INSTANCES_DIR ? resolve(e.HEARTH_INSTANCES_DIR) : join(dataDir, 'instances'),
    versionStore: e.HEARTH_VERSION_STORE ? resolve(e.HEARTH_VERSION_STORE) : join(dataDir, 'versions'),
    portRange: { first: e.HEARTH_PORT_RANGE[0], last: e.HEARTH_PORT_RANGE[1] },
    instanceUser: e.HEARTH_INSTANCE_USER ? instanceUser(e.HEARTH_INSTANCE_USER) : undefined,
    instanceUidBase: e.HEARTH_INSTANCE_UID_BASE,
    containerSocket: e.HEARTH_CONTAINER_SOCKET ?? defaultContainerSocket(env),
    version: readVersion(),
    sampleRetentionDays: e.HEARTH_SAMPLE_RETENTION_DAYS,
    purgeIntervalSec: e.HEARTH_PURGE_INTERVAL_SEC,
    privacyCheckIntervalSec: e.HEARTH_PRIVACY_CHECK_INTERVAL_SEC,
    alertRetryDelayMs: e.HEARTH_ALERT_RETRY_DELAY_MS,
    jobStallMs: e.HEARTH_JOB_STALL_SEC * 1000,
  };
}

function defaultContainerSocket(env: NodeJS.ProcessEnv): string | undefined {
  const fromDockerHost = /^unix:\/\/(\/.+)$/.exec(env.DOCKER_HOST ?? '')?.[1];
  return fromDockerHost ?? ['/run/podman/podman.sock', '/var/run/docker.sock'].find((path) => existsSync(path));
}

/** Without a group: nogroup, the group Debian gives nobody. */
function instanceUser(value: string): { user: string; group: string } {
  const [user, group] = value.split(':');
  return { user: user!, group: group ?? 'nogroup' };
}

function readVersion(): string {
  // The nearest package.json upwards: dist/config/, src/config/ and the test build's dist-test/src/config/ differ in depth.
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  throw new Error(`No package.json above ${__dirname}`);
}
