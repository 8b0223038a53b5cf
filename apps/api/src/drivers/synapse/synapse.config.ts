import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { DriverError, type FederationMode, type InstanceSecrets, type InstanceSpec, type ServerKnob, type ServerRetention } from '../driver';
import { federationPolicy } from '../federation-policy';
import { retentionOf } from '../retention';
import { requireSecret } from '../secrets';
import { isLoopback, probeHost } from '../validation';
import { type YamlValue, toYaml } from '../yaml';
import { synapseDatabaseConfig } from './synapse-database';
import { RUNTIME_LAYOUT } from '../../runtimes/runtime';

/** Paths relative to the instance directory; inside the root filesystem they sit below RUNTIME_LAYOUT.rootfsInstanceDir. */
export const SYNAPSE_PATHS = {
  conf: 'conf',
  /** The operator's own settings: written once, never overwritten. */
  operatorConfig: 'conf/homeserver.yaml',
  /** Hearth's settings, rewritten at every start and read last, so they win. */
  hearthConfig: 'conf/hearth.yaml',
  logConfig: 'conf/log.yaml',
  signingKey: 'conf/signing.key',
  data: 'data',
  database: 'data/homeserver.db',
  media: 'data/media_store',
} as const;

/** Hearth's own admin account on every Synapse it provisions. */
export const HEARTH_ADMIN_USER = 'hearth-admin';
/** The account server notices (announcements) come from. */
export const NOTICES_USER = 'notices';

// database_password: the instance's own PostgreSQL role, when it uses PostgreSQL.
export const SYNAPSE_SECRETS = ['registration_shared_secret', 'macaroon_secret_key', 'form_secret', 'signing_key_seed', 'admin_password', 'database_password'] as const;

/** A path as Synapse sees it, inside its root filesystem. */
export function inside(path: string): string {
  return posix.join(RUNTIME_LAYOUT.rootfsInstanceDir, path);
}

export function baseUrlOf(spec: InstanceSpec): string {
  const host = probeHost(spec.bindAddress);
  return `http://${host.includes(':') ? `[${host}]` : host}:${spec.ports.client}`;
}

const LOG_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;

/** No denylist: Synapse's config has an allowlist of domains (federation_domain_whitelist) and nothing to refuse a few. */
export const SYNAPSE_FEDERATION_MODES: readonly FederationMode[] = ['closed', 'allowlist', 'open'];

/**
 * Synapse's signing key file: "ed25519 <key id> <unpadded base64 seed>". The seed is one of the
 * instance's secrets, so rendering stays pure and the key survives a rewrite of the config.
 */
export function renderSigningKey(secrets: InstanceSecrets): string {
  const seed = Buffer.from(requireSecret(secrets, 'signing_key_seed'), 'base64url');
  if (seed.length !== 32) throw new RangeError('signing_key_seed must hold 32 bytes');
  const keyId = `a_${createHash('sha256').update(seed).digest('hex').slice(0, 4)}`;
  return `ed25519 ${keyId} ${seed.toString('base64').replace(/=+$/, '')}\n`;
}

/**
 * Hearth's part of the configuration. Privacy first: no statistics reporting, sign-up only with a registration token,
 * no key servers, no federation (until a federation policy opens it), no URL previews, no message
 * content in push notifications, profiles visible only to people who share a room, client IPs
 * kept 7 days rather than 28, and no IP addresses in the log (the access log is off).
 *
 * A retention policy (settings.retention) sets every knob explicitly, so that no key of the
 * operator's homeserver.yaml can undo one: see renderRetentionKeys. Without a policy the file is
 * what it always was (Synapse's own defaults for presence and redactions, history kept for good).
 *
 * Federation: closed is an empty federation_domain_whitelist (no request out, every request in
 * refused) and no federation resource; allowlist is the list and the resource, on the client
 * port (the operator's proxy routes /_matrix/federation and /_matrix/key to it); open is the
 * resource and no whitelist at all.
 */
export function renderHearthConfig(spec: InstanceSpec, secrets: InstanceSecrets): string {
  const publicBaseUrl = spec.settings.publicBaseUrl ?? `${baseUrlOf(spec)}/`;
  const federation = federationPolicy(spec, SYNAPSE_FEDERATION_MODES);
  const knobs = synapseRetention(spec);
  const policy = spec.settings.retention !== undefined;
  // Keys whose value is null ("kept for good"), which toYaml has no form for: written at the end.
  const nulls: [key: string, why: string][] = [];
  const duration = (key: string, days: number | null, why: string): Record<string, YamlValue> => {
    if (days !== null) return { [key]: synapseDays(days) };
    nulls.push([key, why]);
    return {};
  };
  const config: Record<string, YamlValue> = {
    server_name: spec.domain,
    public_baseurl: publicBaseUrl,
    report_stats: false,
    listeners: [
      {
        port: spec.ports.client,
        bind_addresses: [spec.bindAddress],
        type: 'http',
        tls: false,
        // Client addresses from X-Forwarded-For only where nothing but a proxy on this host can connect.
        x_forwarded: Boolean(spec.settings.publicBaseUrl) && isLoopback(spec.bindAddress),
        resources: [{ names: federation.mode === 'closed' ? ['client'] : ['client', 'federation'], compress: false }],
      },
    ],
    database: spec.settings.database ? synapseDatabaseConfig(spec, spec.settings.database, secrets) : { name: 'sqlite3', args: { database: inside(SYNAPSE_PATHS.database) } },
    media_store_path: inside(SYNAPSE_PATHS.media),
    signing_key_path: inside(SYNAPSE_PATHS.signingKey),
    log_config: inside(SYNAPSE_PATHS.logConfig),
    registration_shared_secret: requireSecret(secrets, 'registration_shared_secret'),
    macaroon_secret_key: requireSecret(secrets, 'macaroon_secret_key'),
    form_secret: requireSecret(secrets, 'form_secret'),
    // Nobody signs up without a registration token from a moderator (or an invite on Hearth's page).
    enable_registration: true,
    registration_requires_token: true,
    trusted_key_servers: knobs.trustedKeyServers.map((name) => ({ server_name: name })),
    suppress_key_server_warning: true,
    ...(federation.mode === 'open' ? {} : { federation_domain_whitelist: federation.domains }),
    allow_public_rooms_over_federation: false,
    url_preview_enabled: knobs.urlPreviews,
    push: { include_content: knobs.pushContent },
    require_auth_for_profile_requests: true,
    limit_profile_requests_to_users_who_share_rooms: true,
    include_profile_data_on_invite: false,
    // 0 would turn Synapse's pruning off (it prunes only for a truthy age): "none kept" is one second.
    ...(knobs.ipDays === 0 ? { user_ips_max_age: '1s' } : duration('user_ips_max_age', knobs.ipDays, 'Client IP addresses are kept for good')),
    ...(policy ? renderRetentionKeys(knobs, duration) : {}),
    // Announcements to every user (the server notices capability) come from this account.
    server_notices: { system_mxid_localpart: NOTICES_USER, system_mxid_display_name: 'Server notices', room_name: 'Server notices' },
    enable_metrics: false,
  };
  const text = toYaml(config, 'Written by Hearth at every start: do not edit. Your own settings go in homeserver.yaml;\nthis file is read after it, so a key set here wins.');
  // Synapse reads null as "no whitelist"; this file is read last, so it also undoes one homeserver.yaml may set.
  if (federation.mode === 'open') nulls.push(['federation_domain_whitelist', 'Federation is open: no whitelist.']);
  return text + nulls.map(([key, why]) => `# ${why}\n${key}: null\n`).join('');
}

/** A number of days as a Synapse duration. */
function synapseDays(days: number): string {
  return `${days}d`;
}

/**
 * How often the retention purge job runs: an hour per day kept, at most 12 hours. Synapse runs it
 * first one interval after it starts, so the interval stays well under a day: a server restarted
 * daily still purges.
 */
export function purgeInterval(messageDays: number): string {
  return `${Math.min(12, Math.max(1, messageDays))}h`;
}

/**
 * Addresses URL previews never fetch: Synapse's own default blocklist for outgoing requests, plus
 * "this network", reserved space and NAT64 (which reaches IPv4 addresses through IPv6). Synapse
 * adds the IPv4-mapped and 6to4 forms of every IPv4 range itself.
 */
export const URL_PREVIEW_BLOCKLIST: readonly string[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '192.0.0.0/24',
  '169.254.0.0/16',
  '192.88.99.0/24',
  '198.18.0.0/15',
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::1/128',
  'fe80::/10',
  'fc00::/7',
  '2001:db8::/32',
  'ff00::/8',
  'fec0::/10',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
];

/** Why Synapse cannot honour a knob; every other one is set in hearth.yaml or log.yaml and read back. */
export const SYNAPSE_UNSUPPORTED_KNOBS: Readonly<Partial<Record<ServerKnob, string>>> = {
  offlineDays:
    'Matrix has no store of messages waiting for offline people: everyone reads them from the room history when they come back, which the message history setting governs',
};

/**
 * The knobs in force (retentionOf), except message history without a policy: Hearth never set a
 * retention policy on Synapse (messageRetentionDays is an XMPP setting it refuses), so an
 * instance without a policy keeps its rooms' history for good, as it always did.
 */
export function synapseRetention(spec: Pick<InstanceSpec, 'settings'>): ServerRetention {
  return retentionOf(spec, SYNAPSE_RETENTION_DEFAULTS);
}

/** Before any policy, Hearth never set Synapse's message retention: history was kept for good. */
export const SYNAPSE_RETENTION_DEFAULTS: Partial<ServerRetention> = { messageDays: null };

/** Throws spec/invalid for a policy Synapse can't run on; render() calls it before writing anything. */
export function checkSynapseRetention(spec: Pick<InstanceSpec, 'settings'>): void {
  const policy = spec.settings.retention;
  if (!policy) return;
  if (policy.messageDays === 0) {
    // Synapse hides every message older than max_lifetime from clients, live ones included: with 0 nobody would read anything.
    throw new DriverError('spec/invalid', 'Matrix delivers messages through the room history, so Synapse cannot keep none of it: keep at least 1 day of messages');
  }
  const bad = policy.trustedKeyServers.filter((name) => !SERVER_NAME.test(name));
  if (bad.length) throw new DriverError('spec/invalid', `Not a Matrix server name (host or host:port): ${bad.map((name) => JSON.stringify(name)).join(', ')}`);
}

// A DNS name, IPv4 or [IPv6] literal, with an optional port (Matrix spec: server name grammar).
const SERVER_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The keys a policy adds to hearth.yaml, each read by Synapse 1.160 as its config reference says
 * (synapse/config/{retention,server,repository,key}.py). Top-level keys replace the operator's
 * whole section, so each is written even where it says what Synapse would do anyway.
 *
 * - retention: a default policy of messageDays for rooms without one of their own, and a cap of
 *   messageDays on the ones that have (allowed_lifetime_max); one purge job for all of them.
 *   Rooms may still ask for less. Synapse never purges state events nor a room's latest event,
 *   though it hides expired messages from clients.
 * - forgotten_room_retention_period: a room every local member left and forgot is purged
 *   entirely (state and all) messageDays after: its history is history nobody here can reach,
 *   and it would otherwise keep what the purge jobs never delete. Unset when history is kept.
 * - media_retention: local and remote media not fetched for that long, checked hourly (Synapse
 *   counts from the last access, not the upload; profile pictures are kept).
 * - redaction_retention_period: the original content of redacted events, censored every 5 minutes.
 * - presence, and perspectives emptied: the legacy spelling of trusted_key_servers, which
 *   Synapse adds to the list, so a homeserver.yaml can't bring a key server back through it.
 * - url_preview_ip_range_blacklist: Synapse refuses to start with previews on and no blocklist.
 */
function renderRetentionKeys(knobs: ServerRetention, duration: (key: string, days: number | null, why: string) => Record<string, YamlValue>): Record<string, YamlValue> {
  const { messageDays } = knobs;
  const media: Record<string, YamlValue> = {};
  if (knobs.mediaDays !== null) media.local_media_lifetime = synapseDays(knobs.mediaDays);
  if (knobs.remoteMediaDays !== null) media.remote_media_lifetime = synapseDays(knobs.remoteMediaDays);
  return {
    retention:
      messageDays === null
        ? { enabled: false }
        : { enabled: true, default_policy: { max_lifetime: synapseDays(messageDays) }, allowed_lifetime_max: synapseDays(messageDays), purge_jobs: [{ interval: purgeInterval(messageDays) }] },
    ...(messageDays === null ? {} : { forgotten_room_retention_period: synapseDays(messageDays) }),
    media_retention: media,
    ...duration('redaction_retention_period', knobs.redactedDays, 'The content of redacted messages is kept for good'),
    presence: { enabled: knobs.presence },
    perspectives: { servers: {} },
    ...(knobs.urlPreviews ? { url_preview_ip_range_blacklist: URL_PREVIEW_BLOCKLIST } : {}),
  };
}

export function renderOperatorConfig(): string {
  return [
    '# Your own Synapse settings: Hearth writes this file once and never changes it.',
    '# hearth.yaml (next to it) is read after this file, so a key Hearth sets wins over the same key here.',
    '# Options: https://element-hq.github.io/synapse/latest/usage/configuration/config_documentation.html',
    'max_upload_size: 50M',
    '',
  ].join('\n');
}

/**
 * Console logging at the instance's level. The access log (synapse.access.*: one line per request
 * with the client's address) is the only place Synapse logs client IPs above DEBUG: it stays off
 * (WARNING; it logs at INFO and DEBUG only) unless the policy allows IPs in logs (logIps).
 */
export function renderLogConfig(spec: InstanceSpec): string {
  const knobs = synapseRetention(spec);
  const level = LOG_LEVELS[knobs.logLevel];
  const config: Record<string, YamlValue> = {
    version: 1,
    formatters: { plain: { format: '%(asctime)s %(levelname)s %(name)s: %(message)s' } },
    handlers: { console: { class: 'logging.StreamHandler', formatter: 'plain' } },
    loggers: {
      'synapse.access': { level: knobs.logIps ? 'INFO' : 'WARNING' },
      'synapse.storage.SQL': { level: 'WARNING' },
    },
    root: { level, handlers: ['console'] },
    disable_existing_loggers: false,
  };
  return toYaml(config, 'Written by Hearth at every start: Synapse logs to its console, which Hearth keeps.');
}
