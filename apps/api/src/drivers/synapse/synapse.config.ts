import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { type FederationMode, type InstanceSecrets, type InstanceSpec } from '../driver';
import { federationPolicy } from '../federation-policy';
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
 * Federation: closed is an empty federation_domain_whitelist (no request out, every request in
 * refused) and no federation resource; allowlist is the list and the resource, on the client
 * port (the operator's proxy routes /_matrix/federation and /_matrix/key to it); open is the
 * resource and no whitelist at all.
 */
export function renderHearthConfig(spec: InstanceSpec, secrets: InstanceSecrets): string {
  const publicBaseUrl = spec.settings.publicBaseUrl ?? `${baseUrlOf(spec)}/`;
  const federation = federationPolicy(spec, SYNAPSE_FEDERATION_MODES);
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
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    ...(federation.mode === 'open' ? {} : { federation_domain_whitelist: federation.domains }),
    allow_public_rooms_over_federation: false,
    url_preview_enabled: false,
    push: { include_content: false },
    require_auth_for_profile_requests: true,
    limit_profile_requests_to_users_who_share_rooms: true,
    include_profile_data_on_invite: false,
    user_ips_max_age: '7d',
    // Announcements to every user (the server notices capability) come from this account.
    server_notices: { system_mxid_localpart: NOTICES_USER, system_mxid_display_name: 'Server notices', room_name: 'Server notices' },
    enable_metrics: false,
  };
  const text = toYaml(config, 'Written by Hearth at every start: do not edit. Your own settings go in homeserver.yaml;\nthis file is read after it, so a key set here wins.');
  // Synapse reads null as "no whitelist"; this file is read last, so it also undoes one homeserver.yaml may set.
  return federation.mode === 'open' ? `${text}# Federation is open: no whitelist.\nfederation_domain_whitelist: null\n` : text;
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

/** Console logging at the instance's level; the access log (client IP addresses) stays off. */
export function renderLogConfig(spec: InstanceSpec): string {
  const level = LOG_LEVELS[spec.settings.logLevel ?? 'info'];
  const config: Record<string, YamlValue> = {
    version: 1,
    formatters: { plain: { format: '%(asctime)s %(levelname)s %(name)s: %(message)s' } },
    handlers: { console: { class: 'logging.StreamHandler', formatter: 'plain' } },
    loggers: {
      'synapse.access': { level: 'WARNING' },
      'synapse.storage.SQL': { level: 'WARNING' },
    },
    root: { level, handlers: ['console'] },
    disable_existing_loggers: false,
  };
  return toYaml(config, 'Written by Hearth at every start: Synapse logs to its console, which Hearth keeps.');
}
