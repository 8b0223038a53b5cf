import { join, posix } from 'node:path';
import type { FederationMode, FederationPolicy, InstanceSpec } from '../driver';
import { federationPolicy, federationPort } from '../federation-policy';
import { effectiveTls, retentionKnobs } from '../validation';
import { luaString } from './prosody-admin-socket';
import type { ProsodyDialect } from './prosody-release';

/** Where the Prosody driver keeps things inside the instance directory. */
export const PROSODY_PATHS = {
  config: 'conf/prosody.cfg.lua',
  data: 'data',
  run: 'run',
  certs: 'certs',
  adminSocket: 'run/admin.sock',
  pidFile: 'run/prosody.pid',
} as const;

/** Every store (accounts, rosters, archive) lives in this one SQLite database. */
export const PROSODY_DATABASE = 'data/prosody.sqlite';

const BASE_MODULES = [
  'roster',
  'saslauth',
  'disco',
  'carbons',
  'pep',
  'private',
  'blocklist',
  'vcard4',
  'vcard_legacy',
  'bookmarks',
  'limits',
  'version',
  'uptime',
  'time',
  'ping',
  'csi_simple',
  'smacks',
  // In-band registration stays closed (allow_registration); the module also lets users change their password.
  'register',
  'admin_shell',
  'http_openmetrics',
];

const LOG_LEVELS = { debug: 'debug', info: 'info', warn: 'warn', error: 'error' } as const;
const DAY_SECONDS = 86_400;

/** The port remote servers connect to; not allocated with the instance, but when a policy first opens federation. */
export const S2S_PORT = 's2s';

/**
 * Prosody 0.12 (and 13) has no list of allowed or refused servers of its own, and bookworm's
 * prosody-modules has no mod_s2s_whitelist or mod_s2s_blacklist; its mod_host_guard would do
 * both but fails at server start on 0.12 (it uses the global `configmanager`, gone since 0.12).
 */
export const PROSODY_FEDERATION_MODES: readonly FederationMode[] = ['closed', 'open'];

/**
 * The whole configuration of one Prosody instance, in the dialect of the version it runs (0.12 by
 * default). Nothing is inherited from /etc/prosody: every path points into the instance
 * directory, and every network service is either bound explicitly or switched off.
 *
 * From 0.12 to 13, checked with each version's `prosodyctl check config` and by running both:
 * - `legacy_ssl_ports` is deprecated in favour of `c2s_direct_tls_ports` (both versions' checks
 *   say so): neither gets it any more. Neither opens a legacy TLS port by default, so this
 *   changes nothing for 0.12.
 * - Everything else Hearth sets means the same to both: every module it loads exists in 13
 *   under the same name (mod_admin_shell still loads mod_admin_socket for `admin_socket`), SQL
 *   storage (13 upgrades 0.12's SQLite schema itself when it first opens it: the key-value index becomes
 *   unique; 0.12 still opens it), periods such as archive_expires_after = "7d", and a negative
 *   http_file_share_expires_after (13: treated as never).
 * The dialect marks the file's header, and is where options of one version only go.
 */
export function renderProsodyConfig(spec: InstanceSpec, dialect: ProsodyDialect = '0.12'): string {
  const path = (relative: string) => luaString(join(spec.dir, relative));
  const tls = effectiveTls(spec);
  const retention = retentionKnobs(spec);
  const days = retention.messageDays;
  const modules = [...BASE_MODULES];
  if (tls.mode !== 'off') modules.push('tls');
  if (days !== 0) modules.push('mam');
  const level = LOG_LEVELS[retention.logLevel];
  // Keeping uploads 0 days: no upload service at all.
  const share = retention.mediaDays === 0 ? undefined : spec.settings.fileShare;
  const federation = federationPolicy(spec, PROSODY_FEDERATION_MODES);
  // Dialback: how servers without a certificate the other side trusts prove who they are.
  if (federation.mode !== 'closed') modules.push('dialback');
  // Closed: mod_s2s (and the certificate check only s2s uses) is not even loaded. No offline
  // storage: mod_offline (which Prosody loads by itself) is not loaded, and messages to accounts
  // that are offline bounce.
  const disabled = [...(federation.mode === 'closed' ? ['s2s', 's2s_auth_certs'] : []), ...(retention.offlineDays === 0 ? ['offline'] : [])];

  const lines = [
    `-- Rendered by Hearth for instance ${spec.id}${dialect === '13' ? ' (Prosody 13)' : ''}. Hearth rewrites this file: change the instance's settings instead.`,
    '',
    `pidfile = ${path(PROSODY_PATHS.pidFile)}`,
    `data_path = ${path(PROSODY_PATHS.data)}`,
    `certificates = ${path(PROSODY_PATHS.certs)}`,
    `admin_socket = ${path(PROSODY_PATHS.adminSocket)}`,
    // stdout, which the runtime appends to the instance's console log.
    `log = { { levels = { min = ${luaString(level)} }, to = "stdout", timestamps = "%Y-%m-%d %H:%M:%S" } }`,
    '',
    '-- Network: anything not bound below listens on loopback only, or not at all.',
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${spec.ports.client} }`,
    `c2s_interfaces = { ${luaString(spec.bindAddress)} }`,
    'c2s_direct_tls_ports = {}',
    ...s2sNetwork(spec, federation),
    `http_ports = { ${spec.ports.http} }`,
    'http_interfaces = { "127.0.0.1" }',
    'https_ports = {}',
    'component_ports = {}',
    ...(share ? [`http_external_url = ${luaString(share.externalUrl)}`] : []),
    '',
    `modules_enabled = ${luaList(modules)}`,
    `modules_disabled = ${luaList(disabled)}`,
    'allow_registration = false',
    'hide_os_type = true',
    '',
    'authentication = "internal_hashed"',
    tls.mode === 'off'
      ? '-- Plaintext is allowed only because the client port is on loopback; PLAIN stays off, so passwords still never cross the socket.'
      : '-- Clients must use STARTTLS before authenticating.',
    `c2s_require_encryption = ${tls.mode === 'off' ? 'false' : 'true'}`,
    'allow_unencrypted_plain_auth = false',
    '',
    '-- SQLite, so a consistent snapshot can be taken while the server runs.',
    'storage = "sql"',
    `sql = { driver = "SQLite3", database = "${posix.basename(PROSODY_DATABASE)}" }`,
    '',
    ...archiveLines(days),
    ...offlineLines(retention.offlineDays),
    '',
    'statistics = "internal"',
    'openmetrics_allow_ips = { "127.0.0.1", "::1" }',
    '',
    `VirtualHost ${luaString(spec.domain)}`,
  ];
  if (tls.mode === 'files') {
    lines.push(`  ssl = { certificate = ${luaString(tls.certificate)}, key = ${luaString(tls.key)} }`);
  }
  if (share) {
    // A negative expiry turns Prosody's daily removal of expired uploads off.
    const seconds = retention.mediaDays === null ? -1 : retention.mediaDays * DAY_SECONDS;
    lines.push(
      '',
      `Component ${luaString(`upload.${spec.domain}`)} "http_file_share"`,
      `  ${retention.mediaDays === null ? '-- Uploads are kept for good.' : `-- Prosody removes uploads ${retention.mediaDays} days old once a day.`}`,
      `  http_file_share_expires_after = ${seconds}`,
      ...(share.maxFileBytes ? [`  http_file_share_size_limit = ${share.maxFileBytes}`] : []),
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * An option of Hearth's own, global: Prosody 0.12 keeps offline messages until they are
 * delivered and ignores it; Hearth's purge reads it back from the running server and deletes
 * older offline messages.
 */
export const OFFLINE_EXPIRY_OPTION = 'hearth_offline_expires_after';

function archiveLines(days: number | null): string[] {
  if (days === 0) return ['-- No server-side message archive (mod_mam is not loaded).'];
  if (days === null) return ['-- Messages stay in the archive for good.', 'archive_expires_after = "never"'];
  return [
    `-- Messages leave the archive after ${days} days: Prosody removes them once a day, Hearth's purge on its own schedule.`,
    `archive_expires_after = ${luaString(`${days}d`)}`,
  ];
}

function offlineLines(days: number | null): string[] {
  if (days === 0) return ['-- No offline storage (mod_offline is disabled): messages to accounts that are offline bounce.'];
  if (days === null) return ['-- Messages for accounts that are offline wait until they log in.'];
  return [
    `-- Messages for accounts that are offline wait at most ${days} days. Prosody itself keeps them until they are`,
    "-- delivered and ignores this option: Hearth's purge reads it from the running server and deletes older ones.",
    `${OFFLINE_EXPIRY_OPTION} = ${luaString(`${days}d`)}`,
  ];
}

function s2sNetwork(spec: InstanceSpec, federation: FederationPolicy): string[] {
  if (federation.mode === 'closed') return ['-- Federation closed: no s2s listener, no outgoing s2s.', 's2s_ports = {}', 's2s_direct_tls_ports = {}'];
  const port = federationPort(spec, S2S_PORT);
  return [`-- Federation ${federation.mode}: remote servers connect here.`, `s2s_ports = { ${port} }`, `s2s_interfaces = { ${luaString(spec.bindAddress)} }`, 's2s_direct_tls_ports = {}'];
}

/** { "a", "b" }, and {} when empty. */
function luaList(items: readonly string[]): string {
  return items.length ? `{ ${items.map(luaString).join(', ')} }` : '{}';
}
