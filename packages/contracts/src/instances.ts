import { z } from 'zod';
import { ServerRetention } from './server-retention.js';
import { IsoDate, ListQuery } from './common.js';

export const InstanceKind = z.enum(['prosody', 'ejabberd', 'synapse']);
export type InstanceKind = z.infer<typeof InstanceKind>;
/** How Hearth runs an instance's server; `external`: an adopted server that runs elsewhere, whose process Hearth does not manage. */
export const RuntimeKind = z.enum(['process', 'container', 'external']);
export const ManagedRuntimeKind = z.enum(['process', 'container']);
export const InstanceStatus = z.enum(['provisioning', 'running', 'degraded', 'down', 'stopped', 'failed', 'upgrading']);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

/** A DNS name of letters, digits and hyphens with at least two labels (family.example). */
export const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a domain name such as family.example');

/** Short, lowercase, used in paths and container names. */
export const InstanceName = z
  .string()
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'must be 1-40 lowercase letters, digits or hyphens, not starting or ending with a hyphen');

export const BindAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

export const InstanceSettings = z
  .object({
    logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
    /** Message archive (MAM) retention in days; a retention policy's `retention.messageDays` wins over it. */
    messageRetentionDays: z.number().int().min(1).max(3650).optional(),
    /** What the instance's retention policy sets on the server (applied by the policy, not edited directly). */
    retention: ServerRetention.optional(),
    tls: z.object({ mode: z.enum(['off', 'self-signed']) }).optional(),
    /** Synapse: the https URL clients reach it through (a reverse proxy); default http://<bind address>:<client port>/. */
    publicBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** Which other servers it talks to: open, only the listed domains, all but the listed, or none (the default). */
    federation: z
      .object({
        mode: z.enum(['open', 'allowlist', 'denylist', 'closed']),
        domains: z.array(Domain).max(1000).default([]),
      })
      .strict()
      .optional(),
    /**
     * Synapse: PostgreSQL instead of SQLite (the default, right for a family server). Hearth creates a
     * database and a role of the instance's own on this server, connecting as adminUser, and drops
     * them when the instance is destroyed.
     */
    database: z
      .object({
        engine: z.literal('postgresql'),
        host: z.string().trim().regex(/^[A-Za-z0-9.:-]{1,253}$/, 'must be a host name or an IP address'),
        port: z.number().int().min(1).max(65535).default(5432),
        adminUser: z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, 'must be a PostgreSQL role name'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const CreateInstanceRequest = z
  .object({
    name: InstanceName,
    kind: InstanceKind,
    domain: Domain,
    runtime: ManagedRuntimeKind.default('process'),
    bindAddress: BindAddress.default('127.0.0.1'),
    settings: InstanceSettings.default({}),
    healthIntervalSec: z.number().int().min(5).max(3600).default(30),
    /** The password of settings.database.adminUser, if the server asks for one; kept encrypted, never returned. */
    databaseAdminPassword: z.string().min(1).max(1000).optional(),
  })
  .strict();
export type CreateInstanceRequest = z.infer<typeof CreateInstanceRequest>;

/**
 * Adopting a Synapse that already runs: Hearth monitors and administers it through its Admin API
 * but never starts, stops or upgrades it. Give either an access token of a server admin or the
 * server's registration shared secret (Hearth then registers an admin account of its own).
 */
export const AdoptInstanceRequest = z
  .object({
    name: InstanceName,
    kind: z.literal('synapse'),
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the server, e.g. https://matrix.family.example' }),
    accessToken: z.string().trim().min(1).max(1000).optional(),
    sharedSecret: z.string().min(1).max(1000).optional(),
    healthIntervalSec: z.number().int().min(5).max(3600).default(30),
  })
  .strict()
  .refine((value) => Boolean(value.accessToken) !== Boolean(value.sharedSecret), {
    message: 'give either accessToken or sharedSecret (not both)',
    path: ['accessToken'],
  });
export type AdoptInstanceRequest = z.infer<typeof AdoptInstanceRequest>;

/** A new admin access token for an adopted server (after the old one was logged out or rotated on the server). */
export const ReplaceAdminTokenRequest = z.object({ accessToken: z.string().trim().min(1).max(1000) }).strict();

export const UpdateInstanceRequest = z.object({ healthIntervalSec: z.number().int().min(5).max(3600) }).strict();

export const InstanceHealth = z.object({
  status: z.enum(['ok', 'failing']),
  checkedAt: z.string(),
  latencyMs: z.number().nullable(),
});

export const Instance = z.object({
  id: z.string(),
  name: z.string(),
  kind: InstanceKind,
  domain: z.string(),
  runtime: RuntimeKind,
  /** False for an adopted server: no start, stop, restart or upgrade; removing it only forgets it. */
  managed: z.boolean(),
  bindAddress: z.string(),
  /** Where Hearth reaches an HTTP server (Synapse's client API); null for XMPP servers. */
  baseUrl: z.string().nullable(),
  status: InstanceStatus,
  statusReason: z.string().nullable(),
  desiredState: z.enum(['running', 'stopped']),
  version: z.string().nullable(),
  /** host:port by name, e.g. {"client": "127.0.0.1:5222"}. */
  endpoints: z.record(z.string(), z.string()),
  health: InstanceHealth.nullable(),
  /** Share of health checks that passed over the last 24 hours and 7 days (null: no samples). */
  uptime: z.object({ day: z.number().nullable(), week: z.number().nullable() }),
  capabilities: z.array(z.string()),
  settings: InstanceSettings,
  healthIntervalSec: z.number(),
  startedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Instance = z.infer<typeof Instance>;

export const InstanceListQuery = ListQuery.extend({
  sort: z.enum(['name', 'kind', 'domain', 'status', 'createdAt']).default('createdAt'),
  kind: InstanceKind.optional(),
  status: InstanceStatus.optional(),
});

export const InstanceAccepted = z.object({ id: z.string(), jobId: z.string() });
export type InstanceAccepted = z.infer<typeof InstanceAccepted>;

export const DeleteInstanceQuery = z.object({
  confirm: z.string().min(1, 'repeat the instance name to confirm'),
  reason: z.string().max(500).optional(),
});

export const LogsQuery = z.object({ tail: z.coerce.number().int().min(1).max(5000).default(200) });
export const InstanceLogs = z.object({ lines: z.array(z.string()) });

export const HealthSample = z.object({
  at: z.string(),
  ok: z.boolean(),
  latencyMs: z.number().nullable(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), latencyMs: z.number().optional() })),
});
export const HealthSamplesQuery = z.object({
  since: IsoDate.optional(),
  until: IsoDate.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

export const InstanceEvent = z.object({
  id: z.string(),
  at: z.string(),
  type: z.enum(['status-change', 'crash', 'restart', 'action', 'backup-failed', 'backup-missed', 'privacy-drift', 'upgrade-failed']),
  fromStatus: InstanceStatus.nullable(),
  toStatus: InstanceStatus.nullable(),
  reason: z.string(),
});
export type InstanceEvent = z.infer<typeof InstanceEvent>;
export const InstanceEventsQuery = ListQuery.extend({ sort: z.enum(['at']).default('at') });

/**
 * What this host can run: detected programs and versions, and how to install a missing one.
 * `available`, `version`, `installHint` and `problems` are about the host's own program (the
 * process runtime); `runtimes` lists every runtime Hearth offers for the kind here ('container'
 * when it has images of it and an engine is configured, whether or not the host has the program).
 */
export const InstanceKindAvailability = z.object({
  kind: InstanceKind,
  displayName: z.string(),
  available: z.boolean(),
  version: z.string().nullable(),
  runtimes: z.array(RuntimeKind),
  installHint: z.string(),
  problems: z.array(z.string()),
});
export type InstanceKindAvailability = z.infer<typeof InstanceKindAvailability>;
